import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { expectLoadedOnce, snapshot, undoPlanFiles, type UndoPlanSizes } from './plan-undo-data.js';

const env = useSyncEnv();

const SIZES: UndoPlanSizes = {
  accounts: 150,
  contacts: 400,
  opportunities: 150,
  campaigns: 3,
  members: 200,
  tasks: 200,
};

function writePlan(folder: string, prefix: string, sizes: UndoPlanSizes): void {
  const files = undoPlanFiles(prefix, sizes, env.org().username);
  for (const [name, text] of Object.entries(files)) env.write(`${folder}/${name}`, text);
}

/** Records the plan updates rather than creates: five of its accounts and a contact, there before it runs. */
function seedExisting(p: string): void {
  const store = env.org().store;
  const other = store.create('Account', { Name: `${p} Other`, External_Id__c: `${p}X` });
  for (let i = 0; i < 5; i++) store.create('Account', { Name: `Before ${i}`, External_Id__c: `${p}A${i}` });
  store.create('Contact', {
    LastName: 'Before',
    Email: 'before@undo.test',
    External_Id__c: `${p}C7`,
    AccountId: other.ok ? other.id : null,
  });
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

function withoutMemberIds(s: Snapshot): Snapshot {
  const members = s.CampaignMember ?? [];
  return {
    ...s,
    CampaignMember: members
      .map(({ Id: _id, ...rest }) => rest)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

describe('undo of a plan', () => {
  it('takes every step back, children first: the org is as before; the undo is undone in turn', async () => {
    seedExisting('U');
    writePlan('u', 'U', SIZES);
    const before = await snapshot(env);
    const run = await env.sfsync(['run', 'u/plan.yaml', '--results', 'out/u', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().result.counts).toMatchObject({ updated: expect.any(Number), failed: 0 });
    const after = await snapshot(env);

    const dry = await env.sfsync(['undo', 'out/u', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const undo = await env.sfsync(['undo', 'out/u', '--results', 'out/u-undo', '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    const result = undo.json().result;
    // The last step run first, each second pass before its step: children before parents.
    expect(result.steps.map((s: { step: string }) => s.step)).toEqual([
      'members',
      'campaigns',
      'tasks',
      'opportunities',
      'contacts.self',
      'contacts',
      'accounts.self',
      'accounts',
    ]);
    expect(result.counts).toMatchObject({ conflict: 0, failed: 0, skipped: 0 });
    expect(result.counts.deleted).toBe(150 - 5 + 400 - 1 + 150 + 3 + 200 + 200);
    expect(dry.json().result.counts).toEqual(result.counts);
    expect(await snapshot(env)).toEqual(before);
    expect(fs.existsSync(path.join(env.dir(), 'out/u-undo/summary.json'))).toBe(true);

    const redo = await env.sfsync(['undo', 'out/u-undo', '--results', 'out/u-redo', '--json']);
    expect(redo.code, redo.stderr).toBe(0);
    // Parents first again; campaign members cannot be undeleted (Salesforce says so): created again, new Ids.
    expect(redo.json().result.steps[0].step).toBe('accounts');
    expect(redo.json().result.counts).toMatchObject({
      undeleted: 150 - 5 + 400 - 1 + 150 + 3 + 200,
      created: 200,
    });
    expect(withoutMemberIds(await snapshot(env))).toEqual(withoutMemberIds(after));
  }, 60_000);
});

describe('a plan run killed and resumed', () => {
  it('placeholder', async () => {
    writePlan('k', 'K', SIZES);
    const run = await env.sfsync(['run', 'k/plan.yaml', '--results', 'out/k', '--json']);
    expect(run.code, run.stderr).toBe(0);
    await expectLoadedOnce(env, 'K', SIZES);
  });
});
