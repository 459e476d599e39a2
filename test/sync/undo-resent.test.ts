import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

const ids = async (p: string): Promise<number> =>
  (await env.query(`SELECT Id FROM Contact WHERE External_Id__c LIKE '${p}%'`)).length;

function file(p: string): string {
  const rows = Array.from({ length: 5 }, (_v, i) => `${p}${i},Person ${i}`);
  return env.write(`${p}.csv`, `External_Id__c,LastName\n${rows.join('\n')}\n`);
}

/**
 * A run stopped after Salesforce created its records but before it heard so: resumed, it finds them (created,
 * or settled from the Bulk job's results), and its before-images must still say it created them, or undo leaves them.
 */
describe('undo of a run resumed after its creates went unanswered', () => {
  it('REST: the upsert sent again finds the records, counted created; undo deletes them', async () => {
    file('RS');
    // Every write call is carried out, and its answer lost (the retries' too): the run stops.
    env
      .org()
      .setFaults({ dropRate: 1, dropAfterApply: true, pathPattern: '/composite/sobjects', maxInjected: 0 });
    const args = ['upsert', 'RS.csv', '--object', 'Contact', '--match', 'External_Id__c', '--api', 'rest'];
    const stopped = await env.sfsync([...args, '--results', 'out/rs', '--json']);
    env.org().setFaults({ dropRate: 0, dropAfterApply: false, pathPattern: '' });
    expect(stopped.code, stopped.stdout).toBe(1);
    expect(await ids('RS')).toBe(5);
    const resumed = await env.sfsync([...args, '--resume', '--results', 'out/rs', '--json']);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.json().result.counts).toMatchObject({ created: 5, unchanged: 0 });
    // The lost answers' retries wrote them again (stamped after they were created): the run's own writes, up to
    // the resume that found them, so no conflict and no --force.
    const undo = await env.sfsync(['undo', 'out/rs', '--json']);
    expect(undo.json().result.counts).toMatchObject({ deleted: 5, conflict: 0, failed: 0 });
    expect(await ids('RS')).toBe(0);
  });

  it('Bulk: the job results read on resume say created; undo deletes them', async () => {
    file('BS');
    env.org().setFaults({ dropRate: 1, pathPattern: '/jobs/ingest/.+/successfulResults', maxInjected: 0 });
    const args = ['upsert', 'BS.csv', '--object', 'Contact', '--match', 'External_Id__c', '--api', 'bulk'];
    const stopped = await env.sfsync([...args, '--results', 'out/bs', '--json']);
    env.org().setFaults({ dropRate: 0, maxInjected: 0, pathPattern: '' });
    expect(stopped.code, stopped.stdout).toBe(1);
    const resumed = await env.sfsync([...args, '--resume', '--results', 'out/bs', '--json']);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.json().result.counts).toMatchObject({ created: 5 });
    const undo = await env.sfsync(['undo', 'out/bs', '--json']);
    expect(undo.json().result.counts).toMatchObject({ deleted: 5, failed: 0 });
    expect(await ids('BS')).toBe(0);
  });
});

describe('undo of a run whose upsert answer was lost and resent', () => {
  it('REST: the resend says "updated" for what the lost call created; the run says created, and undo deletes them', async () => {
    env.write('LA-seed.csv', 'External_Id__c,LastName,Title\nLA0,Person 0,Old\n');
    const seed = await env.sfsync([
      'create',
      'LA-seed.csv',
      '--object',
      'Contact',
      '--results',
      'out/la-seed',
    ]);
    expect(seed.code, seed.stderr).toBe(0);
    env.write(
      'LA.csv',
      'External_Id__c,LastName,Title\nLA0,Person 0,New\nLA1,Person 1,New\nLA2,Person 2,New\n',
    );
    // The first upsert call is carried out and its answer lost; the client resends it (idempotent on the key).
    env.org().setFaults({
      dropRate: 1,
      dropAfterApply: true,
      pathPattern: '^/composite/sobjects/Contact/External_Id__c$',
      maxInjected: 1,
    });
    let run;
    try {
      run = await env.sfsync([
        ...['upsert', 'LA.csv', '--object', 'Contact', '--match', 'External_Id__c', '--api', 'rest'],
        ...['--results', 'out/la', '--json'],
      ]);
    } finally {
      env.org().setFaults({ dropRate: 0, dropAfterApply: false, pathPattern: undefined, maxInjected: 0 });
    }
    expect(env.org().injectedFaults()).toBeGreaterThan(0);
    expect(run.code, run.stdout).toBe(0);
    expect(run.json().result.counts).toMatchObject({ created: 2, updated: 1 });
    const undo = await env.sfsync(['undo', 'out/la', '--json']);
    expect(undo.code, undo.stdout).toBe(0);
    expect(undo.json().result.counts).toMatchObject({ deleted: 2, failed: 0 });
    const left = await env.query(`SELECT External_Id__c, Title FROM Contact WHERE External_Id__c LIKE 'LA%'`);
    expect(left).toMatchObject([{ External_Id__c: 'LA0', Title: 'Old' }]);
  });
});

describe('undo of an upsert on an external ID that does not compare (--write-all)', () => {
  for (const api of ['rest', 'bulk'])
    it(`${api}: its updates have before-images, and undo sets them back`, async () => {
      const p = `WA${api}`;
      env.write(`${p}-seed.csv`, `External_Id__c,LastName,Title\n${p}0,Person 0,Old\n`);
      const seed = await env.sfsync([
        'create',
        `${p}-seed.csv`,
        '--object',
        'Contact',
        '--results',
        `out/${p}s`,
      ]);
      expect(seed.code, seed.stderr).toBe(0);
      env.write(`${p}.csv`, `External_Id__c,LastName,Title\n${p}0,Person 0,New\n${p}1,Person 1,New\n`);
      const run = await env.sfsync([
        ...['upsert', `${p}.csv`, '--object', 'Contact', '--match', 'External_Id__c', '--api', api],
        ...['--write-all', '--results', `out/${p}`, '--json'],
      ]);
      expect(run.code, run.stdout).toBe(0);
      expect(run.json().result.counts).toMatchObject({ created: 1, updated: 1 });
      const undo = await env.sfsync(['undo', `out/${p}`, '--json']);
      expect(undo.code, undo.stdout).toBe(0);
      expect(undo.json().result.counts).toMatchObject({ deleted: 1, updated: 1, failed: 0 });
      const left = await env.query(
        `SELECT External_Id__c, Title FROM Contact WHERE External_Id__c LIKE '${p}%'`,
      );
      expect(left).toMatchObject([{ External_Id__c: `${p}0`, Title: 'Old' }]);
    });
});
