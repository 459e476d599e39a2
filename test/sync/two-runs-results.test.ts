import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { waitFor } from '../helpers/wait-for.js';

const env = useSyncEnv();

describe('two runs of one file with different --results folders', () => {
  it("the second real run is refused, naming the first one's folder and what to do; a dry run goes alongside", async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `Res ${i},res${i}@folders.test`);
    env.write('res.csv', `LastName,Email\n${rows.join('\n')}\n`);
    const org = env.org();
    const args = ['upsert', 'res.csv', '--object', 'Contact', '--match', 'Email', '--batch-size', '100'];
    org.setFaults({ latencyMs: 20 });
    const before = org.apiCalls();
    let first;
    let second;
    let dry;
    try {
      first = env.sfsync([...args, '--results', 'out/one']);
      await waitFor(() => org.apiCalls() > before, 'the first run to reach the org');
      second = await env.sfsync([...args, '--results', 'out/two']);
      dry = await env.sfsync([...args, '--results', 'out/dry', '--dry-run']);
    } finally {
      org.setFaults({ latencyMs: 0 });
    }
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is still running \(process \d+ on .*, results: out\/one\)/);
    expect(second.stderr).toMatch(/whatever --results each names/);
    expect(second.stderr).toMatch(/Wait for it to end, then run this again/);
    expect(second.stderr).toMatch(/--dry-run/);
    expect(dry.code, dry.stderr).toBe(0);
    expect((await first).code).toBe(0);
    expect(await env.query("SELECT Id FROM Contact WHERE Email LIKE '%@folders.test'")).toHaveLength(200);
  });
});
