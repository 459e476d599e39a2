import { describe, expect, it } from 'vitest';
import type { InterruptHandlers } from '../../src/deps.js';
import { main } from '../../src/cli.js';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { planFiles, type PlanSizes, type PlanVariant } from './plan-data.js';

const env = useSyncEnv();

const SIZES: PlanSizes = {
  accounts: 1000,
  contacts: 4000,
  opportunities: 2000,
  campaigns: 10,
  members: 1500,
  tasks: 1500,
};

function writePlan(folder: string, prefix: string, sizes: PlanSizes, variant: PlanVariant = {}): void {
  for (const [name, text] of Object.entries(planFiles(prefix, sizes, variant)))
    env.write(`${folder}/${name}`, text);
}

/**
 * Every reference of the plan's records, read back from the org, against what the files say. Records that differ
 * are gathered and compared once (one expect per record cost a second of CPU on 10,000 records).
 */
async function checkReferences(p: string, n: PlanSizes): Promise<void> {
  const wrong: unknown[] = [];
  const check = (got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ got, want });
  };
  const accounts = await env.query(
    `SELECT External_Id__c, Parent.External_Id__c FROM Account WHERE External_Id__c LIKE '${p}A%'`,
  );
  expect(accounts.length).toBe(n.accounts);
  for (const a of accounts) {
    const i = Number(a.External_Id__c.slice(p.length + 1));
    check(a.Parent?.External_Id__c ?? null, i >= 10 ? `${p}A${i % 10}` : null);
  }
  const contacts = await env.query(
    `SELECT External_Id__c, Account.External_Id__c, ReportsTo.External_Id__c FROM Contact WHERE External_Id__c LIKE '${p}C%'`,
  );
  expect(contacts.length).toBe(n.contacts);
  for (const c of contacts) {
    const i = Number(c.External_Id__c.slice(p.length + 1));
    check(
      [c.Account?.External_Id__c, c.ReportsTo?.External_Id__c ?? null],
      [`${p}A${i % n.accounts}`, i >= 5 ? `${p}C${i % 5}` : null],
    );
  }
  const opps = await env.query(
    `SELECT Name, Account.External_Id__c FROM Opportunity WHERE Name LIKE '${p} Deal %'`,
  );
  expect(opps.length).toBe(n.opportunities);
  for (const o of opps)
    check(o.Account?.External_Id__c, `${p}A${Number(o.Name.split(' ').pop()) % n.accounts}`);
  const members = await env.query(
    `SELECT Campaign.Name, Contact.External_Id__c FROM CampaignMember WHERE Campaign.Name LIKE '${p} Campaign %'`,
  );
  expect(members.length).toBe(n.members);
  const pairs = new Set(members.map((m) => `${m.Campaign.Name}|${m.Contact.External_Id__c}`));
  expect(pairs.size).toBe(n.members);
  for (let i = 0; i < n.members; i++) check(pairs.has(`${p} Campaign ${i % n.campaigns}|${p}C${i}`), true);
  const tasks = await env.query(
    `SELECT Subject, WhoId, WhatId, What.Name FROM Task WHERE Subject LIKE '${p} Call %'`,
  );
  expect(tasks.length).toBe(n.tasks);
  const contactIds = new Map(
    (await env.query(`SELECT Id, External_Id__c FROM Contact WHERE External_Id__c LIKE '${p}C%'`)).map(
      (c) => [c.Id, c.External_Id__c],
    ),
  );
  for (const t of tasks) {
    const i = Number(t.Subject.split(' ').pop());
    check(
      [contactIds.get(t.WhoId), t.What?.Name],
      [`${p}C${i % n.contacts}`, `${p} Deal ${i % n.opportunities}`],
    );
  }
  expect(wrong.slice(0, 20), `${wrong.length} references differ`).toEqual([]);
}

describe('a seven-step plan over 10,000 records', () => {
  it('dry run predicts the real counts; the run sets every reference in the org', async () => {
    // Tasks' WhoId and WhatId polymorphic ({steps: [...]}), and Person Accounts by their record type's name.
    writePlan('big', 'P', SIZES, { poly: true, people: 10 });
    const dry = await env.sfsync(['run', 'big/plan.yaml', '--dry-run', '--results', 'out/big-dry', '--json']);
    expect(dry.code).toBe(0);
    const real = await env.sfsync(['run', 'big/plan.yaml', '--results', 'out/big', '--json']);
    expect(real.code).toBe(0);
    const counts = (r: typeof real): unknown =>
      r.json().result.steps.map((s: any) => [s.step, s.pass, s.counts]);
    expect(counts(dry)).toEqual(counts(real));
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
      updated: 1000 - 10 + 4000 - 5,
      failed: 0,
    });
    await checkReferences('P', SIZES);
    const [type] = await env.query(
      "SELECT Id FROM RecordType WHERE SobjectType = 'Account' AND DeveloperName = 'PersonAccount'",
    );
    const people = await env.query("SELECT RecordTypeId FROM Account WHERE External_Id__c LIKE 'PP%'");
    expect(people.map((a) => a.RecordTypeId)).toEqual(Array(10).fill(type?.Id));
    // A bound for a hung run, not a timing check: 10,000 records take ~10 s alone and several times that under load.
  }, 180_000);

  it('stopped mid-plan (SIGTERM) and resumed: every record exactly once, every reference right', async () => {
    const sizes: PlanSizes = {
      accounts: 300,
      contacts: 800,
      opportunities: 400,
      campaigns: 4,
      members: 300,
      tasks: 300,
    };
    writePlan('stop', 'S', sizes);
    const deps = createTestDeps({
      env: { SFSYNC_INSTANCE_URL: env.org().instanceUrl, SFSYNC_ACCESS_TOKEN: env.org().accessToken },
      cwd: env.dir(),
    });
    let current: InterruptHandlers | undefined;
    const before = env.org().apiCalls();
    // A point somewhere in the plan's writes (about 60 calls in all): the steps and passes in flight differ by run.
    const at = 8 + Math.floor(Math.random() * 40);
    const poll = setInterval(() => {
      if (current && env.org().apiCalls() - before >= at) {
        clearInterval(poll);
        current.stop('SIGTERM');
      }
    }, 1);
    const code = await main(['run', 'stop/plan.yaml', '--results', 'out/stop', '--json'], {
      ...deps,
      now: () => new Date(),
      onInterrupt: (h) => {
        current = h;
        return () => (current = undefined);
      },
    });
    clearInterval(poll);
    expect(code).toBe(143);
    const resumed = await env.sfsync([
      'run',
      'stop/plan.yaml',
      '--resume',
      '--results',
      'out/stop',
      '--json',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    await checkReferences('S', sizes);
    // Likewise a bound for a hung run, not a timing check.
  }, 180_000);
});
