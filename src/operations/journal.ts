import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { SfsyncError } from '../errors.js';
import { emptyCounts, type PriorResults } from './results.js';

/** What a run was: a resumed run must be the same operation on the same input with the same mapping. */
export interface JournalHeader {
  v: 1;
  operation: string;
  object: string;
  file: string;
  size: number;
  mtimeMs: number;
  /** SHA-256 of the first megabyte: a file edited in place keeps its name, not its bytes. */
  head: string;
  mapping: string | null;
}

export function fileIdentity(file: string): Pick<JournalHeader, 'file' | 'size' | 'mtimeMs' | 'head'> {
  const stat = fs.statSync(file);
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(stat.size, 1_048_576));
  fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  return {
    file: path.resolve(file),
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    head: createHash('sha256').update(buf).digest('hex'),
  };
}

export function mappingHash(file: string | undefined): string | null {
  return file ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : null;
}

/**
 * The run's journal in its results folder: the header, then the input lines of every write call, recorded
 * before the call is sent. After a crash, a line that was sent but has no outcome may or may not be in
 * Salesforce: an upsert or update finds it again by its key; a create cannot, and reports it as uncertain.
 */
export class Journal {
  private readonly fd: number;
  constructor(
    readonly file: string,
    header: JournalHeader | null,
  ) {
    this.fd = fs.openSync(file, header ? 'w' : 'a', 0o600);
    if (header) fs.writeSync(this.fd, `${JSON.stringify(header)}\n`);
  }
  /** Lines about to be sent; `job` is the Bulk API job that carries them. */
  sent(lines: number[], job?: string): void {
    fs.writeSync(this.fd, `${JSON.stringify(job ? { sent: lines, job } : { sent: lines })}\n`);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

export function readJournal(dir: string): {
  header: JournalHeader;
  sent: Set<number>;
  /** The Bulk API job each line went in, for lines sent through one. */
  jobs: Map<number, string>;
} {
  const file = path.join(dir, 'journal.ndjson');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new SfsyncError(
      'RESUME_NOT_POSSIBLE',
      `${dir} has no journal.ndjson: there is no run there to resume.`,
      {
        hint: 'Pass the results folder of the interrupted run with --results DIR.',
      },
    );
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = JSON.parse(lines[0] ?? '{}') as JournalHeader;
  const sent = new Set<number>();
  const jobs = new Map<number, string>();
  for (const l of lines.slice(1)) {
    try {
      const entry = JSON.parse(l) as { sent: number[]; job?: string };
      for (const n of entry.sent) {
        sent.add(n);
        if (entry.job) jobs.set(n, entry.job);
      }
    } catch {
      // The last entry may be cut short by the crash: its call was not sent yet.
    }
  }
  return { header, sent, jobs };
}

/** The newest results folder of a run on this file with this operation, for `--resume` without `--results`. */
export function latestRunFor(root: string, file: string, operation: string): string | null {
  if (!fs.existsSync(root)) return null;
  const wanted = path.resolve(file);
  const dirs = fs
    .readdirSync(root)
    .map((d) => path.join(root, d))
    .filter((d) => fs.existsSync(path.join(d, 'journal.ndjson')))
    .sort()
    .reverse();
  for (const d of dirs) {
    try {
      const { header } = readJournal(d);
      if (header.file === wanted && header.operation === operation) return d;
    } catch {
      // Not a run of ours.
    }
  }
  return null;
}

/** Cuts a file after its last complete line: a row half-written when the process died is dropped. */
function dropTornLine(file: string): void {
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file);
  const end = text.lastIndexOf(10);
  if (end + 1 < text.length) fs.truncateSync(file, end + 1);
}

/**
 * The outcomes an interrupted run wrote, so its resumed run adds to them and skips their lines. Records the
 * interruption left unsent ("NOT_PROCESSED") are taken out of the failures file: the resumed run sends them.
 */
export async function readPrior(
  success: string,
  failures: string,
): Promise<{ prior: PriorResults; done: Set<number> }> {
  const done = new Set<number>();
  const counts = emptyCounts();
  const failureCodes = new Map<string, { count: number; lines: number[]; message: string }>();
  let failureInputColumns: string[] | null = null;
  let failuresStarted = false;
  for (const file of [success, failures]) {
    dropTornLine(file);
    if (!fs.existsSync(file)) continue;
    const isFailures = file === failures;
    let header = '';
    const kept: string[] = [];
    let removed = 0;
    const parser = fs.createReadStream(file).pipe(
      parse({
        columns: (h: string[]) => {
          header = h.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
          if (isFailures) failureInputColumns = h.length === 8 && h[7] === 'input' ? null : h.slice(7);
          return h;
        },
        relax_column_count: true,
        raw: true,
      }),
    );
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; raw: string }>) {
      const row = item.record;
      const line = Number(row.line);
      if (!Number.isFinite(line) || done.has(line)) continue;
      if (isFailures && row.error_code === 'NOT_PROCESSED') {
        removed++;
        continue;
      }
      if (isFailures) kept.push(item.raw.replace(/\r?\n$/, ''));
      done.add(line);
      counts.total++;
      const outcome = row.outcome as 'created' | 'updated' | 'deleted' | 'failed' | 'skipped';
      if (outcome in counts) counts[outcome]++;
      if (isFailures) {
        const key = outcome === 'skipped' ? 'SKIPPED' : (row.error_code ?? 'UNKNOWN');
        const entry = failureCodes.get(key) ?? { count: 0, lines: [], message: row.error_message ?? '' };
        entry.count++;
        if (entry.lines.length < 10) entry.lines.push(line);
        failureCodes.set(key, entry);
      }
    }
    if (isFailures) {
      failuresStarted = header !== '';
      if (removed > 0) fs.writeFileSync(file, `${[header, ...kept].join('\n')}\n`, { mode: 0o600 });
    }
  }
  return { prior: { counts, failureCodes, failureInputColumns, failuresStarted }, done };
}
