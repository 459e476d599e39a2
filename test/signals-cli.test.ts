import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { spawnChild } from './helpers/children.js';
import { BIN } from './helpers/run-bin.js';
import { readResultCsv } from './helpers/sync-env.js';
import { createTestDeps } from './helpers/test-deps.js';
import { waitFor } from './helpers/wait-for.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-signals-'));
});
afterAll(async () => org.close());

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const orgEnv = (): NodeJS.ProcessEnv => ({
  SFSYNC_INSTANCE_URL: org.instanceUrl,
  SFSYNC_ACCESS_TOKEN: org.accessToken,
  SFSYNC_CONFIG_DIR: path.join(dir, 'config'),
});

/** The built CLI as a child process, using the local org. */
function sfsync(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawnChild(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...orgEnv() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the built CLI against the local org and sends it real signals: each one once the org has answered
 * `afterCalls` more API calls than when the run started (so sfsync is sending, and owns its signals), or once
 * stderr shows `afterText`.
 */
function runWithSignals(
  args: string[],
  signals: Array<{ signal: NodeJS.Signals; afterCalls?: number; afterText?: string; before?: () => void }>,
): Promise<Run> {
  const start = org.apiCalls();
  return new Promise((resolve, reject) => {
    const child = sfsync(args);
    const run: Run = { code: null, signal: null, stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (run.stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (run.stderr += d));
    const pending = [...signals];
    const timer = setInterval(() => {
      const next = pending[0];
      if (!next) return;
      const due =
        (next.afterCalls !== undefined && org.apiCalls() - start >= next.afterCalls) ||
        (next.afterText !== undefined && run.stderr.includes(next.afterText));
      if (!due) return;
      pending.shift();
      next.before?.();
      child.kill(next.signal);
    }, 5);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ ...run, code, signal });
    });
  });
}

/** The command the run printed last on stderr to continue, as arguments. */
function resumeArgs(run: Run): string[] {
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines.at(-2), run.stderr).toBe('To continue where it stopped, run:');
  const words = (lines.at(-1) ?? '').trim().split(' ');
  expect(words.slice(0, 1)).toEqual(['sfsync']);
  return words.slice(1);
}

function writeContacts(file: string, domain: string, count: number): void {
  const rows = ['LastName,Email'];
  for (let i = 0; i < count; i++) rows.push(`S${i},s${i}@${domain}`);
  fs.writeFileSync(path.join(dir, file), `${rows.join('\n')}\n`);
}

function emailsIn(domain: string): string[] {
  const out: string[] = [];
  for (const row of org.store.object('Contact')?.live.values() ?? []) {
    const email = row.Email as string | undefined;
    if (email?.endsWith(`@${domain}`)) out.push(email);
  }
  return out;
}

/** Every input line has exactly one outcome in the result files, and the org holds every key exactly once. */
function expectEachOnce(results: string, domain: string, count: number): void {
  const lines = [
    ...readResultCsv(path.join(dir, results, 'success.csv')),
    ...readResultCsv(path.join(dir, results, 'failures.csv')),
  ].map((r) => Number(r.line));
  expect(new Set(lines).size).toBe(count);
  expect(lines).toHaveLength(count);
  const emails = emailsIn(domain);
  expect(new Set(emails).size).toBe(count);
  expect(emails).toHaveLength(count);
}

function summaryOf(results: string): {
  ended: string;
  signal: string | null;
  counts: Record<string, number>;
} {
  return JSON.parse(fs.readFileSync(path.join(dir, results, 'summary.json'), 'utf8'));
}

function expectStoppedMidRun(results: string, signal: string, count: number): void {
  const s = summaryOf(results);
  expect(s).toMatchObject({ ended: 'interrupted', signal });
  const c = s.counts as Record<string, number>;
  expect(c.total).toBe(
    (c.created ?? 0) + (c.updated ?? 0) + (c.deleted ?? 0) + (c.failed ?? 0) + (c.skipped ?? 0),
  );
  expect(c.total).toBeLessThan(count);
}

describe('signals on the built CLI', () => {
  it('SIGINT and SIGTERM at random points: 130/143, summary, --json document, the command to continue; resuming ends with each key once', async () => {
    // 50 batches of 25 (a query and a write each): about a hundred calls, as many as the stops need.
    const count = 1_250;
    writeContacts('signals.csv', 'signals.test', count);
    // Small batches, each call slowed down: the run lasts about a hundred calls, and each stop lands mid-run.
    org.setFaults({ latencyMs: 30 });
    // Stop points are random but reproducible from the seed.
    let seed = 20261202;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const at = (): number => 8 + Math.floor(random() * 15);
    const flags = ['--object', 'Contact', '--match', 'Email', '--batch-size', '25', '--concurrency', '2'];
    const first = await runWithSignals(
      ['upsert', 'signals.csv', ...flags, '--results', 'out/signals'],
      [{ signal: 'SIGINT', afterCalls: at() }],
    );
    expect(first.code, first.stderr).toBe(130);
    expect(first.stdout).toMatch(/^Stopped by SIGINT: upsert Contact/);
    expect(first.stderr).toContain('Error: Interrupted by SIGINT.');
    const resume = resumeArgs(first);
    expect(resume).toEqual(['upsert', 'signals.csv', ...flags, '--resume', '--results', 'out/signals']);
    expectStoppedMidRun('out/signals', 'SIGINT', count);
    const results = createTestDeps({ cwd: dir });
    // The run did not finish: exit 1, and the very command the run printed (its journal keeps its flags).
    expect(await main(['results', 'out/signals'], results)).toBe(1);
    expect(results.io.stdoutText).toMatch(/^Stopped by SIGINT: upsert Contact/);
    expect(results.io.stdoutText).toContain(`  sfsync ${resume.join(' ')}\n`);

    const second = await runWithSignals(resume, [{ signal: 'SIGTERM', afterCalls: at() }]);
    expect(second.code, second.stderr).toBe(143);
    expect(resumeArgs(second)).toEqual(resume);
    expectStoppedMidRun('out/signals', 'SIGTERM', count);

    const third = await runWithSignals([...resume, '--json'], [{ signal: 'SIGINT', afterCalls: at() }]);
    expect(third.code, third.stderr).toBe(130);
    const doc = JSON.parse(third.stdout);
    expect(doc).toMatchObject({
      ok: false,
      exitCode: 130,
      error: { code: 'INTERRUPTED' },
      result: { ended: 'interrupted', signal: 'SIGINT', results: { dir: path.join(dir, 'out/signals') } },
    });
    expect(doc.error.resume).toBe(
      `sfsync ${[...resume.slice(0, -3), '--json', ...resume.slice(-3)].join(' ')}`,
    );
    expect(doc.result.counts.total).toBeGreaterThan(0);
    expect(resumeArgs(third)).toEqual(doc.error.resume.split(' ').slice(1));
    expectStoppedMidRun('out/signals', 'SIGINT', count);

    org.setFaults({ latencyMs: 0 });
    // The rest needs no signal: it runs in this process.
    const last = createTestDeps({ cwd: dir, env: orgEnv() });
    expect(await main(resume, last), last.io.stderrText).toBe(0);
    expect(summaryOf('out/signals')).toMatchObject({ ended: 'completed', signal: null });
    expectEachOnce('out/signals', 'signals.test', count);
    // A bound for a hung run, not a timing: under a busy-loop load per core its four runs took over 60 s.
  }, 180_000);

  it('a second Ctrl-C quits at once, still with 130 and the command to continue, which then completes the run', async () => {
    const count = 750;
    writeContacts('twice.csv', 'twice.test', count);
    org.setFaults({ latencyMs: 30 });
    const slow = 800;
    const run = await runWithSignals(
      [
        'upsert',
        'twice.csv',
        '--object',
        'Contact',
        '--match',
        'Email',
        '--batch-size',
        '25',
        '--results',
        'out/twice',
      ],
      [
        // The calls in flight now take long enough for the second Ctrl-C to come first.
        { signal: 'SIGINT', afterCalls: 10, before: () => org.setFaults({ latencyMs: slow }) },
        { signal: 'SIGINT', afterText: 'Interrupted:' },
      ],
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('Error: Quit at once by a second SIGINT');
    const resume = resumeArgs(run);
    expect(resume.slice(-3)).toEqual(['--resume', '--results', 'out/twice']);
    // Calls the quitting process had sent are still being answered by the org: let them land first.
    org.setFaults({ latencyMs: 0 });
    await waitFor(() => org.requestsInFlight() === 0, 'the org to answer the calls of the quitted run');
    const last = createTestDeps({ cwd: dir, env: orgEnv() });
    expect(await main(resume, last), last.io.stderrText).toBe(0);
    expectEachOnce('out/twice', 'twice.test', count);
  }, 90_000);
});

describe('a signal while sfsync is starting', () => {
  it('is never lost: a run signalled at any moment of its start ends with 143, never as completed', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < 3000; i++) rows.push(`S${i},s${i}@start.test`);
    fs.writeFileSync(path.join(dir, 'start.csv'), `${rows.join('\n')}\n`);
    // From "as soon as it runs" to "well into its first calls": wherever the signal lands, it is acted on.
    for (const [i, delay] of [40, 90, 140, 190, 240, 300, 400].entries()) {
      // --restart: each run starts anew beside the earlier, unfinished ones (refused otherwise, as it should be).
      const child = sfsync([
        'create',
        'start.csv',
        '--object',
        'Contact',
        '--results',
        `out/start${i}`,
        '--restart',
      ]);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      const t0 = Date.now();
      // The delay is this test's input (a moment of the start), not a wait for something to happen.
      await sleep(delay);
      const killed = child.kill('SIGTERM');
      const t1 = Date.now() - t0;
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on('close', (c, sg) => resolve([c, sg])),
      );
      // Killed by the default action before sfsync's code ran (signal), or exit 143 from sfsync itself.
      expect(
        signal === 'SIGTERM' || code === 143,
        `${delay} ms: exit ${code} ${signal} ${stderr} ${stdout} ${killed} ${t1} ${Date.now() - t0}`,
      ).toBe(true);
      const summary = path.join(dir, `out/start${i}/summary.json`);
      if (fs.existsSync(summary))
        expect(JSON.parse(fs.readFileSync(summary, 'utf8')).ended, `${delay} ms`).toBe('interrupted');
    }
  }, 60_000);
});

describe('output hygiene on the built CLI', () => {
  it('a reader that closed stdout (| head) ends the command quietly with exit 0', async () => {
    for (const args of [['describe', 'Contact'], ['--help']]) {
      const child = sfsync(args);
      // The reader is gone before sfsync writes its first line.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr, args.join(' ')).toBe('');
      expect(code, args.join(' ')).toBe(0);
    }
  }, 20_000);
});
