import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'csv-parse/sync';
import { BulkQueryJobs, jobHead } from './bulk-query.js';
import {
  applyRow,
  column,
  csvLine,
  hardDeleteRefused,
  type Column,
  type IngestOperation,
  type JobState,
  type RowResult,
} from './bulk-rows.js';
import { apiError, notFound, parseJsonBody, readBody, sendEmpty, sendJson } from './http.js';
import type { LockTransaction } from './record-locks.js';
import type { ObjectData, OrgStore } from './store.js';
import { formatDateTime } from './values.js';

export {
  hardDeleteRefused,
  type Column,
  type IngestOperation,
  type RowJob,
  type RowResult,
} from './bulk-rows.js';

const DELIMITERS: Record<string, string> = {
  COMMA: ',',
  BACKQUOTE: '`',
  CARET: '^',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
};
/** Salesforce splits ingest data into internal batches of 10,000 records; their order in results is not kept. */
const INTERNAL_BATCH = 10_000;
/** Records of one transaction inside an internal batch. */
const LOCK_CHUNK = 200;

interface IngestJob {
  id: string;
  object: string;
  operation: IngestOperation;
  externalIdFieldName?: string;
  /** The Lead or Case assignment rule the job runs (none without it) [doc Bulk API 2.0 "Create a Job"]. */
  assignmentRuleId?: string;
  /** The transaction of the chunk being processed (row locks). */
  lock?: LockTransaction;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: string;
  state: JobState;
  createdDate: string;
  systemModstamp: string;
  apiVersion: number;
  uploads: Buffer[];
  uploadedBytes: number;
  header: string[];
  results: RowResult[];
  unprocessed: string[][];
  processed: number;
  failed: number;
  errorMessage?: string;
  started?: number;
  finished?: number;
}

export interface BulkLimits {
  /** Largest CSV upload accepted, in bytes (Salesforce: 150 MB after base64, so about 100 MB raw). */
  uploadLimitBytes: number;
  /** DailyBulkApiBatches: each internal batch of 10,000 records counts. */
  dailyBatches: number;
}

/** The Bulk API 2.0 ingest and query jobs of the local org, processed asynchronously like Salesforce does. */
export class BulkApi {
  private readonly ingest = new Map<string, IngestJob>();
  private readonly queries: BulkQueryJobs;
  batchesUsed = 0;
  /** The user's "Bulk API Hard Delete" permission (the org's admin has it by default). */
  hardDeleteAllowed = true;

  constructor(
    private readonly store: OrgStore,
    private readonly userId: string,
    readonly limits: BulkLimits,
  ) {
    this.queries = new BulkQueryJobs(store, userId);
  }

  /** Job ids come from the org's counters, which a data file keeps: a restart never reissues one. */
  private newId(prefix: string): string {
    return this.store.ids.next(prefix);
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    version: string,
    parts: string[],
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const [kind, id, sub] = parts;
    if (kind === 'ingest') {
      if (!id) {
        if (method === 'POST') return this.createIngest(req, res, version);
        if (method === 'GET')
          return sendJson(res, 200, {
            done: true,
            records: [...this.ingest.values()].map((j) => this.info(j, version)),
            nextRecordsUrl: null,
          });
        throw apiError(
          405,
          'METHOD_NOT_ALLOWED',
          `HTTP Method '${method}' not allowed. Allowed are GET,POST`,
        );
      }
      const job = this.ingest.get(id);
      if (!job) throw notFound();
      if (!sub) {
        if (method === 'GET') return sendJson(res, 200, this.info(job, version, true));
        if (method === 'PATCH') return this.changeState(req, res, job, version);
        if (method === 'DELETE') {
          if (job.state === 'Open' || job.state === 'InProgress')
            throw apiError(400, 'INVALIDJOBSTATE', `Job in state ${job.state} cannot be deleted`);
          this.ingest.delete(id);
          return sendEmpty(res, 204);
        }
      }
      if (sub === 'batches' && method === 'PUT') return this.upload(req, res, job);
      if (
        method === 'GET' &&
        (sub === 'successfulResults' || sub === 'failedResults' || sub === 'unprocessedrecords')
      )
        return this.results(res, job, sub);
      throw notFound();
    }
    if (kind === 'query') return this.queries.handle(req, res, url, version, id, sub);
    throw notFound();
  }

  private info(job: IngestJob, version: string, full = false): Record<string, unknown> {
    const out = jobHead(job, this.userId);
    if (job.externalIdFieldName) out.externalIdFieldName = job.externalIdFieldName;
    if (job.assignmentRuleId) out.assignmentRuleId = job.assignmentRuleId;
    Object.assign(out, {
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      contentUrl: `services/data/v${version}/jobs/ingest/${job.id}/batches`,
      lineEnding: job.lineEnding,
      columnDelimiter: Object.keys(DELIMITERS).find((k) => DELIMITERS[k] === job.columnDelimiter) ?? 'COMMA',
    });
    if (full) {
      Object.assign(out, {
        jobType: 'V2Ingest',
        numberRecordsProcessed: job.processed,
        numberRecordsFailed: job.failed,
        retries: 0,
        totalProcessingTime: job.finished && job.started ? job.finished - job.started : 0,
        apiActiveProcessingTime: job.finished && job.started ? job.finished - job.started : 0,
        apexProcessingTime: 0,
      });
      if (job.errorMessage) out.errorMessage = job.errorMessage;
    }
    return out;
  }

  private async createIngest(req: IncomingMessage, res: ServerResponse, version: string): Promise<void> {
    const body = parseJsonBody(await readBody(req, 100_000)) as Record<string, string | undefined>;
    const operation = body.operation as IngestOperation;
    if (!['insert', 'update', 'upsert', 'delete', 'hardDelete'].includes(operation)) {
      throw apiError(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${String(body.operation)}`);
    }
    const object = body.object ? this.store.object(body.object) : undefined;
    if (!object) throw apiError(400, 'INVALIDJOB', `InvalidJob : Invalid object: ${String(body.object)}`);
    if (operation === 'hardDelete' && !this.hardDeleteAllowed) throw hardDeleteRefused();
    if (operation === 'upsert') {
      const ext = body.externalIdFieldName
        ? object.meta.fieldByLower.get(body.externalIdFieldName.toLowerCase())
        : undefined;
      if (!ext || !(ext.externalId || ext.idLookup)) {
        throw apiError(
          400,
          'INVALIDJOB',
          `InvalidJob : External ID field ${body.externalIdFieldName ?? '(none)'} is not valid for ${object.meta.name}`,
        );
      }
    }
    const delimiter = DELIMITERS[body.columnDelimiter ?? 'COMMA'];
    if (!delimiter)
      throw apiError(
        400,
        'INVALIDJOB',
        `InvalidJob : Invalid column delimiter: ${String(body.columnDelimiter)}`,
      );
    if (body.contentType && body.contentType !== 'CSV')
      throw apiError(400, 'INVALIDJOB', 'InvalidJob : Only CSV is supported');
    const now = formatDateTime(Date.now());
    const job: IngestJob = {
      id: this.newId('750'),
      object: object.meta.name,
      operation,
      externalIdFieldName: operation === 'upsert' ? body.externalIdFieldName : undefined,
      assignmentRuleId: body.assignmentRuleId || undefined,
      lineEnding: body.lineEnding === 'CRLF' ? 'CRLF' : 'LF',
      columnDelimiter: delimiter,
      state: 'Open',
      createdDate: now,
      systemModstamp: now,
      apiVersion: Number(version),
      uploads: [],
      uploadedBytes: 0,
      header: [],
      results: [],
      unprocessed: [],
      processed: 0,
      failed: 0,
    };
    this.ingest.set(job.id, job);
    sendJson(res, 200, this.info(job, version));
  }

  private async upload(req: IncomingMessage, res: ServerResponse, job: IngestJob): Promise<void> {
    if (job.state !== 'Open')
      throw apiError(409, 'INVALIDJOBSTATE', `Job ${job.id} is not open for data: its state is ${job.state}`);
    const tooBig = apiError(
      400,
      'EXCEEDEDQUOTA',
      `ExceededQuota : The job data exceeds the upload limit of ${this.limits.uploadLimitBytes} bytes`,
    );
    const body = await readBody(req, this.limits.uploadLimitBytes).catch(() => {
      throw tooBig;
    });
    if (job.uploadedBytes + body.length > this.limits.uploadLimitBytes) {
      throw apiError(
        400,
        'EXCEEDEDQUOTA',
        `ExceededQuota : The job data exceeds the upload limit of ${this.limits.uploadLimitBytes} bytes`,
      );
    }
    job.uploads.push(body);
    job.uploadedBytes += body.length;
    sendEmpty(res, 201);
  }

  private async changeState(
    req: IncomingMessage,
    res: ServerResponse,
    job: IngestJob,
    version: string,
  ): Promise<void> {
    const body = parseJsonBody(await readBody(req, 10_000)) as { state?: string };
    if (body.state === 'UploadComplete') {
      if (job.state !== 'Open')
        throw apiError(409, 'INVALIDJOBSTATE', `Job ${job.id} is ${job.state}, not Open`);
      job.state = 'UploadComplete';
      job.systemModstamp = formatDateTime(Date.now());
      setImmediate(() => void this.process(job));
    } else if (body.state === 'Aborted') {
      if (!['Open', 'UploadComplete', 'InProgress'].includes(job.state))
        throw apiError(409, 'INVALIDJOBSTATE', `Job ${job.id} is ${job.state} and cannot be aborted`);
      job.state = 'Aborted';
      job.systemModstamp = formatDateTime(Date.now());
    } else {
      throw apiError(400, 'INVALIDJOBSTATE', `Invalid state: ${String(body.state)}`);
    }
    sendJson(res, 200, this.info(job, version));
  }

  /** Runs the job's rows through the same validation as the REST API, 10,000 at a time, yielding in between. */
  private async process(job: IngestJob): Promise<void> {
    if (job.state !== 'UploadComplete') return;
    job.state = 'InProgress';
    job.started = Date.now();
    let rows: string[][];
    try {
      rows = parse(Buffer.concat(job.uploads), {
        delimiter: job.columnDelimiter,
        relax_column_count: false,
        bom: true,
      });
    } catch (err) {
      return this.fail(job, `InvalidBatch : Failed to parse the CSV data: ${(err as Error).message}`);
    }
    job.uploads = [];
    const header = rows.shift();
    if (!header) {
      // An empty upload is a job with nothing to do: Salesforce completes it with empty result sets [issue 14].
      job.finished = Date.now();
      job.state = 'JobComplete';
      job.systemModstamp = formatDateTime(Date.now());
      return;
    }
    if (header.length === 0) return this.fail(job, 'InvalidBatch : The CSV data has no header');
    job.header = header;
    const object = this.store.object(job.object) as ObjectData;
    const columns = header.map((h) => column(object, h));
    const bad = columns.findIndex((c) => c === null);
    if (bad >= 0) return this.fail(job, `InvalidBatch : Field name not found : ${header[bad]}`);
    const batches = Math.ceil(rows.length / INTERNAL_BATCH);
    if (this.batchesUsed + batches > this.limits.dailyBatches) {
      return this.fail(job, 'ExceededQuota : The daily limit of Bulk API batches has been reached');
    }
    this.batchesUsed += batches;
    // Internal batches finish in any order: the results list them batch by batch, the last one first.
    const order = Array.from({ length: batches }, (_, i) => i).reverse();
    for (const b of order) {
      const batch = rows.slice(b * INTERNAL_BATCH, (b + 1) * INTERNAL_BATCH);
      // An internal batch is saved in chunks of 200, one transaction each, holding its parents' row locks while it
      // runs; the batches of parallel jobs run at the same time [doc Bulk API 2.0 "How Requests Are Processed"].
      for (let c = 0; c < batch.length; c += LOCK_CHUNK) {
        job.lock = this.store.recordLocks?.begin();
        for (const values of batch.slice(c, c + LOCK_CHUNK)) {
          if ((job.state as JobState) === 'Aborted') {
            job.unprocessed.push(values);
            continue;
          }
          job.results.push(applyRow(this.store, job, object, columns as Column[], values));
          job.processed++;
        }
        await this.store.recordLocks?.finish(job.lock);
        job.lock = undefined;
      }
      await new Promise((r) => setImmediate(r));
    }
    job.finished = Date.now();
    if ((job.state as JobState) !== 'Aborted') job.state = 'JobComplete';
    job.systemModstamp = formatDateTime(Date.now());
  }

  private fail(job: IngestJob, message: string): void {
    job.state = 'Failed';
    job.errorMessage = message;
    job.finished = Date.now();
    job.systemModstamp = formatDateTime(Date.now());
  }

  private results(res: ServerResponse, job: IngestJob, kind: string): void {
    if (!['JobComplete', 'Failed', 'Aborted'].includes(job.state)) {
      throw apiError(409, 'INVALIDJOBSTATE', `Results are not available while the job is ${job.state}`);
    }
    const nl = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
    const d = job.columnDelimiter;
    const lines: string[] = [];
    if (kind === 'successfulResults') {
      lines.push(csvLine(['sf__Id', 'sf__Created', ...job.header], d));
      for (const r of job.results)
        if (!r.error) lines.push(csvLine([r.id, r.created ? 'true' : 'false', ...r.values], d));
    } else if (kind === 'failedResults') {
      lines.push(csvLine(['sf__Id', 'sf__Error', ...job.header], d));
      for (const r of job.results) if (r.error) lines.push(csvLine([r.id, r.error, ...r.values], d));
    } else {
      lines.push(csvLine(job.header, d));
      for (const v of job.unprocessed) lines.push(csvLine(v, d));
    }
    const text = `${lines.join(nl)}${nl}`;
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}
