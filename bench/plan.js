// The plan benchmark: a six-step plan (accounts with parents, contacts with managers, opportunities, campaigns,
// campaign members, tasks to a contact and an opportunity) loaded into an empty local org, over REST and over Bulk,
// then undone. The table gives wall seconds, API calls per 1,000 records and sfsync's peak RSS at each size
// (BENCH_SIZES, default 10,000 and 100,000 records): peak RSS should not grow with the plan, its references being
// compact key → Id maps.
import fs from 'node:fs';
import path from 'node:path';
import { orgCalls, row, sfsync, startOrg } from './sync.js';

const work = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../.bench');

/** The plan's step sizes for about n records in all. */
function sizesFor(n) {
  const k = n / 10_000;
  return {
    accounts: 1000 * k,
    contacts: 4000 * k,
    opportunities: 2000 * k,
    campaigns: 10 * k,
    members: 1500 * k,
    tasks: 1500 * k - 10 * k,
  };
}

const PLAN = `steps:
  - name: accounts
    file: accounts.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        Name: name
        External_Id__c: id
        ParentId: {step: accounts, key: External_Id__c, column: parent}
  - name: contacts
    file: contacts.csv
    object: Contact
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        LastName: last
        Email: email
        External_Id__c: id
        AccountId: {step: accounts, key: External_Id__c, column: account}
        ReportsToId: {step: contacts, key: External_Id__c, column: manager}
  - name: opportunities
    file: opportunities.csv
    object: Opportunity
    operation: create
    mapping:
      fields:
        Name: name
        StageName: stage
        CloseDate: close
        AccountId: {step: accounts, key: External_Id__c, column: account}
  - name: campaigns
    file: campaigns.csv
    object: Campaign
    operation: upsert
    mapping:
      match: {fields: [Name], allowSharedKeys: true}
      fields: {Name: name}
  - name: members
    file: members.csv
    object: CampaignMember
    operation: create
    mapping:
      fields:
        CampaignId: {step: campaigns, key: Name, column: campaign}
        ContactId: {step: contacts, key: External_Id__c, column: contact}
  - name: tasks
    file: tasks.csv
    object: Task
    operation: create
    mapping:
      fields:
        Subject: subject
        WhoId: {step: contacts, key: External_Id__c, column: who}
        WhatId: {step: opportunities, key: Name, column: what}
`;

async function writeRows(file, header, count, row) {
  const out = fs.createWriteStream(file);
  out.write(`${header}\n`);
  for (let i = 0; i < count; i++)
    if (!out.write(`${row(i)}\n`)) await new Promise((r) => out.once('drain', r));
  out.end();
  await new Promise((r) => out.on('finish', r));
}

/** The plan and its files for about n records, in .bench/plan-<n>/ (kept between runs). */
async function planFolder(n) {
  const dir = path.join(work, `plan-${n}`);
  const plan = path.join(dir, 'plan.yaml');
  if (fs.existsSync(plan)) return plan;
  fs.mkdirSync(dir, { recursive: true });
  const s = sizesFor(n);
  const acc = (i) => `A${i}`;
  const con = (i) => `C${i}`;
  const opp = (i) => `Deal ${i}`;
  await writeRows(path.join(dir, 'accounts.csv'), 'id,name,parent', s.accounts, (i) =>
    [acc(i), `Account ${i}`, i >= 10 ? acc(i % 10) : ''].join(','),
  );
  await writeRows(path.join(dir, 'contacts.csv'), 'id,last,email,account,manager', s.contacts, (i) =>
    [con(i), `Person ${i}`, `p${i}@plan.bench`, acc(i % s.accounts), i >= 5 ? con(i % 5) : ''].join(','),
  );
  await writeRows(path.join(dir, 'opportunities.csv'), 'name,stage,close,account', s.opportunities, (i) =>
    [opp(i), 'Prospecting', '2026-06-30', acc(i % s.accounts)].join(','),
  );
  await writeRows(path.join(dir, 'campaigns.csv'), 'name', s.campaigns, (i) => `Campaign ${i}`);
  await writeRows(path.join(dir, 'members.csv'), 'campaign,contact', s.members, (i) =>
    [`Campaign ${i % s.campaigns}`, con(i)].join(','),
  );
  await writeRows(path.join(dir, 'tasks.csv'), 'subject,who,what', s.tasks, (i) =>
    [`Call ${i}`, con(i % s.contacts), opp(i % s.opportunities)].join(','),
  );
  fs.writeFileSync(plan, PLAN);
  return plan;
}

export async function benchPlan(sizes) {
  const rows = [];
  for (const n of sizes ?? [10_000, 100_000]) {
    const plan = await planFolder(n);
    for (const api of ['rest', 'bulk']) {
      const org = await startOrg();
      try {
        const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
        const results = `plan-${n}-${api}-${Date.now()}`;
        const measure = async (name, args, check) => {
          const before = await orgCalls(org.info);
          const r = await sfsync(args, env);
          const calls = (await orgCalls(org.info)) - before;
          check(r.result);
          rows.push(row(name, n, r.seconds, calls, r.rss));
        };
        await measure(
          `plan run, ${api === 'rest' ? 'REST' : 'Bulk'}`,
          ['run', plan, '--api', api, '--results', results],
          (result) => {
            const c = result.counts;
            if (c.created !== n || c.failed !== 0 || c.skipped !== 0)
              throw new Error(`plan run (${api}): ${JSON.stringify(c)}, expected ${n} created`);
          },
        );
        // The undo has no Bulk path of its own (REST calls of 200 records), so it is measured once.
        if (api === 'rest')
          await measure('undo of that plan', ['undo', results, '--results', `${results}-undo`], (result) => {
            const c = result.counts;
            if (c.deleted !== n || c.failed + c.conflict + c.skipped !== 0)
              throw new Error(`plan undo: ${JSON.stringify(c)}, expected ${n} deleted`);
          });
      } finally {
        await org.stop();
      }
    }
  }
  console.log('\nsfsync run PLAN (six steps, two second passes) against the local org (separate processes)');
  console.table(rows);
  return rows;
}
