import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { accountsStep, planYaml } from './small-plan.js';

const env = useSyncEnv();

/** Plan runs undone newest first: the later run's undo set back what it changed, so no CONFLICT and no --force. */
describe('undo of a plan run after the undo of a later plan run', () => {
  it('deletes what the earlier run created, though the later run changed it and was undone', async () => {
    env.write('pl/plan.yaml', planYaml(accountsStep()));
    env.write('pl/accounts.csv', 'id,name\nPUL-1,Two\n');
    expect((await env.sfsync(['run', 'pl/plan.yaml', '--results', 'out/run2'])).code).toBe(0);
    env.write('pl/accounts.csv', 'id,name\nPUL-1,Three\n');
    expect((await env.sfsync(['run', 'pl/plan.yaml', '--results', 'out/run3'])).code).toBe(0);
    const undo3 = await env.sfsync(['undo', 'out/run3', '--results', 'out/undo3']);
    expect(undo3.code, undo3.stdout + undo3.stderr).toBe(0);
    const undo2 = await env.sfsync(['undo', 'out/run2', '--json']);
    expect(undo2.code, undo2.stdout).toBe(0);
    expect(undo2.json().result.counts).toMatchObject({ deleted: 1, conflict: 0 });
    expect(await env.query(`SELECT Id FROM Account WHERE External_Id__c = 'PUL-1'`)).toEqual([]);
  });
});
