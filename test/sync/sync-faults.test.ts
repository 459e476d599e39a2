import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
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
    // Half of them exist already, so the run both creates and updates.
    const seed = deps();
    fs.writeFileSync(path.join(dir, 'seed.csv'), `${rows.slice(0, 1501).join('\n')}\n`);
    expect(await main(['create', 'seed.csv', '--object', 'Contact'], seed)).toBe(0);

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
