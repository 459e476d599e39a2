import type { BulkJobSpec, SalesforceClient, SaveResult } from '../salesforce/client.js';
import { rowLocks } from '../salesforce/retry.js';
import { columnsOf, lineWriter, quote } from './bulk-csv.js';
import { JobResults, notProcessed, resultJoiner, unanswered } from './bulk-results.js';
import { BulkJobFile, removeStaleJobFiles } from './bulk-job-file.js';
import { answers, missing, newPart, type Part, type Piece } from './bulk-parts.js';
import { LineIndex, lineHash } from './line-index.js';
import type { RecordWriter, Sent } from './writer.js';

export { csvLineOf, parseBulkError, resultLine } from './bulk-csv.js';

export interface BulkJobReport {
  id: string;
  operation: BulkJobSpec['operation'];
  object: string;
  records: number;
  state: string;
  errorMessage?: string;
}

/** A job being filled, waiting for a free slot, or running. */
interface Job {
  spec: BulkJobSpec;
  columns: string[];
  columnSet: Set<string>;
  write: (record: Record<string, unknown>) => string | SaveResult;
  /** The CSV as the job fills: on disk, but for the last lines not joined into one piece yet. */
  file: BulkJobFile;
  lines: string[];
  count: number;
  bytes: number;
  /** The lines by hash, to join the results back (the text is not kept once uploaded). */
  index: LineIndex;
  pieces: Piece[];
  closed?: boolean;
  /** Why the job's CSV could not be written to its file. */
  failure?: Error;
  upload?: { file: string; bytes: number; records: number };
  timer?: NodeJS.Timeout;
}

/**
 * The shortest wait for more records: longer than the local org takes to answer a query, so a job is not closed
 * while the engine is still matching the records that would fill it (tests run with a fast retry policy).
 */
const LINGER_MIN_MS = 100;

/** Lines joined into one string at a time while a job fills: one string instead of thousands of small ones. */
const JOIN_LINES = 4096;

export interface BulkWriterOptions {
  /** Records per job at most (--batch-size). */
  jobRecords: number;
  /** Jobs running at once (--concurrency). */
  jobsAtOnce: number;
  /** Salesforce's upload limit for one job's CSV. */
  maxUploadBytes: number;
  /**
   * How long a job that is not full waits for more records before it is closed and sent (default: twice the
   * client's retry base delay, 1 s; at least LINGER_MIN_MS).
   */
  lingerMs?: number;
  onJob?: (job: BulkJobReport) => void;
  /** Deletes are hardDelete jobs (--hard): the records skip the Recycle Bin. */
  hardDelete?: boolean;
  /** The assignment rule jobs that save records run (--assignment-rule). */
  assignmentRuleId?: string;
}

/** Appends record `i` of `part` to the job as one CSV line, extending the part's last piece when it is adjacent. */
function addLine(job: Job, part: Part, i: number, line: string, bytes: number): void {
  const at = job.count++;
  job.lines.push(line);
  if (job.lines.length >= JOIN_LINES) {
    job.file.append(`${job.lines.join('\n')}\n`);
    job.lines = [];
  }
  job.bytes += bytes;
  job.index.add(lineHash(line));
  const last = job.pieces[job.pieces.length - 1];
  if (last?.part === part && last.from + last.count === i) last.count++;
  else {
    job.pieces.push({ part, from: i, at, count: 1 });
    part.waiting++;
  }
}

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
  /** Where the jobs' CSV files wait (the results folder); a private temporary folder until one is given. */
  private folder: string | undefined;

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

  /**
   * The folder for the jobs' CSV files (the run's results folder, the owner's only), and what to tell every few
   * thousand result rows read: a job's results are hundreds of thousands of rows read in one go, with no batch
   * ending meanwhile (the run's heap governor checks then, see heap.ts).
   */
  useFolder(dir: string, tick?: () => void): void {
    removeStaleJobFiles(dir);
    this.folder = dir;
    this.tick = tick;
  }
  private tick: (() => void) | undefined;

  /** Sends the jobs being filled now, without waiting for them to fill up (the engine is about to wait). */
  flush(): void {
    for (const job of [...this.filling.values()]) this.close(job);
  }

  /** A closed job waits for a free slot: the engine stops reading until one ends. */
  busy(): boolean {
    return this.ready.length > 0;
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
    const write = job?.write ?? lineWriter(jobColumns);
    const { part, promise } = newPart(records.length, sent);
    for (let i = 0; i < records.length; i++) {
      const line = write(records[i] as Record<string, unknown>);
      if (typeof line !== 'string') {
        // Refused alone, never sent: the records around it go on.
        (part.refused ??= new Map()).set(i, line);
        continue;
      }
      const bytes = Buffer.byteLength(line) + 1;
      if (
        job &&
        job.count > 0 &&
        (job.count >= this.options.jobRecords || job.bytes + bytes > this.options.maxUploadBytes)
      ) {
        this.close(job);
        job = undefined;
      }
      if (!job) {
        job = this.newJob(spec, jobColumns, write);
        this.filling.set(key, job);
      }
      addLine(job, part, i, line, bytes);
    }
    if (part.waiting === 0) {
      part.settled = true;
      part.resolve(answers(part) as SaveResult[]);
    } else if (job) {
      if (job.count >= this.options.jobRecords) this.close(job);
      else this.linger(job);
    }
    return promise;
  }

  /** Closes the job when no more records come for a moment, so it never waits for ever for its last records. */
  private linger(job: Job): void {
    clearTimeout(job.timer);
    const ms = this.options.lingerMs ?? Math.max(LINGER_MIN_MS, 2 * this.client.retry.baseDelayMs);
    const wait = (): void => {
      // Held back while other jobs run: their end brings more records (the engine waits for it), and a small
      // job would cost calls. Once none runs, nothing else can fill it.
      if (this.running > 0 || this.busy()) job.timer = setTimeout(wait, ms);
      else this.close(job);
    };
    job.timer = setTimeout(wait, ms);
  }

  private newJob(spec: BulkJobSpec, columns: string[], write: Job['write']): Job {
    const header = `${columns.map(quote).join(',')}\n`;
    const file = new BulkJobFile(this.folder);
    file.append(header);
    return {
      spec,
      columns,
      columnSet: new Set(columns),
      write,
      file,
      lines: [],
      count: 0,
      bytes: Buffer.byteLength(header),
      index: new LineIndex(),
      pieces: [],
    };
  }

  private close(job: Job): void {
    clearTimeout(job.timer);
    for (const [key, open] of this.filling) if (open === job) this.filling.delete(key);
    if (job.closed) return;
    job.closed = true;
    if (job.lines.length > 0) job.file.append(`${job.lines.join('\n')}\n`);
    job.lines = [];
    try {
      job.upload = { file: job.file.file, bytes: job.file.finish(), records: job.count };
    } catch (err) {
      // Not written (a full disk): the job fails as one whose upload was refused, before anything is sent.
      job.failure = err instanceof Error ? err : new Error(String(err));
    }
    job.index.seal();
    this.ready.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.options.jobsAtOnce && this.ready.length > 0) {
      const job = this.ready.shift() as Job;
      this.running++;
      void this.runJob(job).finally(() => {
        try {
          job.file.remove();
        } catch {
          // A job file left behind costs disk only: the run goes on.
        }
        this.running--;
        this.pump();
      });
    }
  }

  private async runJob(job: Job): Promise<void> {
    const results = new JobResults(job.pieces.reduce((n, p) => n + p.count, 0));
    try {
      if (job.failure !== undefined) throw job.failure;
      await this.send(job, results);
    } catch (err) {
      // Every record of the job gets this answer; the records of its parts in other jobs get theirs, so no record
      // is reported for a job that did not carry it.
      const { answer, stop, jobId } = unanswered(err);
      // Records a result set already read has settled keep that outcome. Those of a job refused at its upload for
      // a row lock (nothing of it applied) are sent again, with the values read back from its file.
      const resends = !jobId && rowLocks.is(stop.code) ? this.readBack(job) : undefined;
      results.fallback = answer;
      if (resends)
        for (let i = 0; i < results.size; i++) {
          const resend = resends[i];
          if (resend && !results.has(i)) results.set(i, { ...answer, resend });
        }
    }
    for (let p = 0; p < job.pieces.length; p++) {
      const { part, from, at, count: n } = job.pieces[p] as Piece;
      const answered = answers(part);
      for (let k = 0; k < n; k++) answered[from + k] = results.get(at + k);
      if (--part.waiting > 0 || part.settled) continue;
      part.settled = true;
      part.results = undefined;
      part.resolve(answered.map((r) => r ?? missing));
      // The engine writes a few write calls' outcomes before the next ones' answers are built: a job's answers
      // never all exist as objects at once.
      if (p % 8 === 7) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private withTicks<A extends unknown[]>(onRow: (...row: A) => void): (...row: A) => void {
    const tick = this.tick;
    if (!tick) return onRow;
    let rows = 0;
    return (...row) => {
      onRow(...row);
      if (++rows % 5000 === 0) tick();
    };
  }

  private readBack(job: Job): Array<Record<string, unknown>> | undefined {
    try {
      return job.file.records(job.columns);
    } catch {
      // Not readable: the records fail with the job's error instead of being resent.
      return undefined;
    }
  }

  private async send(job: Job, results: JobResults): Promise<void> {
    const { spec, columns, index } = job;
    const upload = job.upload as NonNullable<Job['upload']>;
    const report: BulkJobReport = {
      id: '',
      operation: spec.operation,
      object: spec.object,
      records: results.size,
      state: 'Open',
    };
    const outcome = await this.client.bulkIngest(
      spec,
      upload,
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
      this.withTicks(resultJoiner(columns, index, results)),
    );
    report.state = outcome.state;
    report.errorMessage = outcome.errorMessage;
    results.fallback = { success: false, errors: [notProcessed(outcome)] };
  }
}
