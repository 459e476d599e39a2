import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { createFileTokenStore } from '../../src/auth/token-store.js';
import { startEmulator, type Emulator, type Faults } from '../../src/emulator/server.js';
import { FAILURE_COLUMNS, SUCCESS_COLUMNS } from '../../src/operations/results.js';
import { spawnChild } from '../helpers/children.js';
import { BIN } from '../helpers/run-bin.js';
import { storeLocalOrg } from '../helpers/stored-org.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * The fault soak: loads of unique contacts through the built CLI, against a local org that fails calls, drops
 * connections, expires sessions and runs out of API calls, while the run is killed or stopped at random points
 * and resumed until it completes. After every trial the org and the result files must agree: each key exactly
 * once in the org, each input line exactly one outcome, nothing reported failed that exists.
 */

export type Api = 'rest' | 'bulk';
export type StopKind = 'SIGKILL' | 'SIGTERM' | 'SIGINT' | 'API_LIMIT';

export interface SoakOptions {
  trials: number;
  /** Trial i runs with seed `seed + i`: one trial is repeated with SFSYNC_SOAK_SEED=<its seed>, TRIALS=1. */
  seed: number;
  records: number;
  /** Stops planned per trial, at most (each trial draws 1..maxStops). */
  maxStops?: number;
  /** Where trial folders go (kept when a trial finds a violation). */
  dir?: string;
  log?: (line: string) => void;
  /** No trial starts after this many milliseconds (the first always runs): bounds the wall time in CI. */
  budgetMs?: number;
  /**
   * Trials run at once (default 1), each with its own org and folder. A trial mostly waits (on the CLI's retry
   * backoff, Bulk polls and process starts), so two at a time finish the same trials in about half the time.
   */
  parallel?: number;
}

export interface RunRecord {
  args: string[];
  planned: StopKind | null;
  /**
   * What actually ended it: the planned stop, the run finishing first, an error sfsync stopped on by itself
   * (with a summary and the command to continue), or anything else (a violation).
   */
  ended: StopKind | 'completed' | 'error' | 'failed-run';
  /** The error of an 'error' stop, from summary.json. */
  error?: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  calls: number;
}

export interface TrialResult {
  trial: number;
  seed: number;
  api: Api;
  auth: 'token' | 'stored-org';
  /** The input had columns named like sfsync's result columns. */
  decoys: boolean;
  records: number;
  preexisting: number;
  faults: Partial<Faults>;
  runs: RunRecord[];
  outcomes: Record<string, number>;
  failuresByCode: Record<string, number>;
  injectedFaults: number;
  violations: string[];
  dir: string;
  ms: number;
}

/** mulberry32: small, seeded, and the same on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tony'];

/** Columns named like sfsync's own result columns, with misleading values: the results must still be read right. */
const DECOYS = {
  head: ['line', 'outcome'],
  tail: ['id', 'error_code'],
  values: (random: () => number): [string[], string[]] => [
    [String(2 + Math.floor(random() * 50)), 'created'],
    ['0035g0000000001AAA', 'NOT_PROCESSED'],
  ],
};

/**
 * The trial's input: unique emails, a quoted comma now and then, so lines are not all alike; with `decoys`,
 * columns named like sfsync's own before and after them (a mapping leaves them out).
 */
export function contactsCsv(
  random: () => number,
  seed: number,
  count: number,
  decoys: boolean,
): { csv: string; emails: string[]; emailColumn: number } {
  const header = ['FirstName', 'LastName', 'Email', 'Title'];
  const rows = [(decoys ? [...DECOYS.head, ...header, ...DECOYS.tail] : header).join(',')];
  const emails: string[] = [];
  for (let i = 0; i < count; i++) {
    const first = NAMES[Math.floor(random() * NAMES.length)] as string;
    const title = random() < 0.1 ? '"Engineer, Staff"' : `Level ${Math.floor(random() * 9)}`;
    const email = `${first.toLowerCase()}.${i}.${seed}@soak.test`;
    emails.push(email);
    const cells = [first, `Soak${i}`, email, title];
    const [head, tail] = DECOYS.values(random);
    rows.push((decoys ? [...head, ...cells, ...tail] : cells).join(','));
  }
  return { csv: `${rows.join('\n')}\n`, emails, emailColumn: (decoys ? DECOYS.head.length : 0) + 2 };
}

const DECOY_MAPPING = `object: Contact
fields:
  FirstName: FirstName
  LastName: LastName
  Email: Email
  Title: Title
`;

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The built CLI against the trial's org; `stop` sends its signal once the org has answered that many more calls. */
function runCli(
  org: Emulator,
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: string[],
  stop: { signal: NodeJS.Signals; afterCalls: number } | null,
): Promise<Child & { sent: boolean }> {
  const start = org.apiCalls();
  return new Promise((resolve, reject) => {
    const child = spawnChild<ChildProcessByStdio<null, Readable, Readable>>(
      process.execPath,
      [BIN, ...args],
      {
        cwd,
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out: Child = { code: null, signal: null, stdout: '', stderr: '' };
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
    const timer = setInterval(() => {
      if (!stop || sent || org.apiCalls() - start < stop.afterCalls) return;
      sent = true;
      child.kill(stop.signal);
    }, 2);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ ...out, code, signal, sent });
    });
  });
}

/** A result CSV as rows of cells: sfsync's own columns come first, by position; the input's follow. */
function readRows(file: string): string[][] {
  if (!fs.existsSync(file)) return [];
  return (parse(fs.readFileSync(file, 'utf8'), { relax_column_count: true }) as string[][]).slice(1);
}

interface Summary {
  ended: string;
  signal: string | null;
  counts: Record<string, number>;
  error: { code: string; message: string } | null;
}

function readSummary(dir: string): Summary | null {
  const file = path.join(dir, 'summary.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Summary) : null;
}

/** The calls a killed client had sent are still being answered: let them land before anyone looks. */
async function settle(org: Emulator): Promise<void> {
  await waitFor(() => org.requestsInFlight() === 0, "the org to answer a stopped run's calls", {
    everyMs: 5,
  });
  // Bulk jobs closed just before the kill are processed a moment later, in setImmediate steps: let them run.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function contactsByEmail(org: Emulator): Map<string, string[]> {
  const byEmail = new Map<string, string[]>();
  for (const row of org.store.object('Contact')?.live.values() ?? []) {
    const email = row.Email as string | undefined;
    if (!email?.endsWith('@soak.test')) continue;
    byEmail.set(email, [...(byEmail.get(email) ?? []), row.Id as string]);
  }
  return byEmail;
}

export async function runTrial(trial: number, seed: number, options: SoakOptions): Promise<TrialResult> {
  const started = Date.now();
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  // By the seed alone, so one trial can be run again by itself. Any four consecutive seeds cover both APIs, both
  // ways to authenticate, and each kind of stop first.
  const [api, auth, firstStop] = (
    [
      ['rest', 'token', 'SIGKILL'],
      ['bulk', 'stored-org', 'SIGTERM'],
      ['rest', 'stored-org', 'API_LIMIT'],
      ['bulk', 'token', 'SIGINT'],
    ] as const
  )[seed % 4] as readonly [Api, 'token' | 'stored-org', StopKind];
  // Every other four seeds, the input has columns named like sfsync's own result columns.
  const decoys = Math.floor(seed / 4) % 2 === 1;
  const count = options.records;
  const faults: Partial<Faults> = {
    seed,
    latencyMs: 1 + Math.floor(random() * 8),
    transientRate: (1 + Math.floor(random() * 6)) / 100,
    transientKinds: ['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW'],
    dropRate: (1 + Math.floor(random() * 3)) / 100,
    // Expiring sessions need a refresh token (a stored org): SFSYNC_ACCESS_TOKEN alone cannot be renewed.
    expireSessionEvery: auth === 'stored-org' ? 12 + Math.floor(random() * 30) : 0,
  };
  const dir = fs.mkdtempSync(path.join(options.dir ?? os.tmpdir(), `soak-${seed}-`));
  const org = await startEmulator({ port: 0 });
  const result: TrialResult = {
    trial,
    seed,
    api,
    auth,
    decoys,
    records: count,
    preexisting: 0,
    faults,
    runs: [],
    outcomes: {},
    failuresByCode: {},
    injectedFaults: 0,
    violations: [],
    dir,
    ms: 0,
  };
  const violation = (what: string): void => {
    result.violations.push(what);
  };
  try {
    const { csv, emails, emailColumn } = contactsCsv(random, seed, count, decoys);
    fs.writeFileSync(path.join(dir, 'contacts.csv'), csv);
    if (decoys) fs.writeFileSync(path.join(dir, 'contacts.mapping.yaml'), DECOY_MAPPING);
    // Some contacts exist before the load, so the upsert both updates and creates.
    for (const email of emails)
      if (random() < 0.2) {
        org.store.create('Contact', { LastName: 'Before', Email: email });
        result.preexisting++;
      }

    // Retries, Bulk polls and job gathering at the local org's pace (milliseconds, not seconds): a trial tests what
    // ends where, not how long sfsync waits, and spent most of its time in production backoff.
    const env: NodeJS.ProcessEnv = {
      SFSYNC_CONFIG_DIR: path.join(dir, 'config'),
      SFSYNC_TEST_TIMINGS: 'fast',
    };
    if (auth === 'stored-org') {
      // Expiring sessions need a refresh token: a stored org, as `sfsync login` leaves it.
      await storeLocalOrg(createFileTokenStore(path.join(dir, 'config')), org, 'soak');
      env.SFSYNC_ORG = 'soak';
    } else {
      env.SFSYNC_INSTANCE_URL = org.instanceUrl;
      env.SFSYNC_ACCESS_TOKEN = org.accessToken;
    }
    org.setFaults(faults);

    const results = path.join(dir, 'out');
    const batchSize = pick([25, 50, 100]);
    const base = [
      'upsert',
      'contacts.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--verbose',
      ...(decoys ? ['--mapping', 'contacts.mapping.yaml'] : []),
      '--api',
      api,
      '--batch-size',
      String(batchSize),
      '--concurrency',
      String(pick([1, 2, 4])),
    ];
    // A REST batch is a query and a write; a Bulk job about six calls (open, upload, close, poll, two result pages).
    // Stops are drawn from the first four fifths of a whole run's calls, so most land before it ends.
    const expectedCalls = Math.ceil(((api === 'rest' ? 2 : 6) * count) / batchSize) + 2;
    const stops: StopKind[] = [firstStop];
    const nStops = 1 + Math.floor(random() * (options.maxStops ?? 3));
    while (stops.length < nStops) stops.push(pick(['SIGKILL', 'SIGKILL', 'SIGTERM', 'SIGINT', 'API_LIMIT']));

    let started_ = false;
    // Runs also stop on errors sfsync does not retry (a dropped write): room for many, yet an end if none progresses.
    for (let attempt = 0; attempt < nStops + 40; attempt++) {
      const planned = stops.shift() ?? null;
      const args = started_ ? [...base, '--resume', '--results', results] : [...base, '--results', results];
      const afterCalls = 1 + Math.floor(random() * expectedCalls * 0.8);
      if (planned === 'API_LIMIT') org.setDailyApiRequests(org.apiCalls() + afterCalls);
      const callsBefore = org.apiCalls();
      const run = await runCli(
        org,
        dir,
        env,
        args,
        planned && planned !== 'API_LIMIT' ? { signal: planned, afterCalls } : null,
      );
      org.setDailyApiRequests(null);
      await settle(org);
      // The redacted HTTP trace of each run stays in the trial folder (kept when the trial finds a violation).
      fs.writeFileSync(path.join(dir, `run-${result.runs.length + 1}.log`), run.stderr);
      const record: RunRecord = {
        args,
        planned,
        ended: 'completed',
        code: run.code,
        signal: run.signal,
        calls: org.apiCalls() - callsBefore,
      };
      result.runs.push(record);
      const where = `run ${result.runs.length} (${args.slice(-3).join(' ')}, planned ${planned ?? 'none'})`;
      // A killed run may have died while writing its summary; the next run's resume decides what is left of it.
      const summary = run.signal === 'SIGKILL' ? null : readSummary(results);
      if (fs.existsSync(path.join(results, 'journal.ndjson'))) started_ = true;
      // A run that wrote its summary (any but a killed one) leaves files that say the same: one row a line.
      if (summary) {
        const lines = [
          ...readRows(path.join(results, 'success.csv')),
          ...readRows(path.join(results, 'failures.csv')),
        ].map((row) => row[0]);
        const twice = lines.length - new Set(lines).size;
        if (twice > 0) violation(`${where}: ${twice} lines have two outcomes in the result files`);
        if (lines.length !== summary.counts.total)
          violation(
            `${where}: the result files hold ${lines.length} rows, summary.json counts ${summary.counts.total}`,
          );
      }

      if (run.code === 0 || run.code === 2) {
        record.ended = 'completed';
        if (summary?.ended !== 'completed')
          violation(`${where}: exit ${run.code} but summary.json says ${summary?.ended ?? 'nothing'}`);
        break;
      }
      if (planned === 'SIGKILL' && run.signal === 'SIGKILL') {
        record.ended = 'SIGKILL';
        continue;
      }
      // The signal came after the run had stopped on an error of its own: the first cause is the one reported.
      const erredFirst =
        run.code === 1 && summary?.ended === 'fatal' && summary.error?.code !== 'INTERRUPTED';
      if ((planned === 'SIGTERM' || planned === 'SIGINT') && run.sent && !erredFirst) {
        record.ended = planned;
        const want = planned === 'SIGINT' ? 130 : 143;
        if (run.code !== want)
          violation(
            `${where}: ${planned} gave exit ${run.code ?? `signal ${run.signal}`}, not ${want}; stderr: ${run.stderr.trim().slice(-300)}`,
          );
        if (!summary)
          violation(`${where}: ${planned} left no summary.json; stderr: ${run.stderr.trim().slice(-300)}`);
        else if (summary.ended !== 'interrupted' || summary.signal !== planned)
          violation(`${where}: summary.json says ended=${summary.ended} signal=${summary.signal}`);
        if (!run.stderr.includes('--resume'))
          violation(`${where}: no "--resume" on stderr after ${planned}: ${run.stderr.trim().slice(-300)}`);
        continue;
      }
      // A run that stops itself (the API limit, or an error it would not retry) must leave what a signal leaves.
      if (run.code === 1 && summary?.error) {
        const code = summary.error.code;
        record.ended = planned === 'API_LIMIT' && code === 'REQUEST_LIMIT_EXCEEDED' ? 'API_LIMIT' : 'error';
        record.error = `${code}: ${summary.error.message}`;
        if (summary.ended === 'completed')
          violation(`${where}: exit 1 (${code}) but summary.json says completed`);
        if (!run.stderr.includes('--resume'))
          violation(`${where}: no "--resume" on stderr after ${code}: ${run.stderr.trim().slice(-300)}`);
        continue;
      }
      // Out of calls before anything was sent: nothing to resume, the next run starts over.
      if (run.code === 1 && planned === 'API_LIMIT' && !started_ && /API request limit/.test(run.stderr)) {
        record.ended = 'API_LIMIT';
        continue;
      }
      record.ended = 'failed-run';
      violation(
        `${where}: exit ${run.code ?? `signal ${run.signal}`} unexpectedly; stderr: ${run.stderr.trim().slice(-500)}`,
      );
      break;
    }
    if (result.runs.at(-1)?.ended !== 'completed') {
      violation(`never completed after ${result.runs.length} runs`);
      return result;
    }

    // The checks: the org and the result files must tell the same story.
    const success = readRows(path.join(results, 'success.csv'));
    const failures = readRows(path.join(results, 'failures.csv'));
    const lines = new Map<number, number>();
    const reported = new Map<string, { outcome: string; id?: string; code?: string }>();
    const lineIndex = SUCCESS_COLUMNS.indexOf('line');
    for (const row of success) {
      const line = Number(row[lineIndex]);
      lines.set(line, (lines.get(line) ?? 0) + 1);
      const email = row[SUCCESS_COLUMNS.length + emailColumn] ?? '';
      reported.set(email, { outcome: row[1] ?? '', id: row[2] });
      result.outcomes[row[1] ?? '?'] = (result.outcomes[row[1] ?? '?'] ?? 0) + 1;
    }
    const codeIndex = FAILURE_COLUMNS.indexOf('error_code');
    for (const row of failures) {
      const line = Number(row[0]);
      lines.set(line, (lines.get(line) ?? 0) + 1);
      const email = row[FAILURE_COLUMNS.length + emailColumn] ?? '';
      const code = row[codeIndex] ?? '';
      reported.set(email, { outcome: row[1] ?? '', code });
      result.outcomes[row[1] ?? '?'] = (result.outcomes[row[1] ?? '?'] ?? 0) + 1;
      result.failuresByCode[code] = (result.failuresByCode[code] ?? 0) + 1;
    }
    for (let i = 0; i < count; i++) {
      const n = lines.get(i + 2) ?? 0;
      if (n !== 1) violation(`line ${i + 2} (${emails[i]}) has ${n} outcomes`);
    }
    for (const line of lines.keys())
      if (line < 2 || line > count + 1) violation(`an outcome for line ${line}, which is not in the input`);
    const inOrg = contactsByEmail(org);
    for (const email of emails) {
      const ids = inOrg.get(email) ?? [];
      const r = reported.get(email);
      if (ids.length > 1) violation(`${email} is in the org ${ids.length} times: ${ids.join(', ')}`);
      if (r && (r.outcome === 'failed' || r.outcome === 'skipped')) {
        // Pre-existing records exist whatever happens; for them, a failure must not be a write that landed.
        const landed = ids.length > 0 && org.store.find(ids[0] as string)?.row.LastName !== 'Before';
        if (landed)
          violation(`${email} is reported ${r.outcome} (${r.code}) but was written: ${ids.join(', ')}`);
      } else if (ids.length !== 1)
        violation(`${email} is reported ${r?.outcome ?? 'nowhere'} but is in the org ${ids.length} times`);
      else if (r && r.id !== ids[0])
        violation(`${email} is reported ${r.outcome} as ${r.id}, the org has ${ids[0]}`);
    }
    const counts = readSummary(results)?.counts;
    if (counts?.total !== count)
      violation(`summary.json counts ${counts?.total} records, the input has ${count}`);
    return result;
  } finally {
    result.injectedFaults = org.injectedFaults();
    result.ms = Date.now() - started;
    await org.close();
    if (result.violations.length === 0) fs.rmSync(dir, { recursive: true, force: true });
    options.log?.(formatTrial(result));
  }
}

export function formatTrial(t: TrialResult): string {
  const runs = t.runs.map((r) => {
    const ended = r.ended === 'error' ? `error(${r.error})` : r.ended;
    return r.ended === r.planned || r.planned === null ? ended : `${r.planned}→${ended}`;
  });
  const f = t.faults;
  return [
    `trial ${t.trial} seed ${t.seed} ${t.api} ${t.auth}${t.decoys ? ' decoy-columns' : ''}: ${t.records} records (${t.preexisting} existed),`,
    `faults latency ${f.latencyMs}ms transient ${f.transientRate} drop ${f.dropRate} expire/${f.expireSessionEvery} (${t.injectedFaults} injected);`,
    `runs ${runs.join(', ')};`,
    `outcomes ${JSON.stringify(t.outcomes)}${Object.keys(t.failuresByCode).length ? ` failures ${JSON.stringify(t.failuresByCode)}` : ''};`,
    `${t.violations.length} violations; ${(t.ms / 1000).toFixed(1)} s`,
    ...t.violations.slice(0, 10).map((v) => `\n    VIOLATION ${v}`),
    t.violations.length ? `\n    folder kept: ${t.dir}` : '',
  ].join(' ');
}

export interface SoakReport {
  trials: TrialResult[];
  text: string;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const trials: TrialResult[] = [];
  const started = Date.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < options.trials; i = next++) {
      if (i > 0 && options.budgetMs !== undefined && Date.now() - started > options.budgetMs) return;
      trials.push(await runTrial(i, options.seed + i, options));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 1) }, lane));
  trials.sort((a, b) => a.trial - b.trial);
  const stops: Record<string, number> = {};
  let resumes = 0;
  let missed = 0;
  const errors: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (const t of trials) {
    for (const r of t.runs) {
      if (r.args.includes('--resume')) resumes++;
      if (r.planned && r.ended === r.planned) stops[r.planned] = (stops[r.planned] ?? 0) + 1;
      else if (r.ended === 'error') {
        const code = r.error?.split(':')[0] ?? '?';
        errors[code] = (errors[code] ?? 0) + 1;
      } else if (r.planned) missed++;
    }
    for (const [k, v] of Object.entries(t.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  }
  const violations = trials.reduce((n, t) => n + t.violations.length, 0);
  const text = [
    `soak: ${trials.length} trials (seed ${options.seed})${trials.length < options.trials ? ` of ${options.trials}, the time budget ran out` : ''},`,
    `${trials.reduce((n, t) => n + t.records, 0)} records in ${((Date.now() - started) / 1000).toFixed(1)} s,`,
    `stops ${JSON.stringify(stops)} (${missed} planned stops came after the run had finished),`,
    `unplanned stops on errors ${JSON.stringify(errors)}, ${resumes} resumes,`,
    `${trials.reduce((n, t) => n + t.injectedFaults, 0)} faults injected, outcomes ${JSON.stringify(outcomes)},`,
    `${violations} violations in ${trials.filter((t) => t.violations.length > 0).length} trials`,
  ].join(' ');
  return { trials, text };
}
