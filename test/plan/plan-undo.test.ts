import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { main } from '../../src/cli.js';
import type { InterruptHandlers } from '../../src/deps.js';
import { spawnChild } from '../helpers/children.js';
import { BIN } from '../helpers/run-bin.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { useSyncEnv } from '../helpers/sync-env.js';
import { expectLoadedOnce, snapshot, undoPlanFiles, type UndoPlanSizes } from './plan-undo-data.js';

const env = useSyncEnv();

const ajv = new Ajv2020({ allErrors: true, strict: true });
const SCHEMAS = path.resolve(import.meta.dirname, '../../schemas/output');
for (const file of ['common.schema.json', 'undo.schema.json'])
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8')));

/** The --json document, checked against schemas/output/undo.schema.json. */
function undoDocument(stdout: string): any {
  const validate = ajv.getSchema('https://github.com/sfsync/sfsync/schemas/output/undo.schema.json');
  const doc = JSON.parse(stdout);
  expect(validate?.(doc) ? [] : validate?.errors).toEqual([]);
  return doc;
}

// Small plans: what these tests prove is the order and the bookkeeping of undo, resume and kill, not volume (the
// 10,000-record plan is loaded, stopped, resumed and undone once, in plan-load.test.ts).
const SIZES: UndoPlanSizes = {
  accounts: 20,
  contacts: 40,
  opportunities: 10,
  campaigns: 2,
  members: 10,
  tasks: 10,
  people: 3,
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

// Each test keeps its results in a folder of its own (ru/, rc/, rk/): an undo reads the undos beside its run's
// folder (whether one of them wrote a record since), and another test's are none of its business.
describe('undo of a plan', () => {
  it('takes every step back, children first: the org is as before; the undo is undone in turn', async () => {
    seedExisting('U');
    writePlan('u', 'U', SIZES);
    const before = await snapshot(env);
    const run = await env.sfsync(['run', 'u/plan.yaml', '--results', 'ru/u', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().result.counts).toMatchObject({ updated: expect.any(Number), failed: 0 });
    const after = await snapshot(env);

    const dry = await env.sfsync(['undo', 'ru/u', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const undo = await env.sfsync(['undo', 'ru/u', '--results', 'ru/u-undo', '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    const result = undoDocument(undo.stdout).result;
    // The last step run first, each second pass before its step: children before parents.
    expect(result.steps.map((s: { step: string }) => s.step)).toEqual([
      'members',
      'people',
      'campaigns',
      'tasks',
      'opportunities',
      'contacts.self',
      'contacts',
      'accounts.self',
      'accounts',
    ]);
    expect(result.counts).toMatchObject({ conflict: 0, failed: 0, skipped: 0 });
    expect(result.counts.deleted).toBe(20 - 5 + 40 - 1 + 10 + 2 + 10 + 10 + 3);
    expect(undoDocument(dry.stdout).result.counts).toEqual(result.counts);
    expect(await snapshot(env)).toEqual(before);
    expect(fs.existsSync(path.join(env.dir(), 'ru/u-undo/summary.json'))).toBe(true);

    const redo = await env.sfsync(['undo', 'ru/u-undo', '--results', 'ru/u-redo', '--json']);
    expect(redo.code, redo.stderr).toBe(0);
    // Parents first again; campaign members cannot be undeleted (Salesforce says so): created again, new Ids.
    expect(redo.json().result.steps[0].step).toBe('accounts');
    expect(redo.json().result.counts).toMatchObject({
      undeleted: 20 - 5 + 40 - 1 + 10 + 2 + 10 + 3,
      created: 10,
    });
    expect(withoutMemberIds(await snapshot(env))).toEqual(withoutMemberIds(after));
  });
});

const SMALL: UndoPlanSizes = {
  accounts: 20,
  contacts: 40,
  opportunities: 10,
  campaigns: 1,
  members: 10,
  tasks: 10,
  people: 2,
};

const count = async (p: string): Promise<number[]> =>
  Promise.all(
    [
      `SELECT Id FROM Account WHERE External_Id__c LIKE '${p}A%'`,
      `SELECT Id FROM Contact WHERE External_Id__c LIKE '${p}C%'`,
      `SELECT Id FROM Opportunity WHERE Name LIKE '${p} Deal %'`,
      `SELECT Id FROM Task WHERE Subject LIKE '${p} Call %'`,
    ].map(async (q) => (await env.query(q)).length),
  );

describe('undo of a plan: what it cannot take back', () => {
  it('a contact changed since the run is left, and so is its account (deleting it would delete the contact)', async () => {
    writePlan('c', 'Q', SMALL);
    expect((await env.sfsync(['run', 'c/plan.yaml', '--results', 'rc/c', '--json'])).code).toBe(0);
    const [changed] = await env.query(`SELECT Id FROM Contact WHERE External_Id__c = 'QC3'`);
    expect(env.org().store.update(changed?.Id, { Title: 'Changed by someone' }).ok).toBe(true);

    const undo = await env.sfsync(['undo', 'rc/c', '--results', 'rc/c-undo']);
    expect(undo.code, undo.stderr).toBe(2);
    expect(undo.stdout).toContain('Left as they are:');
    expect(undo.stdout).toMatch(/contacts: 1 record \(CONFLICT\)/);
    expect(undo.stdout).toMatch(/accounts: 1 record \(CHILD_NOT_REMOVED\)/);
    expect(undo.stdout).toContain(`Contact ${changed?.Id}`);
    expect(await count('Q')).toEqual([1, 1, 0, 0]);
    const [kept] = await env.query(`SELECT External_Id__c FROM Account WHERE External_Id__c LIKE 'Q%'`);
    expect(kept?.External_Id__c).toBe('QA3');

    // The remedy the message gives: take the contact back anyway, then undo the plan again.
    const again = await env.sfsync(['undo', 'rc/c', '--force', '--results', 'rc/c-undo2', '--json']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.json().result.counts.deleted).toBe(2);
    expect(await count('Q')).toEqual([0, 0, 0, 0]);
  });
});

/**
 * Counts the lines of a results file as it grows (0 while it does not exist), reading only what was added since it
 * last looked: the kill points are watched every few milliseconds, and reading the whole file each time cost more
 * CPU than the plan itself.
 */
function lineCounter(file: string): { lines: () => number; close: () => void } {
  let fd: number | undefined;
  let count = 0;
  const chunk = Buffer.alloc(64 * 1024);
  return {
    lines: () => {
      if (fd === undefined) {
        if (!fs.existsSync(file)) return 0;
        fd = fs.openSync(file, 'r');
      }
      for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk))
        for (let i = 0; i < n; i++) if (chunk[i] === 10) count++;
      return count;
    },
    close: () => {
      if (fd !== undefined) fs.closeSync(fd);
    },
  };
}

/**
 * Runs the plan as a process of its own and kills it (SIGKILL: no chance to write anything) as soon as `when` sees
 * the point wanted in its results folder; says whether the kill landed before the plan ended.
 */
function runKilledWhen(args: string[], when: () => boolean): Promise<NodeJS.Signals | null> {
  const child = spawnChild(process.execPath, [BIN, ...args], {
    cwd: env.dir(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SFSYNC_INSTANCE_URL: env.org().instanceUrl,
      SFSYNC_ACCESS_TOKEN: env.org().accessToken,
    },
    stdio: 'ignore',
  });
  const poll = setInterval(() => {
    if (!when()) return;
    clearInterval(poll);
    child.kill('SIGKILL');
  }, 2);
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      resolve(signal);
    }),
  );
}

/** Deps for an undo run in this process through main(), and the interrupt handlers it registers. */
function undoDeps(): {
  deps: ReturnType<typeof createTestDeps> & { now: () => Date };
  handlers: Set<InterruptHandlers>;
} {
  const handlers = new Set<InterruptHandlers>();
  const deps = createTestDeps({
    env: { SFSYNC_INSTANCE_URL: env.org().instanceUrl, SFSYNC_ACCESS_TOKEN: env.org().accessToken },
    cwd: env.dir(),
  });
  return {
    handlers,
    deps: {
      ...deps,
      now: () => new Date(),
      onInterrupt: (h) => {
        handlers.add(h);
        return () => handlers.delete(h);
      },
    },
  };
}

// One plan in one org, in order: its run killed three times and resumed, then its undo stopped and resumed.
describe('a plan run killed and resumed, and its undo stopped and resumed', () => {
  let before: Snapshot;

  it('killed in step 1, between a step and its second pass, and in the second pass: every record once', async () => {
    // Calls of 2 records: each step and pass is many calls (accounts 15, the contacts' second pass 18), so a kill
    // on an observed point lands well before the step's end; what matters is calls, not records.
    const sizes: UndoPlanSizes = {
      accounts: 30,
      contacts: 40,
      opportunities: 6,
      campaigns: 1,
      members: 6,
      tasks: 6,
      people: 2,
    };
    writePlan('k', 'K', sizes);
    before = await snapshot(env);
    const out = (f: string): string => path.join(env.dir(), 'rk/k', f);
    const args = (resume: boolean, batch = '2'): string[] => [
      'run',
      'k/plan.yaml',
      '--results',
      'rk/k',
      '--batch-size',
      batch,
      ...(resume ? ['--resume'] : []),
    ];
    const accounts = lineCounter(out('accounts/journal.ndjson'));
    const self = lineCounter(out('contacts.self/journal.ndjson'));
    onTestFinished(() => [accounts, self].forEach((c) => c.close()));
    // In step 1, once two of its calls are in the journal.
    expect(await runKilledWhen(args(false), () => accounts.lines() >= 3)).toBe('SIGKILL');
    expect(fs.existsSync(out('accounts/summary.json'))).toBe(false);
    // As the contacts step ends, before its second pass has sent anything.
    expect(await runKilledWhen(args(true), () => fs.existsSync(out('contacts/summary.json')))).toBe(
      'SIGKILL',
    );
    // In the second pass, two calls after wherever it was.
    const at = self.lines();
    expect(await runKilledWhen(args(true), () => self.lines() >= Math.max(3, at + 2))).toBe('SIGKILL');
    expect(fs.existsSync(out('contacts.self/summary.json'))).toBe(false);
    // The last run, in this process, sends the rest in calls of the usual size.
    const resumed = await env.sfsync([...args(true, '200'), '--json']);
    expect(resumed.code, resumed.stdout).toBe(0);
    await expectLoadedOnce(env, 'K', sizes);
  });

  it('its undo, SIGTERM in the middle of a step and resumed: the before-images of four processes take all back', async () => {
    const { deps, handlers } = undoDeps();
    // Stopped once the contacts step has sent its first call (a journal line after the header).
    const journal = lineCounter(path.join(env.dir(), 'rk/k-undo/contacts/undo-journal.ndjson'));
    onTestFinished(() => journal.close());
    const poll = setInterval(() => {
      if (journal.lines() < 2) return;
      clearInterval(poll);
      for (const h of handlers) h.stop('SIGTERM');
    }, 1);
    // Calls of 5 records: the contacts' undo takes 8, so the stop after its first lands in the middle of it.
    const args = ['undo', 'rk/k', '--results', 'rk/k-undo', '--batch-size', '5', '--json'];
    const code = await main(args, deps).finally(() => clearInterval(poll));
    expect(code).toBe(143);
    const stopped = undoDocument(deps.io.stdoutText);
    expect(stopped.error.code).toBe('INTERRUPTED');
    expect(stopped.result).toMatchObject({ ended: 'interrupted', signal: 'SIGTERM' });
    expect(stopped.error.message).toMatch(
      /left to take back: contacts \(\d+ of 40 writes\), accounts.self, accounts/,
    );
    const ended = Object.fromEntries(
      stopped.result.steps.map((s: { step: string; ended: string }) => [s.step, s.ended]),
    );
    expect(ended).toMatchObject({ members: 'completed', contacts: 'interrupted', accounts: 'not run' });

    // Found beside the plan's folder without --results.
    const resumed = await env.sfsync(['undo', 'rk/k', '--resume', '--json']);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.json().result.steps[0]).toMatchObject({ step: 'members', ended: 'done before' });
    expect(resumed.json().result.counts).toMatchObject({
      deleted: 30 + 40 + 6 + 1 + 6 + 6 + 2,
      conflict: 0,
      failed: 0,
      skipped: 0,
    });
    expect(await count('K')).toEqual([0, 0, 0, 0]);
    expect(await snapshot(env)).toEqual(before);
  });
});
