import fs from 'node:fs';
import path from 'node:path';

export type Outcome = 'created' | 'updated' | 'deleted' | 'failed' | 'skipped';

export interface Counts {
  total: number;
  created: number;
  updated: number;
  deleted: number;
  failed: number;
  skipped: number;
}

export interface FailureDetail {
  code: string;
  message: string;
  fields?: string[];
  /** The Ids an ambiguous record matched. */
  matchedIds?: string[];
  /** 300 for ambiguous matches, like Salesforce's Multiple Choices. */
  status?: number;
}

export function emptyCounts(): Counts {
  return { total: 0, created: 0, updated: 0, deleted: 0, failed: 0, skipped: 0 };
}

/** JSON of an input value; a record nested too deeply to write says so instead of crashing the run. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[not written: nested too deeply]';
  }
}

/** Keeps spreadsheet programs from running a value as a formula (=, +, -, @ at the start), except numbers. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? safeJson(value) : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** An append-only text file written in 64 KB pieces: one stream write per record costs more than the record. */
/**
 * An append-only text file written in 64 KB pieces with synchronous writes: one write per record would cost
 * more than the record, and a written piece survives the process being killed (resume relies on it).
 */
class BufferedFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  constructor(
    readonly file: string,
    append = false,
  ) {
    this.fd = fs.openSync(file, append ? 'a' : 'w', 0o600);
  }
  write(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= 65_536) this.flush();
  }
  flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

class CsvFile extends BufferedFile {
  /** With `append`, an existing non-empty file is continued; otherwise the header is written and flushed at once. */
  constructor(file: string, header: string[], append = false) {
    const continuing = append && fs.existsSync(file) && fs.statSync(file).size > 0;
    super(file, continuing);
    if (!continuing) {
      this.write(`${header.map(csvCell).join(',')}\n`);
      this.flush();
    }
  }
  row(cells: unknown[]): void {
    this.write(`${cells.map(csvCell).join(',')}\n`);
  }
  /** A success row: a line number, an outcome word and an Id, which need no quoting (checked for the Id). */
  outcomeRow(line: number, outcome: string, id: string | undefined): void {
    const cell = id === undefined ? '' : /^[A-Za-z0-9]*$/.test(id) ? id : csvCell(id);
    this.write(`${line},${outcome},${cell}\n`);
  }
}

const FAILURE_COLUMNS = [
  'line',
  'outcome',
  'status',
  'error_code',
  'error_message',
  'error_fields',
  'matched_ids',
];

/** What an interrupted run left, for its resumed run to continue the same files. */
export interface PriorResults {
  counts: Counts;
  failureCodes: Map<string, { count: number; lines: number[]; message: string; fields?: string[] }>;
  /** The failures file's input columns, when it has rows. */
  failureInputColumns: string[] | null;
  failuresStarted: boolean;
}

export interface ResultFiles {
  dir: string;
  success: string;
  failures: string;
  plan: string | null;
}

/**
 * Where every record's outcome goes, joined to its input line: successes, failures (with the input, so a
 * user can fix and re-run them), and for a dry run the exact payloads that would be sent.
 */
export class ResultSink {
  readonly counts: Counts;
  readonly failureCodes: Map<string, { count: number; lines: number[]; message: string; fields?: string[] }>;
  private readonly success: CsvFile;
  private failures: CsvFile | null = null;
  private readonly plan: BufferedFile | null;
  private inputColumns: string[] | null = null;

  constructor(
    readonly files: ResultFiles,
    private readonly csvInput: boolean,
    prior?: PriorResults,
  ) {
    fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    this.counts = prior ? { ...prior.counts } : emptyCounts();
    this.failureCodes = prior ? new Map(prior.failureCodes) : new Map();
    this.success = new CsvFile(files.success, ['line', 'outcome', 'id'], prior !== undefined);
    if (prior?.failuresStarted) {
      this.inputColumns = prior.failureInputColumns;
      this.failures = new CsvFile(
        files.failures,
        [...FAILURE_COLUMNS, ...(this.inputColumns ?? ['input'])],
        true,
      );
    }
    this.plan = files.plan ? new BufferedFile(files.plan) : null;
  }

  /** Puts every outcome decided so far on disk: called after each batch, so a killed run loses none. */
  checkpoint(): void {
    this.success.flush();
    this.failures?.flush();
    this.plan?.flush();
  }

  succeed(line: number, outcome: 'created' | 'updated' | 'deleted', id: string | undefined): void {
    this.counts.total++;
    this.counts[outcome]++;
    this.success.outcomeRow(line, outcome, id);
  }

  fail(
    line: number,
    input: Record<string, unknown> | string | undefined,
    detail: FailureDetail,
    outcome: 'failed' | 'skipped' = 'failed',
  ): void {
    this.counts.total++;
    this.counts[outcome]++;
    const key = outcome === 'skipped' ? 'SKIPPED' : detail.code;
    const entry = this.failureCodes.get(key) ?? {
      count: 0,
      lines: [],
      message: detail.message,
      fields: detail.fields,
    };
    entry.count++;
    if (entry.lines.length < 10) entry.lines.push(line);
    this.failureCodes.set(key, entry);
    if (!this.failures) {
      this.inputColumns = this.csvInput && input && typeof input === 'object' ? Object.keys(input) : null;
      this.failures = new CsvFile(this.files.failures, [
        ...FAILURE_COLUMNS,
        ...(this.inputColumns ?? ['input']),
      ]);
    }
    const inputCells = this.inputColumns
      ? this.inputColumns.map((c) => (input && typeof input === 'object' ? input[c] : ''))
      : [typeof input === 'string' ? input : input === undefined ? '' : safeJson(input)];
    this.failures.row([
      line,
      outcome,
      detail.status ?? '',
      detail.code,
      detail.message,
      (detail.fields ?? []).join(';'),
      (detail.matchedIds ?? []).join(';'),
      ...inputCells,
    ]);
  }

  /** A dry run's planned call for one record: what would be sent, to which Id. */
  planned(
    line: number,
    action: 'create' | 'update' | 'delete' | 'upsert',
    id: string | undefined,
    payload: Record<string, unknown>,
  ): void {
    this.counts.total++;
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
    this.success.outcomeRow(line, `would ${action}`, id);
    this.plan?.write(
      `{"line":${line},"action":"${action}","id":${id === undefined ? 'null' : JSON.stringify(id)},"payload":${JSON.stringify(payload)}}\n`,
    );
  }

  async close(): Promise<ResultFiles> {
    this.success.close();
    if (this.failures) this.failures.close();
    else if (!fs.existsSync(this.files.failures))
      fs.writeFileSync(this.files.failures, `${FAILURE_COLUMNS.join(',')}\n`, { mode: 0o600 });
    this.plan?.close();
    return this.files;
  }
}

export function resultFiles(dir: string, dryRun: boolean): ResultFiles {
  return {
    dir,
    success: path.join(dir, dryRun ? 'plan.csv' : 'success.csv'),
    failures: path.join(dir, dryRun ? 'rejected.csv' : 'failures.csv'),
    plan: dryRun ? path.join(dir, 'payloads.ndjson') : null,
  };
}
