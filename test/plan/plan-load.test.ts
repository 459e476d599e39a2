import { describe, expect, it } from 'vitest';
import type { InterruptHandlers } from '../../src/deps.js';
import { main } from '../../src/cli.js';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { managerOf, parentOf, planFiles, type PlanSizes } from './plan-data.js';
import { snapshot } from './plan-undo-data.js';

// The suite's one load of the 10,000-record plan (issue 17): its dry run, a run stopped twice at random points and
// resumed, its references and its undo all share this file's org, in order. Every other plan test uses a plan of
// tens of records; `npm run bench -- plan` loads the same plan at 100,000.
const env = useSyncEnv();

const SIZES: PlanSizes = {
  accounts: 1000,
  contacts: 4000,
  opportunities: 2000,
  campaigns: 10,
  members: 1500,
  tasks: 1500,
  people: 10,
};

/**
 * One group of ten accounts (five contacts) in ten refers to another: 90 parents and 395 managers, set by the
 * steps' second passes (with every record referring, those passes were a third of the run's writes and its undo).
 */
const SELF_EVERY = 10;

type Row = Record<string, any>;

const key = (prefix: string, index: number | null): string | null =>
  index === null ? null : `${prefix}${index}`;

/** Whether every key of `rows` is there once, and `want` of them. */
function onceEach(rows: Row[], key: (r: Row) => string, want: number): void {
  expect([rows.length, new Set(rows.map(key)).size]).toEqual([want, want]);
}

/**
 * Every record of the plan in the org exactly once, and every reference of them as the files say. Records that
 * differ are gathered and compared once (one expect per record cost a second of CPU on 10,000 records).
 */
async function checkLoaded(p: string, n: PlanSizes, ownerId: string): Promise<void> {
  const wrong: unknown[] = [];
  const check = (got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ got, want });
  };
  const accounts = await env.query(
    `SELECT External_Id__c, Parent.External_Id__c FROM Account WHERE External_Id__c LIKE '${p}A%'`,
  );
  onceEach(accounts, (a) => a.External_Id__c, n.accounts);
  for (const a of accounts) {
    const i = Number(a.External_Id__c.slice(p.length + 1));
    check(a.Parent?.External_Id__c ?? null, key(`${p}A`, parentOf(i, SELF_EVERY)));
  }
  const contacts = await env.query(
    `SELECT Id, External_Id__c, Account.External_Id__c, ReportsTo.External_Id__c FROM Contact WHERE External_Id__c LIKE '${p}C%'`,
  );
  onceEach(contacts, (c) => c.External_Id__c, n.contacts);
  for (const c of contacts) {
    const i = Number(c.External_Id__c.slice(p.length + 1));
    check(
      [c.Account?.External_Id__c, c.ReportsTo?.External_Id__c ?? null],
      [`${p}A${i % n.accounts}`, key(`${p}C`, managerOf(i, SELF_EVERY))],
    );
  }
  const opps = await env.query(
    `SELECT Name, Account.External_Id__c FROM Opportunity WHERE Name LIKE '${p} Deal %'`,
  );
  onceEach(opps, (o) => o.Name, n.opportunities);
  for (const o of opps)
    check(o.Account?.External_Id__c, `${p}A${Number(o.Name.split(' ').pop()) % n.accounts}`);
  const members = await env.query(
    `SELECT Campaign.Name, Contact.External_Id__c FROM CampaignMember WHERE Campaign.Name LIKE '${p} Campaign %'`,
  );
  onceEach(members, (m) => `${m.Campaign.Name}|${m.Contact.External_Id__c}`, n.members);
  const pairs = new Set(members.map((m) => `${m.Campaign.Name}|${m.Contact.External_Id__c}`));
  for (let i = 0; i < n.members; i++) check(pairs.has(`${p} Campaign ${i % n.campaigns}|${p}C${i}`), true);
  // WhoId and WhatId polymorphic ({steps: [...]}); OwnerId a user found in the org by Username.
  const tasks = await env.query(
    `SELECT Subject, WhoId, What.Name, OwnerId FROM Task WHERE Subject LIKE '${p} Call %'`,
  );
  onceEach(tasks, (t) => t.Subject, n.tasks);
  const contactKeys = new Map(contacts.map((c) => [c.Id, c.External_Id__c]));
  for (const t of tasks) {
    const i = Number(t.Subject.split(' ').pop());
    check(
      [contactKeys.get(t.WhoId), t.What?.Name, t.OwnerId],
      [`${p}C${i % n.contacts}`, `${p} Deal ${i % n.opportunities}`, ownerId],
    );
  }
  // Person Accounts by their record type's DeveloperName.
  const people = await env.query(
    `SELECT External_Id__c, RecordType.DeveloperName FROM Account WHERE External_Id__c LIKE '${p}P%'`,
  );
  onceEach(people, (a) => a.External_Id__c, n.people ?? 0);
  for (const a of people) check(a.RecordType?.DeveloperName, 'PersonAccount');
  expect(wrong.slice(0, 20), `${wrong.length} references differ`).toEqual([]);
}

/**
 * Runs the plan in this process and stops it (SIGTERM, as a CI job's cancel sends) once the org has answered `at`
 * calls counted from `from`: an observed point, wherever the plan then is.
 */
async function runStoppedAt(args: string[], from: number, at: number): Promise<number> {
  const deps = createTestDeps({
    env: { SFSYNC_INSTANCE_URL: env.org().instanceUrl, SFSYNC_ACCESS_TOKEN: env.org().accessToken },
    cwd: env.dir(),
  });
  let current: InterruptHandlers | undefined;
  const poll = setInterval(() => {
    if (current && env.org().apiCalls() - from >= at) {
      clearInterval(poll);
      current.stop('SIGTERM');
    }
  }, 1);
  const run = main(args, {
    ...deps,
    now: () => new Date(),
    onInterrupt: (h) => {
      current = h;
      return () => (current = undefined);
    },
  });
  return run.finally(() => clearInterval(poll));
}

const steps = (r: { json: () => any }): unknown =>
  r.json().result.steps.map((s: any) => [s.step, s.pass, s.counts]);

describe('a seven-step plan over 10,000 records, in one org', () => {
  let before: Awaited<ReturnType<typeof snapshot>>;

  it('stopped at two random points and resumed: every record once, every reference right, as the dry run said', async () => {
    const owner = env.org().username;
    for (const [name, text] of Object.entries(
      planFiles('P', SIZES, { poly: true, people: 10, owner, selfEvery: SELF_EVERY }),
    ))
      env.write(`big/${name}`, text);
    before = await snapshot(env);
    const dry = await env.sfsync(['run', 'big/plan.yaml', '--dry-run', '--results', 'out/big-dry', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    // The run sends about 150 calls: the first stop lands in its first half, the second between it and the end.
    const from = env.org().apiCalls();
    const first = 10 + Math.floor(Math.random() * 60);
    const second = first + 20 + Math.floor(Math.random() * 40);
    const args = ['run', 'big/plan.yaml', '--results', 'out/big', '--json'];
    const stops = `stops after ${first} and ${second} calls`;
    expect(await runStoppedAt(args, from, first), stops).toBe(143);
    expect(await runStoppedAt([...args, '--resume'], from, second), stops).toBe(143);
    const real = await env.sfsync([...args, '--resume']);
    expect(real.code, `${stops}\n${real.stderr}`).toBe(0);
    // Steps done by the stopped runs count as done before: the plan's counts are those of one whole run.
    expect(steps(real), stops).toEqual(steps(dry));
    expect(real.json().result.order).toEqual([
      'accounts',
      'contacts',
      'opportunities',
      'tasks',
      'campaigns',
      'people',
      'members',
    ]);
    expect(real.json().result.counts).toMatchObject({
      created: 10_020,
      updated: 90 + 395,
      failed: 0,
      skipped: 0,
    });
    const [user] = await env.query(`SELECT Id FROM User WHERE Username = '${owner}'`);
    await checkLoaded('P', SIZES, String(user?.Id));
    // A bound for a hung run, not a timing check: the machine these run on is shared and often loaded.
  }, 180_000);

  it('undone: its before-images, written across three runs, take every record back; the org is as before', async () => {
    const undo = await env.sfsync(['undo', 'out/big', '--json']);
    expect(undo.code, undo.stdout).toBe(0);
    expect(undo.json().result.counts).toMatchObject({ deleted: 10_020, conflict: 0, failed: 0, skipped: 0 });
    expect(await snapshot(env)).toEqual(before);
  }, 180_000);
});
