import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';
import { createStep, planYaml, ref } from './small-plan.js';

const env = useSyncEnv();

const PLAN = planYaml(
  createStep('accounts', 'accounts.csv', 'Account', { Name: 'name' }),
  createStep('contacts', 'contacts.csv', 'Contact', {
    LastName: 'last',
    Email: 'email',
    AccountId: ref('accounts', 'Name', 'account'),
  }),
  createStep('leads', 'leads.csv', 'Lead', { LastName: 'last', Company: 'company', Email: 'email' }),
  createStep('tasks', 'tasks.csv', 'Task', {
    Subject: 'subject',
    WhoId: { steps: ['contacts', 'leads'], key: 'Email', column: 'who' },
  }),
);

describe('a plan key two records of one step share', () => {
  it('fails the child with LOOKUP_AMBIGUOUS (status 300) naming both lines, in the run and the dry run', async () => {
    env.write('amb/accounts.csv', 'name\nTwin Co\nSolo Co\nTwin Co\n');
    env.write(
      'amb/contacts.csv',
      'last,email,account\nOne,twin@x.example,Solo Co\nTwo,TWIN@x.example,Solo Co\nKid,kid@x.example,Twin Co\n',
    );
    env.write('amb/leads.csv', 'last,company,email\nLee,Lee Co,lee@x.example\n');
    env.write('amb/tasks.csv', 'subject,who\nA1 twin,Twin@X.example\nA2 lead,lee@x.example\n');
    env.write('amb/plan.yaml', PLAN);
    const dry = await env.sfsync(['run', 'amb/plan.yaml', '--dry-run', '--results', 'out/amb-dry', '--json']);
    const r = await env.sfsync(['run', 'amb/plan.yaml', '--results', 'out/amb', '--json']);
    expect(r.code, r.stdout).toBe(2);
    expect(dry.code, dry.stdout).toBe(2);
    const counts = (x: typeof r): unknown => x.json().result.steps.map((s: any) => [s.step, s.counts]);
    expect(counts(dry)).toEqual(counts(r));
    for (const [dir, file] of <Array<[string, string]>>[
      ['out/amb', 'failures.csv'],
      ['out/amb-dry', 'rejected.csv'],
    ]) {
      const kid = readResultCsv(path.join(env.dir(), dir, 'contacts', file));
      expect(kid.map((f) => [f.line, f.error_code, f.status])).toEqual([['4', 'LOOKUP_AMBIGUOUS', '300']]);
      expect(kid[0]?.error_message).toMatch(
        /^AccountId: Twin Co names 2 accounts records \(accounts\.csv lines 2 and 4\); not written/,
      );
      const task = readResultCsv(path.join(env.dir(), dir, 'tasks', file));
      expect(task.map((f) => [f.line, f.error_code, f.status])).toEqual([['2', 'LOOKUP_AMBIGUOUS', '300']]);
      expect(task[0]?.error_message).toMatch(/contacts\.csv line 2.*contacts\.csv line 3|line 2.*line 3/);
    }
    const real = readResultCsv(path.join(env.dir(), 'out/amb/tasks/failures.csv'));
    expect(real[0]?.matched_ids?.split(';')).toHaveLength(2);
    expect(await env.query("SELECT Id FROM Task WHERE Subject = 'A1 twin'")).toEqual([]);
    expect(await env.query("SELECT Id FROM Contact WHERE LastName = 'Kid'")).toEqual([]);
  });
});
