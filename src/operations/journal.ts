import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { SfsyncError } from '../errors.js';
import { openResultFile } from './results.js';

/** The version of the journal's format this sfsync writes and reads. */
export const JOURNAL_VERSION = 2;

/** What a run was: a resumed run must be the same operation on the same input with the same mapping. */
export interface JournalHeader {
  v: typeof JOURNAL_VERSION;
  operation: string;
  object: string;
  file: string;
  size: number;
  mtimeMs: number;
  /** SHA-256 of the whole file: a file edited in place keeps its name and often its size, not its bytes. */
  sha256: string;
  mapping: string | null;
  /** The run's flags (runFlags), so `sfsync results` prints the very resume command the run printed. */
  flags?: string[];
}

const JOURNAL = 'journal.ndjson';

export type FileIdentity = Pick<JournalHeader, 'file' | 'size' | 'mtimeMs' | 'sha256'>;

/** The input file's identity; its hash is streamed, one read of the file, whatever its size. */
export async function fileIdentity(file: string): Promise<FileIdentity> {
  const stat = fs.statSync(file);
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1_048_576 }))
    hash.update(chunk as Buffer);
  return { file: path.resolve(file), size: stat.size, mtimeMs: stat.mtimeMs, sha256: hash.digest('hex') };
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
    this.fd = openResultFile(file, header === null);
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

function journalError(file: string, problem: string): SfsyncError {
  return new SfsyncError('RESUME_NOT_POSSIBLE', `${file}: ${problem}, so the run cannot be resumed safely.`, {
    hint: 'Check the folder is the one the run printed (results: ...), or start over with --restart: records the run sent may then be sent again (a create makes them twice).',
  });
}

function checkHeader(file: string, value: unknown): JournalHeader {
  const h = value as Partial<JournalHeader> | null;
  if (!h || typeof h !== 'object' || Array.isArray(h) || h.v === undefined)
    throw journalError(file, 'line 1 is not a journal header');
  // Compared as read (unknown): against the literal type of h.v, TypeScript would narrow both sides to never.
  const version: unknown = h.v;
  if (version !== JOURNAL_VERSION)
    throw journalError(
      file,
      `its header is version ${String(version)}, which this sfsync does not read (it reads version ${JOURNAL_VERSION}; the sfsync that wrote it can resume it)`,
    );
  if (typeof h.operation !== 'string' || typeof h.file !== 'string' || typeof h.sha256 !== 'string')
    throw journalError(file, 'its header is incomplete');
  return h as JournalHeader;
}

/** Only the header of a run's journal, or null when the folder has none that reads. */
export async function readJournalHeader(dir: string): Promise<JournalHeader | null> {
  const file = path.join(dir, JOURNAL);
  if (!fs.existsSync(file)) return null;
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of lines) return checkHeader(file, JSON.parse(line));
  } catch {
    return null;
  } finally {
    lines.close();
  }
  return null;
}

export async function readJournal(dir: string): Promise<{
  header: JournalHeader;
  sent: Set<number>;
  /** The Bulk API job each line went in, for lines sent through one. */
  jobs: Map<number, string>;
}> {
  const file = path.join(dir, JOURNAL);
  if (!fs.existsSync(file)) {
    throw new SfsyncError(
      'RESUME_NOT_POSSIBLE',
      `${dir} has no journal.ndjson: there is no run there to resume.`,
      {
        hint: 'Pass the results folder of the interrupted run with --results DIR.',
      },
    );
  }
  let header: JournalHeader | null = null;
  const sent = new Set<number>();
  const jobs = new Map<number, string>();
  let torn = 0;
  let n = 0;
  for await (const l of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (l.trim() === '') continue;
    // Only the last entry may be cut short (by the crash; its call was not sent yet): one before it is damage.
    if (torn) throw journalError(file, `line ${torn} is not a journal entry (and it is not the last line)`);
    let entry: unknown;
    try {
      entry = JSON.parse(l);
    } catch {
      if (header === null) throw journalError(file, 'line 1 is not a journal header');
      torn = n;
      continue;
    }
    if (header === null) {
      header = checkHeader(file, entry);
      continue;
    }
    const e = entry as { sent?: unknown; job?: unknown };
    if (!Array.isArray(e.sent) || !e.sent.every((x) => Number.isInteger(x)))
      throw journalError(file, `line ${n} is not a journal entry`);
    for (const line of e.sent as number[]) {
      sent.add(line);
      // The last sending decides: a line a Bulk job refused and REST sent again is no longer the job's to settle.
      if (typeof e.job === 'string') jobs.set(line, e.job);
      else jobs.delete(line);
    }
  }
  if (header === null) throw journalError(file, 'it is empty');
  return { header, sent, jobs };
}

/** Run folders under the results root that hold a journal, newest first (their names start with the time). */
function runFolders(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((d) => path.join(root, d))
    .filter((d) => fs.existsSync(path.join(d, JOURNAL)))
    .sort()
    .reverse();
}

/** The newest results folder of a run on this file with this operation, for `--resume` without `--results`. */
export async function latestRunFor(root: string, file: string, operation: string): Promise<string | null> {
  const wanted = path.resolve(file);
  for (const d of runFolders(root)) {
    const header = await readJournalHeader(d);
    if (header?.file === wanted && header.operation === operation) return d;
  }
  return null;
}

/**
 * Whether the run in a folder ended: its summary.json says so (`ended`, or for a summary without that field, no
 * error). A journal without a summary is a run that was killed, or one still going.
 */
export function runFinished(dir: string): boolean {
  try {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as {
      ended?: unknown;
      error?: unknown;
    };
    if (typeof summary.ended === 'string') return summary.ended === 'completed';
    return summary.error === null;
  } catch {
    return false;
  }
}

/**
 * The unfinished runs of this operation on this file under a results root, newest first; with a mapping hash (or
 * null for none), only those of that mapping.
 */
export async function unfinishedRunsFor(
  root: string,
  run: { file: string; operation: string; mapping?: string | null },
): Promise<string[]> {
  const found: string[] = [];
  for (const d of runFolders(root)) {
    // Finished first: a small summary.json read at once, where a journal is streamed. A results root keeps every
    // run's folder, and each new run looks through all of them (a hundred finished runs cost every run 60 ms).
    if (runFinished(d)) continue;
    const header = await readJournalHeader(d);
    if (
      header?.file === run.file &&
      header.operation === run.operation &&
      (run.mapping === undefined || header.mapping === run.mapping)
    )
      found.push(d);
  }
  return found;
}
