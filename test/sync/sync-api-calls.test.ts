import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

function contacts(from: number, to: number, title: string): string {
  const rows = ['LastName,Email,Title'];
  for (let i = from; i < to; i++) rows.push(`Person ${i},person${i}@calls.test,${title}`);
  return `${rows.join('\n')}\n`;
}

describe('API calls', () => {
  it('a 10,000-record upsert on Email uses at most 60 calls, and the org counts the same', async () => {
    env.write('seed.csv', contacts(0, 5000, 'old'));
    expect((await env.sfsync(['create', 'seed.csv', '--object', 'Contact'])).code).toBe(0);

    env.write('contacts.csv', contacts(0, 10_000, 'new'));
    const before = env.org().apiCalls();
    const r = await env.sfsync(['upsert', 'contacts.csv', '--match', 'Email', '--json']);
    expect(r.code).toBe(0);
    const result = r.json().result;
    const orgCalls = env.org().apiCalls() - before;
    expect(result.counts).toEqual({
      total: 10_000,
      created: 5000,
      updated: 5000,
      unchanged: 0,
      deleted: 0,
      failed: 0,
      skipped: 0,
    });
    expect(result.apiCalls).toBe(orgCalls);
    // 50 writes of 200, the existing 5,000 exported once (a count and a Bulk query job), describe and limits.
    expect(result.matchExport).toMatchObject({ records: 5000 });
    expect(orgCalls).toBeLessThanOrEqual(60);
    expect(env.org().store.count('Contact')).toBe(10_000);
    expect(await env.query("SELECT Id FROM Contact WHERE Title = 'new'")).toHaveLength(10_000);
    console.log(`10,000-record upsert on Email: ${orgCalls} API calls`);
  });
});
