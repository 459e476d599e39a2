import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { createTestDeps } from '../helpers/test-deps.js';

// 2,000 contacts keep the suite fast; `npm run bench -- locks` runs the 20,000-contact load of issue 16.
const CONTACTS = 2_000;

let org: Emulator;
let dir: string;
let file: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-locks-'));
  fs.writeFileSync(
    path.join(dir, 'accounts.csv'),
    `Name\n${Array.from({ length: 50 }, (_, i) => `Parent ${i}`).join('\n')}\n`,
  );
  const made = await sfsync(['create', 'accounts.csv', '--object', 'Account']);
  const ids = made.summary.counts.created === 50 ? await accountIds() : [];
  expect(ids).toHaveLength(50);
  // Every parent's children spread over the whole file, as in an export sorted by anything but the parent.
  const lines = Array.from({ length: CONTACTS }, (_, i) => `Child ${i},${ids[(i * 7) % 50]}`);
  file = 'contacts.csv';
  fs.writeFileSync(path.join(dir, file), `LastName,AccountId\n${lines.join('\n')}\n`);
  org.setFaults({ lockRate: 0.5, lockHoldMs: 25 });
});
afterAll(async () => {
  await org.close();
});

let run = 0;
/** Runs sfsync without --json (the summary is read as a person sees it) and reads its summary.json. */
async function sfsync(argv: string[]) {
  const deps = createTestDeps({
    cwd: dir,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
  const results = path.join(dir, `out-${++run}`);
  const code = await main([...argv, '--results', results], deps);
  const summary = JSON.parse(fs.readFileSync(path.join(results, 'summary.json'), 'utf8'));
  return { code, summary, stdout: deps.io.stdoutText };
}

async function accountIds(): Promise<string[]> {
  const res = await fetch(
    `${org.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent("SELECT Id FROM Account WHERE Name LIKE 'Parent %'")}`,
    { headers: { Authorization: `Bearer ${org.accessToken}` } },
  );
  return ((await res.json()) as { records: Array<{ Id: string }> }).records.map((r) => r.Id);
}

type Locks = { retries: number; groupedBy: string | null; serial: boolean };

describe(`row locks: ${CONTACTS.toLocaleString('en-US')} contacts over 50 accounts, lock faults at rate 0.5`, () => {
  for (const [api, extra] of [
    ['rest', []],
    // Jobs that run at once meet locks (Bulk runs one job at a time by default).
    ['bulk', ['--batch-size', '500', '--concurrency', '4']],
  ] as const) {
    it(`${api}: grouping by AccountId needs fewer lock retries than file order${api === 'rest' ? '; --serial needs none' : ''}`, async () => {
      const load = async (flags: string[]) => {
        const r = await sfsync(['create', file, '--object', 'Contact', '--api', api, ...extra, ...flags]);
        expect(r.summary.counts.total).toBe(CONTACTS);
        return {
          locks: r.summary.locks as Locks,
          failed: r.summary.counts.failed as number,
          stdout: r.stdout,
        };
      };
      const grouped = await load([]);
      const fileOrder = await load(['--no-group-by-parent']);
      // --serial always meets no lock (each call answers before the next starts): shown once, through REST.
      const serial = api === 'rest' ? await load(['--serial']) : null;
      console.log(
        `${api}: lock retries grouped by AccountId ${grouped.locks.retries} (failed ${grouped.failed}), in file order ${fileOrder.locks.retries} (failed ${fileOrder.failed})${serial ? `, --serial ${serial.locks.retries}` : ''}`,
      );
      expect(grouped.locks.groupedBy).toBe('AccountId');
      expect(fileOrder.locks.groupedBy).toBeNull();
      expect(fileOrder.locks.retries).toBeGreaterThan(0);
      expect(fileOrder.stdout).toMatch(
        /row locks: [\d,]+ records? sent again after UNABLE_TO_LOCK_ROW; if many still fail, try --serial/,
      );
      expect(grouped.locks.retries).toBeLessThan(fileOrder.locks.retries);
      if (serial) {
        expect(serial.locks).toEqual({ retries: 0, groupedBy: null, serial: true });
        expect(serial.failed).toBe(0);
      }
    });
  }
});
