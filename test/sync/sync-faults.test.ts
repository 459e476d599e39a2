import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { storeLocalOrg } from '../helpers/stored-org.js';
import { createTestDeps } from '../helpers/test-deps.js';

let org: Emulator;
let dir: string;

beforeAll(async () => {
  org = await startEmulator({ port: 0, faults: { seed: 42 } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-faults-'));
});
afterAll(async () => org.close());

function deps() {
  return createTestDeps({
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    cwd: dir,
  });
}

describe('transient failures', () => {
  it('retries 503 and UNABLE_TO_LOCK_ROW answers: every record is written exactly once', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < 3000; i++) rows.push(`F${i},f${i}@faults.test`);
    fs.writeFileSync(path.join(dir, 'contacts.csv'), `${rows.join('\n')}\n`);
    // Half of them exist already (seeded straight into the org, with another LastName so that their updates change
    // them and are sent), so the run both creates and updates.
    for (let i = 0; i < 1500; i++)
      org.store.create('Contact', { LastName: `Old${i}`, Email: `f${i}@faults.test` });

    org.setFaults({ transientRate: 0.1, transientKinds: ['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW'] });
    const d = deps();
    const code = await main(['upsert', 'contacts.csv', '--match', 'Email', '--json'], d);
    org.setFaults({ transientRate: 0 });
    expect(org.injectedFaults()).toBeGreaterThan(0);
    const doc = JSON.parse(d.io.stdoutText);
    expect(code).toBe(0);
    expect(doc.result.counts).toMatchObject({ total: 3000, created: 1500, updated: 1500, failed: 0 });
    expect(org.store.count('Contact')).toBe(3000);
  });

  it('stops with exit 1 when the session is refused, and says what to run', async () => {
    fs.writeFileSync(path.join(dir, 'one.csv'), 'LastName\nSolo\n');
    const d = createTestDeps({
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: '00D000000000000!bad' },
      cwd: dir,
    });
    expect(await main(['create', 'one.csv', '--object', 'Contact'], d)).toBe(1);
    expect(d.io.stderrText).toContain('refused the session');
    expect(d.io.stderrText).toContain('sfsync login');
    expect(d.io.stderrText).not.toContain('00D000000000000!bad');
  });
});

describe('faults together: transient errors and expiring sessions', () => {
  const N = 3_200;
  // 3,200 records: just over the 3,000 from which the existing records are matched through an export, which then
  // runs under the faults too (5,000 cost the suite a second more and proved nothing more).
  it(`a ${N.toLocaleString('en-US')}-record upsert with 5% transient failures and recurring session expiry writes each record exactly once`, async () => {
    const d = createTestDeps({ cwd: dir });
    await storeLocalOrg(d.tokenStore, org, 'faulty');
    const rows = ['LastName,Email'];
    for (let i = 0; i < N; i++) rows.push(`T${i},t${i}@together.test`);
    fs.writeFileSync(path.join(dir, 'together.csv'), `${rows.join('\n')}\n`);
    // Half exist (seeded into the org as they are), so both creates and updates happen under faults.
    for (let i = 0; i < N / 2; i++)
      org.store.create('Contact', { LastName: `Old${i}`, Email: `t${i}@together.test` });
    const faultsBefore = org.injectedFaults();
    // About 70 calls make the run (the match export, then 64 writes of 50 records); a session expiry every 20
    // calls makes several refreshes happen.
    org.setFaults({
      transientRate: 0.05,
      transientKinds: ['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW'],
      expireSessionEvery: 20,
      seed: 99,
    });
    const run = createTestDeps({ cwd: dir });
    Object.assign(run, { tokenStore: d.tokenStore, store: d.store, connect: d.connect });
    const exit = await main(
      [
        'upsert',
        'together.csv',
        '--object',
        'Contact',
        '--match',
        'Email',
        '--batch-size',
        '50',
        '--org',
        'faulty',
        '--json',
      ],
      run,
    );
    org.setFaults({ transientRate: 0, expireSessionEvery: 0 });
    expect(org.injectedFaults() - faultsBefore).toBeGreaterThan(5);
    const result = JSON.parse(run.io.stdoutText).result;
    expect(result.matchExport?.records).toBeGreaterThanOrEqual(N / 2);
    expect(result.counts).toMatchObject({ total: N, created: N / 2, updated: N / 2, failed: 0 });
    expect(exit).toBe(0);
    const emails = new Set<string>();
    for (const row of org.store.object('Contact')?.live.values() ?? []) {
      const email = row.Email as string;
      if (!email?.endsWith('@together.test')) continue;
      expect(emails.has(email), `duplicate ${email}`).toBe(false);
      emails.add(email);
    }
    expect(emails.size).toBe(N);
  });
});

describe('API budgets', () => {
  it('--max-api-calls stops cleanly with a resumable journal', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < 1000; i++) rows.push(`B${i},b${i}@budget.test`);
    fs.writeFileSync(path.join(dir, 'budget.csv'), `${rows.join('\n')}\n`);
    const d = deps();
    const code = await main(
      [
        'upsert',
        'budget.csv',
        '--object',
        'Contact',
        '--match',
        'Email',
        '--max-api-calls',
        '6',
        '--concurrency',
        '1',
        '--results',
        'out/budget',
      ],
      d,
    );
    expect(code).toBe(1);
    expect(d.io.stderrText).toContain('budget of 6 API calls');
    expect(d.io.stderrText).toContain('--resume --results');
    const resumed = deps();
    expect(
      await main(
        [
          'upsert',
          'budget.csv',
          '--object',
          'Contact',
          '--match',
          'Email',
          '--resume',
          '--results',
          'out/budget',
          '--json',
        ],
        resumed,
      ),
    ).toBe(0);
    expect(JSON.parse(resumed.io.stdoutText).result.counts).toMatchObject({ total: 1000, created: 1000 });
  });

  it('refuses a large run that the daily limit cannot cover, before any write', async () => {
    const small = await startEmulator({ port: 0, dailyApiRequests: 50 });
    try {
      const rows = ['LastName,Email'];
      for (let i = 0; i < 20_000; i++) rows.push(`L${i},l${i}@limit.test`);
      fs.writeFileSync(path.join(dir, 'limit.csv'), `${rows.join('\n')}\n`);
      const d = createTestDeps({
        cwd: dir,
        env: { SFSYNC_INSTANCE_URL: small.instanceUrl, SFSYNC_ACCESS_TOKEN: small.accessToken },
      });
      expect(
        await main(['upsert', 'limit.csv', '--object', 'Contact', '--match', 'Email', '--api', 'rest'], d),
      ).toBe(1);
      expect(d.io.stderrText).toMatch(
        /needs about \d+ API calls for about \d+ records, and the org has \d+ left today/,
      );
      expect(small.store.count('Contact')).toBe(0);
    } finally {
      await small.close();
    }
  });
});
