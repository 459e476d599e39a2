import { csvField as quote } from '../core/csv-quote.js';
import {
  unreadJobOf,
  type BulkJobSpec,
  type SalesforceClient,
  type SaveResult,
} from '../salesforce/client.js';
import { toSfsyncError } from '../errors.js';
import type { RecordWriter, Sent } from './writer.js';

export interface BulkJobReport {
  id: string;
  operation: BulkJobSpec['operation'];
  object: string;
  records: number;
  state: string;
  errorMessage?: string;
}

/** A Bulk API 2.0 CSV cell: null clears the field (`#N/A`), a missing value leaves it as it is (empty). */
function cell(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return '#N/A';
  return typeof value === 'string' ? value : String(value);
}

function columnsOf(records: Array<Record<string, unknown>>): string[] {
  const columns = new Set<string>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      // A parent by external ID becomes a relationship column: Account.External_Id__c.
      if (v !== null && typeof v === 'object') for (const key of Object.keys(v)) columns.add(`${k}.${key}`);
      else columns.add(k);
    }
  }
  return [...columns];
}

function valueAt(record: Record<string, unknown>, column: string): unknown {
  const dot = column.indexOf('.');
  if (dot < 0) return record[column];
  const parent = record[column.slice(0, dot)];
  return parent !== null && typeof parent === 'object'
    ? (parent as Record<string, unknown>)[column.slice(dot + 1)]
    : undefined;
}

/**
 * Why a record cannot go in a Bulk job as it is, if it cannot: Bulk API 2.0 reads a cell holding `#N/A` as "clear
 * the field" where REST stores the text, so the same input would mean something else on each API.
 */
function refusal(columns: string[], record: Record<string, unknown>): SaveResult | undefined {
  const field = columns.find((c) => valueAt(record, c) === '#N/A');
  if (field === undefined) return undefined;
  return {
    success: false,
    errors: [
      {
        statusCode: 'BULK_NA_TEXT',
        message: `${field} holds the text "#N/A", which Bulk API 2.0 reads as "clear the field" (REST stores the text): not sent.`,
        fields: [field],
      },
    ],
  };
}

/** A record whose values cannot be written as CSV: it fails alone, before anything of it is sent. */
function unwritable(err: unknown): SaveResult {
  return {
    success: false,
    errors: [
      {
        statusCode: 'BULK_CSV_UNWRITABLE',
        message: `Its values cannot be written as a line of a Bulk job's CSV (${err instanceof Error ? err.message : String(err)}): not sent.`,
        fields: [],
      },
    ],
  };
}

/** A record as the line of a job's CSV with these columns (without its newline). */
export function csvLineOf(columns: string[], record: Record<string, unknown>): string {
  return columns.map((c) => quote(cell(valueAt(record, c)))).join(',');
}

/** The uploaded values a result row repeats, as the CSV line they were uploaded as. */
export function resultLine(values: string[]): string {
  return values.map(quote).join(',');
}

/** `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --` → its code, message and fields. */
export function parseBulkError(text: string): SaveResult['errors'][number] {
  const body = text.replace(/\s*--\s*$/, '');
  const first = body.indexOf(':');
  const last = body.lastIndexOf(':');
  if (first < 0) return { statusCode: 'UNKNOWN_EXCEPTION', message: body, fields: [] };
  const statusCode = body.slice(0, first);
  const message = last > first ? body.slice(first + 1, last) : body.slice(first + 1);
  const fields =
    last > first
      ? body
          .slice(last + 1)
          .split(',')
          .filter(Boolean)
      : [];
  return { statusCode, message, fields };
}

/** FNV-1a over the UTF-16 code units of a CSV line: the join key, checked against the line itself. */
function hashLine(line: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** One write call of the engine: its records may land in one job or, at a job's limits, in several. */
interface Part {
  results: Array<SaveResult | undefined>;
  /** Pieces of the part whose job has not answered yet. */
  waiting: number;
  settled: boolean;
  /** Told as each job holding some of the part's records is opened (before its upload), with those records. */
  sent: Sent | undefined;
  resolve: (results: SaveResult[]) => void;
}

/** A run of a part's records that sit next to each other in one job. */
interface Piece {
  part: Part;
  /** Index of the first record in the part, and in the job. */
  from: number;
  at: number;
  count: number;
}

/** A job being filled, waiting for a free slot, or running. */
interface Job {
  spec: BulkJobSpec;
  columns: string[];
  columnSet: Set<string>;
  /** The CSV lines while the job fills; joined into `csv` when it is closed. */
  lines: string[];
  bytes: number;
  /** Hash of a CSV line → index of the record in the job, or indexes when lines share a hash. */
  rows: Map<number, number | number[]>;
  pieces: Piece[];
  closed?: boolean;
  csv?: string;
  /** Where each line starts in `csv`, and one past the end. */
  offsets?: Uint32Array;
  timer?: NodeJS.Timeout;
}

export interface BulkWriterOptions {
  /** Records per job at most (--batch-size). */
  jobRecords: number;
  /** Jobs running at once (--concurrency). */
  jobsAtOnce: number;
  /** Salesforce's upload limit for one job's CSV. */
  maxUploadBytes: number;
  /** How long a job that is not full waits for more records before it is closed and sent. */
  lingerMs?: number;
  onJob?: (job: BulkJobReport) => void;
  /** Deletes are hardDelete jobs (--hard): the records skip the Recycle Bin. */
  hardDelete?: boolean;
  /** The assignment rule jobs that save records run (--assignment-rule). */
  assignmentRuleId?: string;
}

const missing: SaveResult = {
  success: false,
  errors: [
    {
      statusCode: 'BULK_RESULT_MISSING',
      message: 'The Bulk API job returned no result for this record.',
      fields: [],
    },
  ],
};

/**
 * Writes through Bulk API 2.0. The engine's write calls are small; their records are gathered into jobs of up to
 * `jobRecords` records (a new job when the upload limit or a new column would be passed), each job run step by
 * step, a few at a time, and Salesforce's unordered results joined back to the records by their values. A record
 * waits as one CSV line, not as an object, so tens of thousands of them can be in flight in little memory.
 */
export class BulkWriter implements RecordWriter {
  readonly jobs: BulkJobReport[] = [];
  private readonly filling = new Map<string, Job>();
  private readonly ready: Job[] = [];
  private running = 0;

  constructor(
    private readonly client: SalesforceClient,
    private readonly options: BulkWriterOptions,
  ) {}

  create(object: string, records: Array<Record<string, unknown>>, sent?: Sent): Promise<SaveResult[]> {
    return this.add({ object, operation: 'insert' }, records, sent);
  }
  update(
    object: string,
    records: Array<Record<string, unknown> & { Id: string }>,
    sent?: Sent,
  ): Promise<SaveResult[]> {
    return this.add({ object, operation: 'update' }, records, sent);
  }
  upsert(
    object: string,
    field: string,
    records: Array<Record<string, unknown>>,
    sent?: Sent,
  ): Promise<SaveResult[]> {
    return this.add({ object, operation: 'upsert', externalIdFieldName: field }, records, sent);
  }
  delete(object: string, ids: string[], sent?: Sent): Promise<SaveResult[]> {
    return this.add(
      { object, operation: this.options.hardDelete ? 'hardDelete' : 'delete' },
      ids.map((Id) => ({ Id })),
      sent,
    );
  }

  /** Sends the jobs being filled now, without waiting for them to fill up (the engine is about to wait). */
  flush(): void {
    for (const job of [...this.filling.values()]) this.close(job);
  }

  /** Takes the records' CSV lines at once: the caller's objects are not held while the job runs. */
  private add(
    spec: BulkJobSpec,
    records: Array<Record<string, unknown>>,
    sent?: Sent,
  ): Promise<SaveResult[]> {
    if (records.length === 0) return Promise.resolve([]);
    // --assignment-rule: a job that saves Leads or Cases names the rule to run (Bulk runs none otherwise).
    if (this.options.assignmentRuleId && !spec.operation.toLowerCase().includes('delete'))
      spec = { ...spec, assignmentRuleId: this.options.assignmentRuleId };
    const columns = columnsOf(records);
    const key = `${spec.object}\u0000${spec.operation}\u0000${spec.externalIdFieldName ?? ''}`;
    let job = this.filling.get(key);
    // A job has one header: records bringing a column it lacks start the next job.
    if (job && !columns.every((c) => job?.columnSet.has(c))) {
      this.close(job);
      job = undefined;
    }
    const jobColumns = job?.columns ?? columns;
    let resolve: Part['resolve'] = () => {};
    const promise = new Promise<SaveResult[]>((res) => {
      resolve = res;
    });
    const part: Part = {
      results: new Array<SaveResult | undefined>(records.length),
      waiting: 0,
      settled: false,
      resolve,
      sent,
    };
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as Record<string, unknown>;
      const refused = refusal(jobColumns, record);
      if (refused) {
        // Refused alone, never sent: the records around it go on.
        part.results[i] = refused;
        continue;
      }
      let line: string;
      try {
        line = csvLineOf(jobColumns, record);
      } catch (err) {
        part.results[i] = unwritable(err);
        continue;
      }
      const bytes = Buffer.byteLength(line) + 1;
      if (
        job &&
        job.lines.length > 0 &&
        (job.lines.length >= this.options.jobRecords || job.bytes + bytes > this.options.maxUploadBytes)
      ) {
        this.close(job);
        job = undefined;
      }
      if (!job) {
        job = this.newJob(spec, jobColumns);
        this.filling.set(key, job);
      }
      const at = job.lines.length;
      job.lines.push(line);
      job.bytes += bytes;
      const h = hashLine(line);
      const seen = job.rows.get(h);
      if (seen === undefined) job.rows.set(h, at);
      else if (typeof seen === 'number') job.rows.set(h, [seen, at]);
      else seen.push(at);
      const last = job.pieces[job.pieces.length - 1];
      if (last?.part === part && last.from + last.count === i) last.count++;
      else {
        job.pieces.push({ part, from: i, at, count: 1 });
        part.waiting++;
      }
    }
    if (part.waiting === 0) {
      part.settled = true;
      resolve(part.results as SaveResult[]);
    } else if (job) {
      if (job.lines.length >= this.options.jobRecords) this.close(job);
      else {
        // Closed when no more records come for a moment, so a job never waits for ever for its last records.
        clearTimeout(job.timer);
        const filled = job;
        job.timer = setTimeout(() => this.close(filled), this.options.lingerMs ?? 1000);
      }
    }
    return promise;
  }

  private newJob(spec: BulkJobSpec, columns: string[]): Job {
    const header = `${columns.map(quote).join(',')}\n`;
    return {
      spec,
      columns,
      columnSet: new Set(columns),
      lines: [],
      bytes: Buffer.byteLength(header),
      rows: new Map(),
      pieces: [],
    };
  }

  private close(job: Job): void {
    clearTimeout(job.timer);
    for (const [key, open] of this.filling) if (open === job) this.filling.delete(key);
    if (job.closed) return;
    job.closed = true;
    const header = `${job.columns.map(quote).join(',')}\n`;
    const offsets = new Uint32Array(job.lines.length + 1);
    let at = header.length;
    job.lines.forEach((line, i) => {
      offsets[i] = at;
      at += line.length + 1;
    });
    offsets[job.lines.length] = at;
    job.csv = `${header}${job.lines.join('\n')}\n`;
    job.offsets = offsets;
    job.lines = [];
    this.ready.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.options.jobsAtOnce && this.ready.length > 0) {
      const job = this.ready.shift() as Job;
      this.running++;
      void this.runJob(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async runJob(job: Job): Promise<void> {
    const count = job.pieces.reduce((n, p) => n + p.count, 0);
    const results = new Array<SaveResult | undefined>(count);
    try {
      await this.send(job, results);
    } catch (err) {
      // Every record of the job gets this answer; the records of its parts in other jobs get theirs, so no record
      // is reported for a job that did not carry it.
      const stop = toSfsyncError(err);
      const jobId = unreadJobOf(err);
      const answer: SaveResult = {
        success: false,
        errors: [
          jobId
            ? {
                // The job was closed, so Salesforce may have run it: its records are left for --resume, never failed.
                statusCode: 'BULK_RESULTS_UNREAD',
                message: `Sent in Bulk job ${jobId}, whose results could not be read (${stop.code}: ${stop.message}): Salesforce may have applied it. Run the same command with --resume: it reads the job's results and settles this record.`,
                fields: [],
              }
            : // Not closed: nothing of the job is applied.
              { statusCode: stop.code, message: stop.message, fields: [] },
        ],
        stop,
      };
      // Records a result set already read has settled keep that outcome.
      for (let i = 0; i < results.length; i++) results[i] ??= answer;
    }
    for (const { part, from, at, count: n } of job.pieces) {
      for (let k = 0; k < n; k++) part.results[from + k] = results[at + k];
      if (--part.waiting > 0 || part.settled) continue;
      part.settled = true;
      part.resolve(part.results.map((r) => r ?? missing));
    }
  }

  private async send(job: Job, results: Array<SaveResult | undefined>): Promise<void> {
    const { spec, columns, rows } = job;
    const csv = job.csv as string;
    const offsets = job.offsets as Uint32Array;
    const report: BulkJobReport = {
      id: '',
      operation: spec.operation,
      object: spec.object,
      records: results.length,
      state: 'Open',
    };
    /** The first record not yet given a result among those uploaded with exactly these values. */
    const take = (values: string[]): number | undefined => {
      const line = resultLine(values);
      const h = hashLine(line);
      const found = rows.get(h);
      const candidates = found === undefined ? [] : typeof found === 'number' ? [found] : found;
      const k = candidates.findIndex(
        (i) =>
          offsets[i + 1] === (offsets[i] as number) + line.length + 1 && csv.startsWith(line, offsets[i]),
      );
      if (k < 0) return undefined;
      const i = candidates[k];
      if (candidates.length === 1) rows.delete(h);
      else if (Array.isArray(found)) found.splice(k, 1);
      return i;
    };
    let layout: { header: string[]; id: number; flag: number; columns: number[] } | undefined;
    job.csv = undefined;
    const outcome = await this.client.bulkIngest(
      spec,
      csv,
      (id) => {
        for (const { part, from, count } of job.pieces) part.sent?.(id, from, count);
        // A second job for the same records: the first one's upload was cut off, and it was aborted.
        if (report.id)
          this.jobs.splice(this.jobs.indexOf(report), 0, {
            ...report,
            state: 'Aborted',
            errorMessage: 'its upload was cut off: aborted, and its records sent in a new job',
          });
        else this.jobs.push(report);
        report.id = id;
        this.options.onJob?.(report);
      },
      (set, header, row) => {
        // Where sf__Id, sf__Created or sf__Error and the uploaded columns are, once per result set.
        if (layout?.header !== header) {
          const flag = set === 'successfulResults' ? 'sf__Created' : 'sf__Error';
          layout = {
            header,
            id: header.indexOf('sf__Id'),
            flag: header.indexOf(flag),
            columns: columns.map((c) => header.indexOf(c)),
          };
        }
        const { id, flag, columns: at } = layout;
        const i = take(at.map((k) => (k < 0 ? '' : (row[k] ?? ''))));
        if (i === undefined) return;
        results[i] =
          set === 'successfulResults'
            ? { id: row[id], success: true, created: row[flag] === 'true', errors: [] }
            : { id: row[id] || undefined, success: false, errors: [parseBulkError(row[flag] ?? '')] };
      },
    );
    report.state = outcome.state;
    report.errorMessage = outcome.errorMessage;
    const notDone =
      outcome.state === 'Failed'
        ? {
            statusCode: 'BULK_JOB_FAILED',
            message: `Bulk job ${outcome.jobId} failed: ${outcome.errorMessage ?? 'no reason given'}`,
            fields: [],
          }
        : {
            statusCode: 'NOT_PROCESSED',
            message: `Bulk job ${outcome.jobId} ended ${outcome.state} before processing this record.`,
            fields: [],
          };
    for (let i = 0; i < results.length; i++)
      if (!results[i]) results[i] = { success: false, errors: [notDone] };
  }
}
