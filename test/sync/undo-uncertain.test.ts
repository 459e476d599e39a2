import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

/**
 * A create stopped after Salesforce made its records but before it heard their Ids: the resume reports them
 * UNCERTAIN (a create is not sent twice), so no before-image has their Ids. Undo must not say the run is taken back.
 */
describe('undo of a create whose records went UNCERTAIN', () => {
  it('REST: reports the UNCERTAIN rows (count, lines, what to do) and exits 2', async () => {
    const rows = Array.from({ length: 4 }, (_v, i) => `UC${i},Person ${i}`);
    env.write('UC.csv', `External_Id__c,LastName\n${rows.join('\n')}\n`);
    const args = ['create', 'UC.csv', '--object', 'Contact', '--api', 'rest'];
    env
      .org()
      .setFaults({ dropRate: 1, dropAfterApply: true, pathPattern: '/composite/sobjects', maxInjected: 0 });
    let stopped;
    try {
      stopped = await env.sfsync([...args, '--results', 'out/uc', '--json']);
    } finally {
      env.org().setFaults({ dropRate: 0, dropAfterApply: false, pathPattern: '', maxInjected: 0 });
    }
    expect(stopped.code, stopped.stdout).toBe(1);
    const resumed = await env.sfsync([...args, '--resume', '--results', 'out/uc', '--json']);
    expect(resumed.code, resumed.stdout).toBe(2);
    const undo = await env.sfsync(['undo', 'out/uc']);
    expect(undo.code, undo.stdout + undo.stderr).toBe(2);
    expect(undo.stdout).toMatch(/NOT TAKEN BACK: 4 records the run sent without learning the outcome/);
    expect(undo.stdout).toMatch(/input lines 2, 3, 4, 5/);
    const json = await env.sfsync(['undo', 'out/uc', '--dry-run', '--json']);
    expect(json.code).toBe(2);
    expect(json.json().result.unaccounted).toMatchObject({ count: 4, lines: [2, 3, 4, 5] });
  });

  it('a killed run never continued: undo takes back what it knows, says to resume first, and exits 2', async () => {
    env.write('UK.csv', 'External_Id__c,LastName\nUK0,Person 0\nUK1,Person 1\n');
    const run = await env.sfsync(['create', 'UK.csv', '--object', 'Contact', '--results', 'out/uk']);
    expect(run.code, run.stderr).toBe(0);
    // What a SIGKILL leaves: the journal, and no summary.json.
    fs.rmSync(path.join(env.dir(), 'out/uk/summary.json'));
    const undo = await env.sfsync(['undo', 'out/uk', '--json']);
    expect(undo.code, undo.stdout).toBe(2);
    expect(undo.json().result.counts).toMatchObject({ deleted: 2 });
    expect(undo.json().result.unaccounted).toMatchObject({ count: 0, killed: true });
    const text = await env.sfsync(['undo', 'out/uk', '--dry-run']);
    expect(text.stdout).toMatch(/stopped without finishing \(killed.*--resume/);
  });
});
