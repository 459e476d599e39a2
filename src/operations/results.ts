import fs from 'node:fs';
import path from 'node:path';
import { csvField } from '../core/csv-quote.js';
import { flatJson } from '../core/flat-json.js';
import { FAILURE_COLUMNS, resultInputColumn, SUCCESS_COLUMNS } from '../core/result-columns.js';
import { emptyCounts, type Counts, type FailureDetail, type ResultFiles } from '../core/sync-types.js';
import { SfsyncError } from '../errors.js';

export { emptyCounts } from '../core/sync-types.js';
export type { Counts, FailureDetail, Outcome, ResultFiles } from '../core/sync-types.js';

/** JSON of an input value; a record nested too deeply to write says so instead of crashing the run. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[not written: nested too deeply]';
  }
}

/**
 * A cell sfsync writes itself (an error message, an input it could not read as columns): guarded against
 * spreadsheet programs running it as a formula (=, +, -, @ at the start), except numbers. Input columns are
 * never guarded: a results file fed back must send what the input held.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? safeJson(value) : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return csvField(s);
}

/** An input value as read, unguarded. */
function inputCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return csvField(
    typeof value === 'string' ? value : typeof value === 'object' ? safeJson(value) : String(value),
  );
}

/**
 * Opens a file of the results folder for writing, never through a symbolic link: a link planted in the folder
 * would otherwise make sfsync write (or truncate) whatever it points to.
 */
export function openResultFile(file: string, append = false): number {
  const c = fs.constants;
  const flags = c.O_WRONLY | c.O_CREAT | (append ? c.O_APPEND : c.O_TRUNC) | (c.O_NOFOLLOW ?? 0);
  try {
    return fs.openSync(file, flags, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new SfsyncError(
        'RESULTS_UNSAFE',
        `${file} is a symbolic link: sfsync does not write through links.`,
        {
          hint: `Remove the link, or pass another results folder with --results DIR.`,
        },
      );
    throw err;
  }
}

/** Writes a whole file of the results folder (summary.json), never through a link. */
export function writeResultFile(file: string, text: string): void {
  const fd = openResultFile(file);
  try {
    fs.writeSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates the results folder, or checks the one that exists: a real folder (not a link), the owner's only, since
 * result files hold the input's data.
 */
export function ensureResultsDir(dir: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (!fs.lstatSync(dir).isDirectory())
    throw new SfsyncError('RESULTS_UNSAFE', `${dir} is not a folder (a symbolic link or a file).`, {
      hint: 'Pass a real folder with --results DIR, or leave --results out for a new one.',
    });
  fs.chmodSync(dir, 0o700);
}

/**
 * An append-only text file written in 64 KB pieces with synchronous writes: one write per record would cost
 * more than the record, and a written piece survives the process being killed (resume relies on it).
 */
class BufferedFile {
  private readonly fd: number;
  private buffer = '';
  constructor(
    readonly file: string,
    append = false,
  ) {
    this.fd = openResultFile(file, append);
  }
  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= 65_536) this.flush();
  }
  flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
  /** Closes the file even when its last piece cannot be written (that error is thrown after). */
  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

class CsvFile extends BufferedFile {
  /**
   * With `append`, an existing non-empty file is continued; otherwise the header (sfsync's columns, then the
   * input's as they were named, those named like sfsync's with `input_` before them) is written and flushed at once.
   */
  constructor(file: string, own: readonly string[], input: readonly string[], append = false) {
    const continuing = append && fs.existsSync(file) && fs.statSync(file).size > 0;
    super(file, continuing);
    if (!continuing) {
      this.write(`${[...own.map(csvCell), ...input.map((c) => csvField(resultInputColumn(c)))].join(',')}\n`);
      this.flush();
    }
  }
}

export { FAILURE_COLUMNS, SUCCESS_COLUMNS } from '../core/result-columns.js';

/** The failures of one cause: how many, the first lines, and the records they collided with (duplicate rules). */
export interface FailureGroup {
  count: number;
  lines: number[];
  message: string;
  fields?: string[];
  /** The first existing records (up to 10) the group's records were found to duplicate. */
  matchedIds?: string[];
  /** A results file fed back: the lines `lines` came from in the first run's input (`original_line`). */
  originalLines?: number[];
}

/**
 * The cause a failure is counted under in the summary: records not sent are "SKIPPED" whatever stopped them, but
 * records sent whose outcome is not known (UNCERTAIN, BULK_RESULTS_UNREAD, UNKNOWN_OUTCOME) are a cause of their own.
 */
export function failureKey(outcome: string, code: string): string {
  return outcome === 'skipped' && !SENT_UNANSWERED.has(code) && code !== 'BLANK_ROW' ? 'SKIPPED' : code;
}

/** The `original_line` a record of a results file fed back carries, if it does. */
export function originalLine(input: Record<string, unknown> | string | undefined): number | undefined {
  const cell = typeof input === 'object' ? input.original_line : undefined;
  const n = typeof cell === 'string' && /^\d+$/.test(cell) ? Number(cell) : undefined;
  return n;
}

/** Skipped records that were sent and whose outcome is not known. */
export const SENT_UNANSWERED = new Set(['BULK_RESULTS_UNREAD', 'UNCERTAIN', 'UNKNOWN_OUTCOME']);

/** What an interrupted run left, for its resumed run to continue the same files. */
export interface PriorResults {
  counts: Counts;
  failureCodes: Map<string, FailureGroup>;
}

/**
 * Where every record's outcome goes, joined to its input line: successes and failures, each with the input's
 * columns as they were read (so a user can fix and re-run the failures, or delete what was created), and for a
 * dry run the exact payloads that would be sent.
 */
export class ResultSink {
  readonly counts: Counts;
  readonly failureCodes: Map<string, FailureGroup>;
  /**
   * Told of each success before its row is written (a resumed run's before-images, see resent-creates.ts); it may
   * answer the outcome the run as a whole had: `created` for a record a killed attempt created.
   */
  onSucceed?: (line: number, outcome: string, id: string | undefined) => 'created' | undefined;
  /** Told of every outcome: where a stopped run is in its input (line-ledger.ts). */
  onOutcome?: (line: number, outcome: string, code?: string) => void;
  private readonly success: CsvFile;
  private readonly failures: CsvFile;
  private readonly plan: BufferedFile | null;

  /**
   * `inputColumns`: the CSV header; null for NDJSON, whose records go into one `input` column of JSON (in
   * failures only).
   */
  constructor(
    readonly files: ResultFiles,
    private readonly inputColumns: string[] | null,
    prior?: PriorResults,
  ) {
    ensureResultsDir(files.dir);
    this.counts = prior ? { ...prior.counts } : emptyCounts();
    this.failureCodes = prior ? new Map(prior.failureCodes) : new Map<string, FailureGroup>();
    // A dry run's plan says what would be done to each line; its payloads are in payloads.ndjson.
    this.success = new CsvFile(
      files.success,
      SUCCESS_COLUMNS,
      files.plan ? [] : (inputColumns ?? []),
      prior !== undefined,
    );
    this.failures = new CsvFile(
      files.failures,
      FAILURE_COLUMNS,
      inputColumns ?? ['input'],
      prior !== undefined,
    );
    this.plan = files.plan ? new BufferedFile(files.plan) : null;
  }

  /** Puts every outcome decided so far on disk: called after each batch, so a killed run loses none. */
  checkpoint(): void {
    this.success.flush();
    this.failures.flush();
    this.plan?.flush();
  }

  /** The input's cells of a row; `whole` puts a record that is not columns (NDJSON, unreadable) in one cell. */
  private inputCells(input: Record<string, unknown> | string | undefined, whole: boolean): string {
    const columns = this.inputColumns;
    if (!columns) {
      if (!whole) return '';
      return `,${csvCell(typeof input === 'string' ? input : input === undefined ? '' : safeJson(input))}`;
    }
    if (columns.length === 0) return '';
    const values = input && typeof input === 'object' ? input : undefined;
    let out = '';
    for (const c of columns) out += `,${values ? inputCell(values[c]) : ''}`;
    return out;
  }

  succeed(
    line: number,
    outcome: 'created' | 'updated' | 'unchanged' | 'deleted',
    id: string | undefined,
    input?: Record<string, unknown>,
  ): void {
    this.succeedCells(line, outcome, id, this.inputColumns ? this.inputCells(input, false) : '');
  }

  /**
   * A record's input as the cells its result rows end with (`rowCells`), rendered once: the Bulk path keeps them on
   * disk while the record waits for its job, and writes them with `succeedCells` or `failCells`.
   */
  rowCells(input: Record<string, unknown> | string | undefined): string {
    return this.inputCells(input, true);
  }

  succeedCells(
    line: number,
    outcome: 'created' | 'updated' | 'unchanged' | 'deleted',
    id: string | undefined,
    cells: string,
  ): void {
    outcome = this.onSucceed?.(line, outcome, id) ?? outcome;
    this.onOutcome?.(line, outcome);
    this.counts.total++;
    this.counts[outcome]++;
    // Line numbers, outcome words and Salesforce Ids need no quoting (checked for the Id).
    const cell = id === undefined ? '' : /^[A-Za-z0-9]*$/.test(id) ? id : csvCell(id);
    // Records that are not columns (NDJSON) have their input in the failures file only.
    this.success.write(`${line},${outcome},${cell}${this.inputColumns ? cells : ''}\n`);
  }

  fail(
    line: number,
    input: Record<string, unknown> | string | undefined,
    detail: FailureDetail,
    outcome: 'failed' | 'skipped' = 'failed',
  ): void {
    this.failCells(line, this.inputCells(input, true), detail, outcome, originalLine(input));
  }

  failCells(
    line: number,
    cells: string,
    detail: FailureDetail,
    outcome: 'failed' | 'skipped' = 'failed',
    origin?: number,
  ): void {
    this.onOutcome?.(line, outcome, detail.code);
    this.counts.total++;
    this.counts[outcome]++;
    // Records sent whose outcome is not known yet are told apart from those never sent.
    const key = failureKey(outcome, detail.code);
    for (const cause of key === 'SKIPPED' ? [{ ...detail, code: 'SKIPPED' }] : (detail.causes ?? [detail])) {
      const entry = this.failureCodes.get(cause.code) ?? {
        count: 0,
        lines: [],
        message: cause.message,
        fields: cause.fields,
      };
      entry.count++;
      if (entry.lines.length < 10) {
        entry.lines.push(line);
        if (origin !== undefined) (entry.originalLines ??= []).push(origin);
      }
      if (cause.code === 'DUPLICATES_DETECTED' && detail.matchedIds) {
        const ids = new Set(entry.matchedIds);
        for (const id of detail.matchedIds) if (ids.size < 10) ids.add(id);
        entry.matchedIds = [...ids];
      }
      this.failureCodes.set(cause.code, entry);
    }
    const own = [
      line,
      outcome,
      detail.status ?? '',
      detail.code,
      detail.message,
      (detail.fields ?? []).join(';'),
      (detail.matchedIds ?? []).join(';'),
    ];
    this.failures.write(`${own.map(csvCell).join(',')}${cells}\n`);
  }

  /** A dry run's planned call for one record: what would be sent, to which Id. */
  planned(
    line: number,
    action: 'create' | 'update' | 'delete' | 'upsert' | 'unchanged',
    id: string | undefined,
    payload: Record<string, unknown>,
  ): void {
    this.onOutcome?.(line, action);
    this.counts.total++;
    if (action === 'unchanged') {
      // Nothing would be sent: no payload.
      this.counts.unchanged++;
      this.success.write(`${line},unchanged,${id === undefined ? '' : csvCell(id)}\n`);
      return;
    }
    // An offline upsert cannot know whether it would create or update: it is valid, but counted as skipped.
    this.counts[
      action === 'create'
        ? 'created'
        : action === 'update'
          ? 'updated'
          : action === 'delete'
            ? 'deleted'
            : 'skipped'
    ]++;
    const cell = id === undefined ? '' : csvCell(id);
    this.success.write(`${line},would ${action},${cell}\n`);
    this.plan?.write(
      `{"line":${line},"action":"${action}","id":${id === undefined ? 'null' : JSON.stringify(id)},"payload":${flatJson(payload)}}\n`,
    );
  }

  /** Closes every file, even after one fails to take its last piece; the first such error is thrown. */
  async close(): Promise<ResultFiles> {
    closeAll([() => this.success.close(), () => this.failures.close(), () => this.plan?.close()]);
    return this.files;
  }
}

/** Runs every close, whatever fails; then throws the first error, if any. */
export function closeAll(closes: Array<() => void>): void {
  // Boxed: a thrown undefined is an error too, and the box keeps it apart from "nothing failed".
  let first: { error: unknown } | undefined;
  for (const close of closes) {
    try {
      close();
    } catch (error) {
      first ??= { error };
    }
  }
  if (first) throw first.error;
}

export function resultFiles(dir: string, dryRun: boolean): ResultFiles {
  return {
    dir,
    success: path.join(dir, dryRun ? 'plan.csv' : 'success.csv'),
    failures: path.join(dir, dryRun ? 'rejected.csv' : 'failures.csv'),
    plan: dryRun ? path.join(dir, 'payloads.ndjson') : null,
  };
}
