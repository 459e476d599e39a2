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
  it('REST: finds the UNCERTAIN creates by their key and takes them back; a row without one is reported (lines, what to do), exit 2', async () => {
    // Line 6 has no key: it cannot be told apart in the org. Line 5's key is in the org from before the run.
    env.write('UC-old.csv', 'External_Id__c,LastName\nUC3,Older\n');
    expect(
      (await env.sfsync(['create', 'UC-old.csv', '--object', 'Contact', '--results', 'out/uc-old'])).code,
    ).toBe(0);
    env.write(
      'UC.csv',
      'External_Id__c,LastName\nUC0,Person 0\nUC1,Person 1\nUC2,Person 2\nUC3,Person 3\n,Person 4\n',
    );
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
    const dry = await env.sfsync(['undo', 'out/uc', '--dry-run', '--json']);
    expect(dry.code).toBe(2);
    expect(dry.json().result.unaccounted, JSON.stringify(dry.json().result.unaccounted)).toMatchObject({
      count: 2,
      lines: [5, 6],
      found: 3,
      absent: 0,
    });
    const undo = await env.sfsync(['undo', 'out/uc']);
    expect(undo.code, undo.stdout + undo.stderr).toBe(2);
    expect(undo.stdout).toMatch(/3 were found in the org by External_Id__c, created while it ran/);
    expect(undo.stdout).toMatch(/NOT TAKEN BACK: 2 records the run sent without learning the outcome/);
    expect(undo.stdout).toMatch(/input lines 5, 6/);
    const left = await env.query(
      "SELECT External_Id__c, LastName FROM Contact WHERE LastName LIKE 'Person%' OR External_Id__c = 'UC3' ORDER BY LastName",
    );
    expect(left.map((r) => [r.External_Id__c, r.LastName])).toEqual([
      ['UC3', 'Older'],
      [null, 'Person 4'],
    ]);
    // Undone again: nothing more to find, the same two rows said.
    const again = await env.sfsync(['undo', 'out/uc', '--dry-run', '--json']);
    expect(again.json().result.unaccounted).toMatchObject({ count: 2, lines: [5, 6] });
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
