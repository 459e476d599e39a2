import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { spawnChild } from '../helpers/children.js';
import { BIN } from '../helpers/run-bin.js';
import { readResultCsv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-resume-'));
});
afterAll(async () => org.close());

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  SFSYNC_INSTANCE_URL: org.instanceUrl,
  SFSYNC_ACCESS_TOKEN: org.accessToken,
  // Bulk polls at the local org's pace (src/config/settings.ts).
  SFSYNC_TEST_TIMINGS: 'fast',
});

/** How many entries of the journal contain `needle`, counting only what was written after `from` (a byte offset). */
function journalEntries(file: string, needle: string, from: number): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file, 'utf8').slice(from);
  return text.split('\n').filter((line) => line.endsWith('}') && line.includes(needle)).length;
}

/**
 * Starts sfsync as a CI job would and kills it with SIGKILL once the run has written `entries` journal entries
 * containing `needle` (an observed event, whatever the machine's load), or resolves with its exit code if it ends
 * first. The journal is looked at every 10 ms, only its part written by this run.
 */
function runAndKillAfter(
  args: string[],
  journal: string,
  needle: string,
  entries: number,
): Promise<number | null> {
  const from = fs.existsSync(journal) ? fs.statSync(journal).size : 0;
  return new Promise((resolve) => {
    const child = spawnChild(process.execPath, [BIN, ...args], { cwd: dir, env: env(), stdio: 'ignore' });
    const timer = setInterval(() => {
      if (journalEntries(journal, needle, from) >= entries) child.kill('SIGKILL');
    }, 10);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve(code);
    });
  });
}

function emailsIn(domain: string): string[] {
  const out: string[] = [];
  for (const row of org.store.object('Contact')?.live.values() ?? []) {
    const email = row.Email as string | undefined;
    if (email?.endsWith(domain)) out.push(email);
  }
  return out;
}

/**
 * Write calls of 10 records: 60 of them, so five runs killed after at most five calls each (and the calls they had
 * in flight) leave work to do. The number of calls is what matters here, not the size of each (each record costs
 * every run CPU time: 3,000 records of 50 a call made this file the suite's third longest).
 */
const RECORDS = 600;
const BATCH = '10';

/** Five Bulk jobs of 100 records: the run is killed while the first ones are open. */
const BULK_RECORDS = 500;
const BULK_BATCH = '100';

describe('--resume', () => {
  it('after SIGKILL at 5 random points, the org holds every record exactly once and the results add up', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < RECORDS; i++) rows.push(`K${i},k${i}@kill.test`);
    fs.writeFileSync(path.join(dir, 'kill.csv'), `${rows.join('\n')}\n`);
    // Slow calls leave room between the write call the test sees and the kill, so the run is killed mid-way.
    org.setFaults({ latencyMs: 20 });
    const args = [
      'upsert',
      'kill.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--batch-size',
      BATCH,
      '--results',
      'out/kill',
    ];
    // Kill points are random but reproducible from the seed printed on failure.
    let seed = 20261128;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const kills: number[] = [];
    // Each run is killed after a random number (1 to 5) of its own write calls, seen in the journal. The first
    // run must have sent something: killed before, it leaves no run to resume (and --resume never starts one).
    const journal = path.join(dir, 'out/kill/journal.ndjson');
    for (let i = 0; i < 5; i++) {
      const calls = 1 + Math.floor(random() * 5);
      const code = await runAndKillAfter(i === 0 ? args : [...args, '--resume'], journal, '"sent"', calls);
      kills.push(code ?? -1);
    }
    org.setFaults({ latencyMs: 0 });
    const final = createTestDeps({ cwd: dir, env: env() });
    const exit = await main([...args, '--resume', '--json'], final);
    expect(exit, final.io.stdoutText + final.io.stderrText).toBe(0);
    const result = JSON.parse(final.io.stdoutText).result;
    // Most runs must really have been killed mid-way (exit code null → -1), or the test proves nothing.
    expect(kills.filter((k) => k === -1).length, `exit codes ${kills.join(',')}`).toBeGreaterThanOrEqual(4);
    const emails = emailsIn('@kill.test');
    expect(new Set(emails).size).toBe(RECORDS);
    expect(emails).toHaveLength(RECORDS);
    const c = result.counts;
    expect(c.total).toBe(RECORDS);
    // A record a killed run wrote but never recorded is found again by its key: unchanged, not written twice.
    expect(c.created + c.updated + c.unchanged, JSON.stringify(c)).toBe(RECORDS);
    expect(c).toMatchObject({ failed: 0, skipped: 0 });
    const success = readResultCsv(path.join(dir, 'out/kill/success.csv'));
    const failures = readResultCsv(path.join(dir, 'out/kill/failures.csv'));
    const lines = [...success, ...failures].map((r) => Number(r.line));
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).toHaveLength(RECORDS);
  }, 120_000);

  it("a Bulk create killed mid-run and resumed: the open jobs' results settle every record, none is created twice", async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < BULK_RECORDS; i++) rows.push(`B${i},b${i}@bulkkill.test`);
    fs.writeFileSync(path.join(dir, 'bulkkill.csv'), `${rows.join('\n')}\n`);
    org.setFaults({ latencyMs: 30 });
    const args = [
      'create',
      'bulkkill.csv',
      '--object',
      'Contact',
      '--api',
      'bulk',
      '--batch-size',
      BULK_BATCH,
    ];
    // Killed once a job is open (the journal names it): timing-free, so a loaded machine does not change the test.
    const journalFile = path.join(dir, 'out/bulkkill/journal.ndjson');
    const killed = await runAndKillAfter([...args, '--results', 'out/bulkkill'], journalFile, '"job"', 1);
    org.setFaults({ latencyMs: 0 });
    expect(killed, 'the first run must be killed mid-way').toBeNull();
    const journal = fs.readFileSync(path.join(dir, 'out/bulkkill/journal.ndjson'), 'utf8');
    // The killed run had opened jobs whose answers it never recorded: the journal names them.
    expect(journal).toMatch(/"job":"750\w{15}"/);
    const final = createTestDeps({ cwd: dir, env: env() });
    expect(await main([...args, '--resume', '--results', 'out/bulkkill', '--json'], final)).toBe(0);
    const result = JSON.parse(final.io.stdoutText).result;
    // Records the killed run's jobs created are recorded with their Ids; the rest were sent now. None is uncertain.
    expect(result.counts).toMatchObject({
      total: BULK_RECORDS,
      created: BULK_RECORDS,
      failed: 0,
      skipped: 0,
    });
    const success = readResultCsv(path.join(dir, 'out/bulkkill/success.csv'));
    const lines = success.map((r) => Number(r.line));
    expect(new Set(lines).size).toBe(BULK_RECORDS);
    expect(new Set(success.map((r) => r.id)).size).toBe(BULK_RECORDS);
    expect(success.every((r) => org.store.find(r.id as string) !== undefined)).toBe(true);
    const emails = emailsIn('@bulkkill.test');
    expect(emails).toHaveLength(BULK_RECORDS);
    expect(new Set(emails).size).toBe(BULK_RECORDS);
    // The spool of the killed run is gone once the resumed run ends.
    expect(fs.existsSync(path.join(dir, 'out/bulkkill/spool.tmp'))).toBe(false);
  }, 120_000);

  it('refuses to resume when the input changed, and reports an unanswered create as uncertain', async () => {
    fs.writeFileSync(path.join(dir, 'changing.csv'), 'LastName,Email\nA,a@change.test\n');
    const first = createTestDeps({ cwd: dir, env: env() });
    expect(
      await main(
        ['upsert', 'changing.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out/changing'],
        first,
      ),
    ).toBe(0);
    fs.appendFileSync(path.join(dir, 'changing.csv'), 'B,b@change.test\n');
    const again = createTestDeps({ cwd: dir, env: env() });
    expect(
      await main(
        [
          'upsert',
          'changing.csv',
          '--object',
          'Contact',
          '--match',
          'Email',
          '--resume',
          '--results',
          'out/changing',
        ],
        again,
      ),
    ).toBe(1);
    expect(again.io.stderrText).toContain('changing.csv has changed since');

    // A create whose call was sent but whose answer was never recorded.
    fs.writeFileSync(path.join(dir, 'creates.csv'), 'LastName\nOne\nTwo\n');
    const run = createTestDeps({ cwd: dir, env: env() });
    expect(
      await main(['create', 'creates.csv', '--object', 'Contact', '--results', 'out/creates'], run),
    ).toBe(0);
    const success = path.join(dir, 'out/creates/success.csv');
    fs.writeFileSync(success, 'line,outcome,id\n');
    const resumed = createTestDeps({ cwd: dir, env: env() });
    expect(
      await main(
        ['create', 'creates.csv', '--object', 'Contact', '--resume', '--results', 'out/creates', '--json'],
        resumed,
      ),
    ).toBe(2);
    const counts = JSON.parse(resumed.io.stdoutText).result.counts;
    expect(counts).toMatchObject({ total: 2, created: 0, skipped: 2 });
    expect(readResultCsv(path.join(dir, 'out/creates/failures.csv')).map((f) => f.error_code)).toEqual([
      'UNCERTAIN',
      'UNCERTAIN',
    ]);
  });
});
