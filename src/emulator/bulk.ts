import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'csv-parse/sync';
import { apiError, notFound, parseJsonBody, readBody, sendEmpty, sendJson } from './http.js';
import type { FieldDescribe } from './metadata.js';
import { runQuery, SoqlError } from './soql/execute.js';
import type { LockTransaction } from './record-locks.js';
import type { ObjectData, OrgStore, WriteOptions, WriteResult } from './store.js';
import { coerceInput, formatDateTime, type Row } from './values.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

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

export type RowJob = Pick<IngestJob, 'operation' | 'externalIdFieldName' | 'failed'> &
  Partial<Pick<IngestJob, 'assignmentRuleId' | 'lock'>>;

export interface RowResult {
  values: string[];
  id: string;
  created?: boolean;
  error?: string;
}

interface IngestJob {
  id: string;
  object: string;
  operation: IngestOperation;
  externalIdFieldName?: string;
  /** The Lead or Case assignment rule the job runs (none without it) [doc Bulk API 2.0 "Create a Job"]. */
  assignmentRuleId?: string;
  /** The transaction of the internal batch being processed (row locks). */
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

interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  query: string;
  state: JobState;
  createdDate: string;
  systemModstamp: string;
  apiVersion: number;
  columns: string[];
  rows: string[][];
  errorMessage?: string;
}

export interface BulkLimits {
  /** Largest CSV upload accepted, in bytes (Salesforce: 150 MB after base64, so about 100 MB raw). */
  uploadLimitBytes: number;
  /** DailyBulkApiBatches: each internal batch of 10,000 records counts. */
  dailyBatches: number;
}

function csvLine(values: string[], delimiter = ','): string {
  return values.map((v) => `"${v.replace(/"/g, '""')}"`).join(delimiter);
}

/** Records of one transaction inside a Bulk internal batch. */
const LOCK_CHUNK = 200;

/** The Bulk API 2.0 ingest and query jobs of the local org, processed asynchronously like Salesforce does. */
export class BulkApi {
  private readonly ingest = new Map<string, IngestJob>();
  private readonly queries = new Map<string, QueryJob>();
  batchesUsed = 0;
  /** The user's "Bulk API Hard Delete" permission (the org's admin has it by default). */
  hardDeleteAllowed = true;

  constructor(
    private readonly store: OrgStore,
    private readonly userId: string,
    readonly limits: BulkLimits,
  ) {}

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
    if (kind === 'query') {
      if (!id && method === 'POST') return this.createQuery(req, res, version);
      const job = id ? this.queries.get(id) : undefined;
      if (!job) throw notFound();
      if (!sub && method === 'GET') return sendJson(res, 200, this.queryInfo(job, true));
      if (!sub && method === 'PATCH') {
        const body = parseJsonBody(await readBody(req, 10_000)) as { state?: string };
        if (body.state !== 'Aborted')
          throw apiError(400, 'INVALIDJOBSTATE', 'Only Aborted can be set on a query job');
        if (job.state === 'UploadComplete' || job.state === 'InProgress') job.state = 'Aborted';
        return sendJson(res, 200, this.queryInfo(job, false));
      }
      if (!sub && method === 'DELETE') {
        this.queries.delete(job.id);
        return sendEmpty(res, 204);
      }
      if (sub === 'results' && method === 'GET') return this.queryResults(res, url, job);
      throw notFound();
    }
    throw notFound();
  }

  /** The keys every job info starts with, ingest or query. */
  private jobHead(job: IngestJob | QueryJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: this.userId,
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
    };
  }

  private info(job: IngestJob, version: string, full = false): Record<string, unknown> {
    const out = this.jobHead(job);
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
      }) as string[][];
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
    const columns = header.map((h) => this.column(object, h));
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
          job.results.push(this.applyRow(job, object, columns as Column[], values));
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

  /** A CSV header cell as a field or a parent reference by external ID; Bulk API 1.0 reads headers alike. */
  column(object: ObjectData, name: string): Column | null {
    const dot = name.indexOf('.');
    if (dot < 0) {
      const field = object.meta.fieldByLower.get(name.toLowerCase());
      return field ? { kind: 'field', field } : null;
    }
    // `Account.External_Id__c`, or `Lead:Who.Email` on polymorphic fields.
    const rel = name.slice(0, dot).replace(/^\w+:/, '');
    const ref = object.meta.relationshipByLower.get(rel.toLowerCase());
    if (!ref) return null;
    return { kind: 'parent', relationship: ref.relationshipName as string, key: name.slice(dot + 1) };
  }

  /** One CSV row through the REST validation rules; Bulk API 1.0 batches use it too. */
  applyRow(job: RowJob, object: ObjectData, columns: Column[], values: string[]): RowResult {
    const body: Record<string, unknown> = {};
    let id = '';
    columns.forEach((c, i) => {
      const raw = values[i] ?? '';
      if (raw === '') return; // an empty cell leaves the field as it is
      const value = raw === '#N/A' ? null : raw;
      if (c.kind === 'parent') body[c.relationship] = { [c.key]: value };
      else if (c.field.name === 'Id') id = raw;
      else body[c.field.name] = value;
    });
    let r: WriteResult;
    const write = rowOptions(job);
    switch (job.operation) {
      case 'insert':
        r = this.store.create(object.meta.name, body, write);
        break;
      case 'update':
        r = id ? this.store.update(id, body, object.meta.name, write) : missing('Id');
        break;
      case 'delete':
        r = id ? this.store.delete(id) : missing('Id');
        break;
      case 'hardDelete':
        r = id ? this.store.purge(id) : missing('Id');
        break;
      default:
        r = this.upsert(job, object, body, id);
    }
    if (r.ok)
      return {
        values,
        id: r.id,
        created:
          r.created &&
          job.operation !== 'delete' &&
          job.operation !== 'hardDelete' &&
          job.operation !== 'update',
      };
    job.failed++;
    let e = r.errors[0];
    // A CSV cell is text: where the JSON API reports a parse error, Bulk reports the field's type.
    if (e?.statusCode === 'JSON_PARSER_ERROR') {
      const field = object.meta.fieldByLower.get((e.fields[0] ?? '').toLowerCase());
      const value = values[columns.findIndex((c) => c.kind === 'field' && c.field === field)] ?? '';
      e = {
        statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
        message: `${field?.label ?? e.fields[0]}: value not of required type: ${value}`,
        fields: e.fields,
      };
    }
    return {
      values,
      id: r.id ?? '',
      error: `${e?.statusCode ?? 'UNKNOWN_EXCEPTION'}:${e?.message ?? ''}:${(e?.fields ?? []).join(',')} --`,
    };
  }

  private upsert(job: RowJob, object: ObjectData, body: Record<string, unknown>, id: string): WriteResult {
    const field = object.meta.fieldByLower.get(
      (job.externalIdFieldName ?? '').toLowerCase(),
    ) as FieldDescribe;
    const write = rowOptions(job);
    if (field.name === 'Id')
      return id
        ? this.store.update(id, body, object.meta.name, write)
        : this.store.create(object.meta.name, body, write);
    const raw = body[field.name];
    if (raw === undefined || raw === null) return missing(field.name);
    const coerced = coerceInput(field, raw);
    const ids =
      'value' in coerced && coerced.value !== null ? this.store.lookup(object, field, coerced.value) : [];
    if (ids.length > 1) {
      return {
        ok: false,
        errors: [
          {
            statusCode: 'DUPLICATE_EXTERNAL_ID',
            message: `${field.label}: more than one record found for external id field: ${ids.join(', ')}`,
            fields: [field.name],
          },
        ],
      };
    }
    if (ids.length === 1) {
      const { [field.name]: _k, ...rest } = body;
      return this.store.update(ids[0] as string, rest, undefined, write);
    }
    return this.store.create(object.meta.name, body, write);
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

  // ---- query jobs ----

  private queryInfo(job: QueryJob, full: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {
      ...this.jobHead(job),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    };
    if (full)
      Object.assign(out, {
        jobType: 'V2Query',
        numberRecordsProcessed: job.rows.length,
        retries: 0,
        totalProcessingTime: 0,
        isPkChunkingSupported: true,
      });
    if (full && job.errorMessage) out.errorMessage = job.errorMessage;
    return out;
  }

  private async createQuery(req: IncomingMessage, res: ServerResponse, version: string): Promise<void> {
    const body = parseJsonBody(await readBody(req, 200_000)) as { operation?: string; query?: string };
    const operation = body.operation === 'queryAll' ? 'queryAll' : 'query';
    if (!body.query) throw apiError(400, 'INVALIDJOB', 'InvalidJob : query is required');
    let result;
    try {
      result = runQuery(this.store, body.query, { all: operation === 'queryAll' });
    } catch (err) {
      if (err instanceof SoqlError) throw apiError(400, err.errorCode, err.message);
      throw err;
    }
    if (result.plan.aggregate || result.plan.hasSubqueries || result.plan.hasTypeOf) {
      // Salesforce refuses these in Bulk query jobs [doc: GROUP BY, aggregates and subqueries are unsupported].
      throw apiError(
        400,
        'API_ERROR',
        result.plan.aggregate
          ? 'Aggregate queries are not supported in Bulk Query'
          : result.plan.hasTypeOf
            ? 'TYPEOF is not supported in Bulk Query'
            : 'Parent-to-child relationship subqueries are not supported in Bulk Query',
      );
    }
    const now = formatDateTime(Date.now());
    const columns = result.plan.select.map((p) => p.names.join('.'));
    const rows = result.rows.map((row) =>
      result.plan.select.map((p) => {
        let current: Row | undefined = row;
        for (const hop of p.hops) {
          const parentId: unknown = current?.[hop.name];
          current = typeof parentId === 'string' ? this.store.find(parentId)?.row : undefined;
        }
        const v = current?.[p.field.name];
        return v === undefined || v === null ? '' : String(v);
      }),
    );
    const job: QueryJob = {
      id: this.newId('750'),
      operation,
      object: result.plan.object.meta.name,
      query: body.query,
      state: 'UploadComplete',
      createdDate: now,
      systemModstamp: now,
      apiVersion: Number(version),
      columns,
      rows,
    };
    this.queries.set(job.id, job);
    setImmediate(() => {
      if (job.state === 'UploadComplete') job.state = 'JobComplete';
    });
    sendJson(res, 200, this.queryInfo(job, false));
  }

  private queryResults(res: ServerResponse, url: URL, job: QueryJob): void {
    if (job.state !== 'JobComplete')
      throw apiError(409, 'INVALIDJOBSTATE', `Results are not available while the job is ${job.state}`);
    const start = url.searchParams.get('locator')
      ? Number(Buffer.from(url.searchParams.get('locator') as string, 'base64').toString('utf8'))
      : 0;
    const max = Math.max(1, Number(url.searchParams.get('maxRecords') ?? 50_000));
    const page = job.rows.slice(start, start + max);
    const next =
      start + page.length < job.rows.length
        ? Buffer.from(String(start + page.length))
            .toString('base64')
            .replace(/=+$/, '')
        : 'null';
    const text = `${[csvLine(job.columns), ...page.map((r) => csvLine(r))].join('\n')}\n`;
    res.writeHead(200, {
      'Content-Type': 'text/csv',
      'Sforce-Locator': next,
      'Sforce-NumberOfRecords': String(page.length),
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}

export type Column =
  { kind: 'field'; field: FieldDescribe } | { kind: 'parent'; relationship: string; key: string };

/**
 * A hardDelete job asked by a user without the "Bulk API Hard Delete" permission. Code and text as clients meet
 * them (jsforce and Data Loader match this message) [obs]; the HTTP status is [unverified].
 */
export function hardDeleteRefused(): ReturnType<typeof apiError> {
  return apiError(
    400,
    'FeatureNotEnabled',
    'hardDelete operation requires special user profile permission, please contact your system administrator',
  );
}

/**
 * A job runs no assignment rule unless it names one; the one it names runs on every row it saves [doc: the
 * property exists for insert, update and upsert; that it also reassigns updated rows is unverified].
 */
function rowOptions(job: RowJob): WriteOptions {
  return {
    autoAssign: job.assignmentRuleId
      ? { kind: 'rule', id: job.assignmentRuleId, onUpdate: true }
      : { kind: 'none' },
    lock: job.lock,
  };
}

function missing(field: string): WriteResult {
  return {
    ok: false,
    errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${field} not specified`, fields: [field] }],
  };
}
