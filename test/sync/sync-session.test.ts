import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { storeLocalOrg } from '../helpers/stored-org.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { waitFor } from '../helpers/wait-for.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-session-'));
});
afterAll(async () => org.close());

describe('a stored org whose session expires mid-run', () => {
  it('is refreshed with the refresh token, the run completes, and the new token is stored', async () => {
    const deps = createTestDeps({ cwd: dir });
    const t = await storeLocalOrg(deps.tokenStore, org, 'local');
    deps.tokenStore.updateSettings({ defaultOrg: 'local' });
    const rows = ['LastName,Email'];
    for (let i = 0; i < 2000; i++) rows.push(`S${i},s${i}@session.test`);
    fs.writeFileSync(path.join(dir, 'contacts.csv'), `${rows.join('\n')}\n`);
    org.setFaults({ expireSessionEvery: 7 });
    const code = await main(['upsert', 'contacts.csv', '--match', 'Email', '--json'], deps);
    org.setFaults({ expireSessionEvery: 0 });
    expect(JSON.parse(deps.io.stdoutText).result.counts).toMatchObject({
      total: 2000,
      created: 2000,
      failed: 0,
    });
    expect(code).toBe(0);
    expect(org.injectedFaults()).toBeGreaterThan(0);
    expect(org.store.count('Contact')).toBe(2000);
    expect(deps.tokenStore.getOrg('local')?.accessToken).not.toBe(t.access_token);
    expect(deps.io.stdoutText + deps.io.stderrText).not.toContain(t.refresh_token);
  });
});

describe('--fail-fast and standard input', () => {
  it('stops at the first failed record; what was read after it is reported as skipped', async () => {
    fs.writeFileSync(
      path.join(dir, 'ff.csv'),
      'LastName,Birthdate\nA,2000-01-01\nB,not-a-date\nC,2000-01-03\nD,2000-01-04\n',
    );
    const deps = createTestDeps({
      cwd: dir,
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    });
    const code = await main(
      [
        'create',
        'ff.csv',
        '--object',
        'Contact',
        '--fail-fast',
        '--json',
        '--batch-size',
        '1',
        '--concurrency',
        '1',
      ],
      deps,
    );
    const result = JSON.parse(deps.io.stdoutText).result;
    expect(code).toBe(2);
    expect(result.counts).toMatchObject({ total: 4, failed: 1, skipped: 2, created: 1 });
    expect(result.stoppedEarly).toBe(true);
  });

  it('reads NDJSON from standard input', async () => {
    const deps = createTestDeps({
      cwd: dir,
      stdin: '{"LastName":"Piped","Email":"piped@stdin.test"}\n',
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    });
    const code = await main(['create', '-', '--object', 'Contact', '--format', 'ndjson', '--json'], deps);
    expect(code).toBe(0);
    expect(JSON.parse(deps.io.stdoutText).result.counts.created).toBe(1);
  });
});

describe('--verbose', () => {
  it('traces each HTTP call on stderr without the token', async () => {
    fs.writeFileSync(path.join(dir, 'verbose.csv'), 'LastName\nTraced\n');
    const deps = createTestDeps({
      cwd: dir,
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    });
    expect(await main(['create', 'verbose.csv', '--object', 'Contact', '--verbose'], deps)).toBe(0);
    expect(deps.io.stderrText).toContain('→ GET /sobjects/Contact/describe');
    expect(deps.io.stderrText).toContain('→ POST /composite/sobjects');
    expect(deps.io.stderrText).toMatch(/← ok in \d+ ms/);
    expect(deps.io.stderrText + deps.io.stdoutText).not.toContain(org.accessToken);
  });
});

describe('Ctrl-C and the results of a run', () => {
  it('stops reading on Ctrl-C, accounts for every record read, and `sfsync results` shows the summary', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < 10_000; i++) rows.push(`I${i},i${i}@interrupt.test`);
    fs.writeFileSync(path.join(dir, 'interrupt.csv'), `${rows.join('\n')}\n`);
    const deps = createTestDeps({
      cwd: dir,
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    });
    org.setFaults({ latencyMs: 30 });
    const running = main(
      ['upsert', 'interrupt.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out/interrupt'],
      deps,
    );
    // Ctrl-C once the run has recorded outcomes (it is writing, past its describe calls).
    const success = path.join(dir, 'out/interrupt/success.csv');
    await waitFor(
      () => fs.existsSync(success) && fs.readFileSync(success, 'utf8').split('\n').length > 3,
      'outcomes in success.csv',
    );
    deps.interrupt();
    const code = await running;
    org.setFaults({ latencyMs: 0 });
    expect(code).toBe(130);
    expect(deps.io.stderrText).toContain('Interrupted');
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out/interrupt/summary.json'), 'utf8'));
    expect(summary.error.code).toBe('INTERRUPTED');
    expect(summary).toMatchObject({ ended: 'interrupted', signal: 'SIGINT' });
    const c = summary.counts;
    expect(c.total).toBeLessThan(10_000);
    expect(c.total).toBe(c.created + c.updated + c.deleted + c.failed + c.skipped);
    expect(org.store.count('Contact')).toBeGreaterThanOrEqual(c.created);

    const again = createTestDeps({ cwd: dir });
    // An interrupted run did not finish: exit 1, with the command that continues it.
    expect(await main(['results', 'out/interrupt'], again)).toBe(1);
    expect(again.io.stdoutText).toContain('upsert Contact');
    expect(again.io.stdoutText).toContain('INTERRUPTED');
    expect(again.io.stdoutText).toContain('--resume --results out/interrupt');
    const missing = createTestDeps({ cwd: dir });
    expect(await main(['results', 'nowhere'], missing)).toBe(1);
  });
});
