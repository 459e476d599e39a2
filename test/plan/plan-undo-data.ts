import { expect } from 'vitest';
import type { SyncEnv } from '../helpers/sync-env.js';
import { managerOf, parentOf, planFiles } from './plan-data.js';

/**
 * A seven-step plan for the undo and kill tests: accounts (self-referencing parents), contacts (with managers),
 * opportunities, campaigns, campaign members, tasks (to a contact and an opportunity, owned by a user found by a
 * lookup in the org), and Person Accounts (their record type by DeveloperName). Every step but the members is an upsert, so a resumed step finds what it wrote.
 */
export interface UndoPlanSizes {
  accounts: number;
  contacts: number;
  opportunities: number;
  campaigns: number;
  members: number;
  tasks: number;
  /** Person Accounts, by their record type's DeveloperName. */
  people: number;
}

export function undoPlanFiles(p: string, n: UndoPlanSizes, owner: string): Record<string, string> {
  return planFiles(p, n, { domain: 'undo.test', owner, people: n.people });
}

const FIELDS: Record<string, string> = {
  Account: 'Id, Name, External_Id__c, ParentId, RecordTypeId',
  Contact: 'Id, LastName, Email, External_Id__c, AccountId, ReportsToId',
  Opportunity: 'Id, Name, StageName, AccountId',
  Campaign: 'Id, Name',
  CampaignMember: 'Id, CampaignId, ContactId',
  Task: 'Id, Subject, WhoId, WhatId, OwnerId',
};

/** Every record of the plan's objects in the org, with the fields the plan writes, in Id order. */
export async function snapshot(env: SyncEnv): Promise<Record<string, Array<Record<string, unknown>>>> {
  const out: Record<string, Array<Record<string, unknown>>> = {};
  for (const [object, fields] of Object.entries(FIELDS)) {
    const rows = await env.query(`SELECT ${fields} FROM ${object}`);
    out[object] = rows
      .map(({ attributes: _a, ...rest }) => rest)
      .sort((a, b) => String(a.Id).localeCompare(String(b.Id)));
  }
  return out;
}

/** Every record of the plan (prefix p) is in the org exactly once, with every reference right. */
export async function expectLoadedOnce(env: SyncEnv, p: string, n: UndoPlanSizes): Promise<void> {
  const people = await env.query(
    `SELECT External_Id__c, RecordType.DeveloperName FROM Account WHERE External_Id__c LIKE '${p}P%'`,
  );
  expect(people.length).toBe(n.people);
  for (const a of people) expect(a.RecordType?.DeveloperName).toBe('PersonAccount');
  const accounts = await env.query(
    `SELECT External_Id__c, Parent.External_Id__c FROM Account WHERE External_Id__c LIKE '${p}A%'`,
  );
  expect(accounts.length).toBe(n.accounts);
  expect(new Set(accounts.map((a) => a.External_Id__c)).size).toBe(n.accounts);
  for (const a of accounts) {
    const i = Number(a.External_Id__c.slice(p.length + 1));
    const parent = parentOf(i);
    expect(a.Parent?.External_Id__c ?? null).toBe(parent === null ? null : `${p}A${parent}`);
  }
  const contacts = await env.query(
    `SELECT Id, External_Id__c, Account.External_Id__c, ReportsTo.External_Id__c FROM Contact WHERE External_Id__c LIKE '${p}C%'`,
  );
  expect(contacts.length).toBe(n.contacts);
  expect(new Set(contacts.map((c) => c.External_Id__c)).size).toBe(n.contacts);
  for (const c of contacts) {
    const i = Number(c.External_Id__c.slice(p.length + 1));
    expect([c.Account?.External_Id__c, c.ReportsTo?.External_Id__c ?? null]).toEqual([
      `${p}A${i % n.accounts}`,
      managerOf(i) === null ? null : `${p}C${managerOf(i)}`,
    ]);
  }
  const opps = await env.query(
    `SELECT Name, Account.External_Id__c FROM Opportunity WHERE Name LIKE '${p} Deal %'`,
  );
  expect(opps.length).toBe(n.opportunities);
  for (const o of opps)
    expect(o.Account?.External_Id__c).toBe(`${p}A${Number(o.Name.split(' ').pop()) % n.accounts}`);
  const members = await env.query(
    `SELECT Campaign.Name, Contact.External_Id__c FROM CampaignMember WHERE Campaign.Name LIKE '${p} Campaign %'`,
  );
  expect(members.length).toBe(n.members);
  expect(new Set(members.map((m) => `${m.Campaign.Name}|${m.Contact.External_Id__c}`)).size).toBe(n.members);
  const tasks = await env.query(
    `SELECT Subject, WhoId, What.Name FROM Task WHERE Subject LIKE '${p} Call %'`,
  );
  expect(tasks.length).toBe(n.tasks);
  const ids = new Map(contacts.map((c) => [c.Id, c.External_Id__c]));
  for (const t of tasks) {
    const i = Number(t.Subject.split(' ').pop());
    expect([ids.get(t.WhoId), t.What?.Name]).toEqual([
      `${p}C${i % n.contacts}`,
      `${p} Deal ${i % n.opportunities}`,
    ]);
  }
}
