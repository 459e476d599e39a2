import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { accountsStep, contactsStep, planYaml } from './small-plan.js';

const env = useSyncEnv();

const PLAN = planYaml(accountsStep(), contactsStep());

describe('sfsync results of a plan whose --resume was killed', () => {
  it('shows the steps as their folders are now, not the earlier stop, says so, and how to continue', async () => {
    env.write('rn/accounts.csv', 'id,name\nRNA1,Acme\n');
    env.write('rn/contacts.csv', 'id,name,account\nRN1,One,RNA1\nRN2,Two,RNA1\n');
    env.write('rn/plan.yaml', PLAN);
    // The contacts' calls all fail: the plan stops in its second step, with nothing of it written.
    env.org().setFaults({ dropRate: 1, pathPattern: '^/composite/sobjects/Contact', maxInjected: 0 });
    let stopped;
    try {
      stopped = await env.sfsync(['run', 'rn/plan.yaml', '--api', 'rest', '--results', 'out/rn']);
    } finally {
      env.org().setFaults({ dropRate: 0, pathPattern: '' });
    }
    expect(stopped.code, stopped.stderr).toBe(1);
    const folder = path.join(env.dir(), 'out/rn');
    const stale = fs.readFileSync(path.join(folder, 'plan-summary.json'));
    const resumed = await env.sfsync(['run', 'rn/plan.yaml', '--resume', '--results', 'out/rn']);
    expect(resumed.code, resumed.stderr).toBe(0);
    // As a SIGKILL after the last outcome leaves it: the step's rows on disk, no summary, the plan's from the stop.
    fs.rmSync(path.join(folder, 'contacts/summary.json'));
    fs.writeFileSync(path.join(folder, 'plan-summary.json'), stale);
    const shown = await env.sfsync(['results', 'out/rn', '--json']);
    expect(shown.code).toBe(1);
    const { result } = shown.json();
    expect(result.steps.map((s: { step: string; ended: string }) => [s.step, s.ended])).toEqual([
      ['accounts', 'completed'],
      ['contacts', 'killed'],
    ]);
    expect(result.counts).toMatchObject({ total: 3, created: 3, skipped: 0 });
    expect(result.note).toMatch(/killed/);
    expect(result.resume).toBe('sfsync run rn/plan.yaml --resume --results out/rn');
    const text = await env.sfsync(['results', 'out/rn']);
    expect(text.stdout).toMatch(/contacts \(killed\)/);
    expect(text.stdout).toMatch(/total: 3 created/);
  });

  it('a single run killed in its --resume: says it did not finish, what its files hold so far, and how to continue', async () => {
    env.write('rs.csv', 'External_Id__c,LastName\nRS1,One\nRS2,Two\n');
    const run = await env.sfsync([
      'upsert',
      'rs.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--results',
      'out/rs',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // What a resume killed after its last outcome leaves: it had removed the summary of the stop it continued.
    fs.rmSync(path.join(env.dir(), 'out/rs/summary.json'));
    const shown = await env.sfsync(['results', 'out/rs']);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(/did not finish: .*killed.*2 records with an outcome so far: 2 created/);
    expect(shown.stderr).toMatch(/--resume --results out\/rs/);
  });
});
