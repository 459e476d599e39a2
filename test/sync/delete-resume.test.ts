import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

describe('delete --resume and repeated Ids', () => {
  it('an Id whose first line was deleted before the interruption is a repeat on resume (ID_REPEATED), not sent again', async () => {
    const org = env.org();
    const ids = ['A', 'B', 'C'].map((n) => {
      const made = org.store.create('Contact', { LastName: `Del ${n}` });
      if (!made.ok) throw new Error('not created');
      return made.id;
    });
    // Line 2 deletes A; line 5 names A again.
    env.write('gone.csv', `Id\n${ids[0]}\n${ids[1]}\n${ids[2]}\n${ids[0]}\n`);
    // One record a call, one call at a time, and a budget that stops the run after its first delete.
    const args = ['delete', 'gone.csv', '--object', 'Contact', '--batch-size', '1', '--concurrency', '1'];
    const probe = await env.sfsync([...args, '--dry-run', '--json']);
    // The real run's reads: the dry run's, and the /limits preflight.
    const readCalls = (probe.json().result.apiCalls as number) + 1;
    const stopped = await env.sfsync([
      ...args,
      '--max-api-calls',
      String(readCalls + 1),
      '--results',
      'out/gone',
    ]);
    expect(stopped.code).toBe(1);
    const first = readResultCsv(path.join(env.dir(), 'out/gone/success.csv'));
    expect(first.map((r) => [r.line, r.outcome])).toEqual([['2', 'deleted']]);

    const resumed = await env.sfsync([...args, '--resume', '--results', 'out/gone', '--json']);
    expect(resumed.json().result.counts).toMatchObject({ total: 4, deleted: 3, failed: 1 });
    const failures = readResultCsv(path.join(env.dir(), 'out/gone/failures.csv'));
    expect(failures.map((r) => [r.line, r.error_code])).toEqual([['5', 'ID_REPEATED']]);
    expect(failures[0]?.error_message).toContain('line 2');
  });
});
