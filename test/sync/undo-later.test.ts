import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

/**
 * Runs undone newest first: the later run changed a record the earlier one created, and its undo set it back. The
 * record's SystemModstamp is then sfsync's own undo's, not someone else's change: no CONFLICT, no --force.
 */
describe('undo of a run after the undo of a later run that changed its records', () => {
  it('deletes what the earlier run created; a change after the later undo is still a conflict', async () => {
    env.write('lt2.csv', 'External_Id__c,LastName,Title\nLT0,Person 0,Two\nLT1,Person 1,Two\n');
    env.write('lt3.csv', 'External_Id__c,LastName,Title\nLT0,Person 0,Three\nLT1,Person 1,Three\n');
    env.write('lt1.csv', 'External_Id__c,LastName,Title\nLT1,Person 1,One\n');
    const upsert = ['--object', 'Contact', '--match', 'External_Id__c', '--api', 'rest'];
    expect((await env.sfsync(['upsert', 'lt1.csv', ...upsert, '--results', 'out/run1'])).code).toBe(0);
    expect((await env.sfsync(['upsert', 'lt2.csv', ...upsert, '--results', 'out/run2'])).code).toBe(0);
    expect((await env.sfsync(['upsert', 'lt3.csv', ...upsert, '--results', 'out/run3'])).code).toBe(0);
    const undo3 = await env.sfsync(['undo', 'out/run3', '--results', 'out/undo3', '--json']);
    expect(undo3.code, undo3.stdout).toBe(0);
    expect(undo3.json().result.counts).toMatchObject({ updated: 2 });
    // Someone edits LT1 (run2 updated it) after that undo: a change of someone's, which undo of run2 leaves alone.
    const [lt1] = await env.query(`SELECT Id FROM Contact WHERE External_Id__c = 'LT1'`);
    const res = await fetch(
      `${env.org().instanceUrl}/services/data/v62.0/sobjects/Contact/${String(lt1?.Id)}`,
      {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${env.org().accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ Title: 'Edited' }),
      },
    );
    expect(res.status).toBe(204);
    const undo2 = await env.sfsync(['undo', 'out/run2', '--json']);
    expect(undo2.json().result.counts, undo2.stdout).toMatchObject({ deleted: 1, conflict: 1 });
    const left = await env.query(`SELECT External_Id__c, Title FROM Contact WHERE External_Id__c LIKE 'LT%'`);
    expect(left).toMatchObject([{ External_Id__c: 'LT1', Title: 'Edited' }]);
  });

  it('a later run not undone: the conflict names the run that changed the record', async () => {
    const upsert = ['--object', 'Contact', '--match', 'External_Id__c', '--api', 'rest'];
    env.write('lw2.csv', 'External_Id__c,LastName,Title\nLW0,Person 0,Two\n');
    env.write('lw3.csv', 'External_Id__c,LastName,Title\nLW0,Person 0,Three\n');
    expect((await env.sfsync(['upsert', 'lw2.csv', ...upsert, '--results', 'out/lw2'])).code).toBe(0);
    expect((await env.sfsync(['upsert', 'lw3.csv', ...upsert, '--results', 'out/lw3'])).code).toBe(0);
    const undo = await env.sfsync(['undo', 'out/lw2', '--json']);
    expect(undo.code, undo.stdout).toBe(2);
    expect(undo.json().result.conflicts).toMatchObject([{ writtenBy: ['out/lw3'] }]);
    const text = await env.sfsync(['undo', 'out/lw2', '--dry-run']);
    expect(text.stdout).toContain('written since by sfsync: out/lw3');
  });
});
