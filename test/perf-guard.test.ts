import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { runBin } from './helpers/run-bin.js';

// The regression guard of issue 19: counts and memory of a 100,000-record Bulk insert, never its time. The bounds
// are the goals with room for noise: API calls (the org's own count) and sfsync's peak resident memory.
const RECORDS = 100_000;
// Three jobs (open, upload, close, a poll or two, results) and the describe and limits calls: 17 to 19 calls measured,
// the bound leaves room for a few more polls on a loaded machine.
const MAX_CALLS_PER_1000 = 0.25;
// The goal is under 200 MB; runs measured 185-191 MB before the Bulk hand-off (records waiting for their job kept
// as lines and spool offsets) and 140 MB after it, so the bound leaves room for noise, not for growth.
const MAX_PEAK_RSS_MB = 175;
const PROBE = fileURLToPath(new URL('../bench/rss-probe.js', import.meta.url));

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-perf-guard-'));
});
afterAll(async () => {
  await org.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('performance guard (counts and memory, not time)', () => {
  it(`a ${RECORDS.toLocaleString('en')}-record Bulk insert stays within its API calls and peak memory`, async () => {
    const file = path.join(dir, 'contacts.csv');
    const lines = ['FirstName,LastName,Email,Phone,Title'];
    for (let i = 0; i < RECORDS; i++)
      lines.push(
        `First${i},Last ${i},guard${i}@perf.test,+1 555 ${String(i).padStart(7, '0')},"Engineer, level ${i % 5}"`,
      );
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const rssFile = path.join(dir, 'rss');
    const before = org.apiCalls();
    const r = await runBin(
      ['create', file, '--object', 'Contact', '--api', 'bulk', '--json', '--results', path.join(dir, 'out')],
      {
        cwd: dir,
        env: {
          SFSYNC_INSTANCE_URL: org.instanceUrl,
          SFSYNC_ACCESS_TOKEN: org.accessToken,
          SFSYNC_BENCH_RSS_FILE: rssFile,
          NODE_OPTIONS: `--import ${PROBE}`,
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result.counts).toMatchObject({ total: RECORDS, created: RECORDS, failed: 0 });
    const calls = org.apiCalls() - before;
    expect((calls / RECORDS) * 1000).toBeLessThanOrEqual(MAX_CALLS_PER_1000);
    expect(Number(fs.readFileSync(rssFile, 'utf8')) / 1e6).toBeLessThan(MAX_PEAK_RSS_MB);
    // A bound for a hung run, not a timing: it takes seconds alone, and over 60 s under a busy loop per core while
    // the other worker runs (npm run test:stress); the child is killed if it is reached (test/helpers/children.ts).
  }, 180_000);
});
