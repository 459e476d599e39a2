import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { waitFor } from '../helpers/wait-for.js';

const env = useSyncEnv();

describe('two runs of one file at once', () => {
  it('the second is refused while the first is still counting and matching (before it has a results folder): no record twice', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `Two ${i},two${i}@runs.test`);
    env.write('two.csv', `LastName,Email\n${rows.join('\n')}\n`);
    const org = env.org();
    const args = ['upsert', 'two.csv', '--object', 'Contact', '--match', 'Email', '--batch-size', '100'];
    // The first run is slow to answer: the second starts while it is still matching.
    org.setFaults({ latencyMs: 20 });
    const before = org.apiCalls();
    let first;
    let second;
    try {
      first = env.sfsync(args);
      await waitFor(() => org.apiCalls() > before, 'the first run to reach the org');
      second = await env.sfsync(args);
    } finally {
      org.setFaults({ latencyMs: 0 });
    }
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/An earlier upsert of two\.csv is still running \(process \d+ on /);
    expect((await first).code).toBe(0);
    const emails = (await env.query("SELECT Email FROM Contact WHERE Email LIKE '%@runs.test'")).map(
      (r) => r.Email as string,
    );
    expect(emails).toHaveLength(200);
    // Once it has ended, the file may be run again.
    expect((await env.sfsync(args)).code).toBe(0);
  });
});
