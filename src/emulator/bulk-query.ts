import type { IncomingMessage, ServerResponse } from 'node:http';
import { csvLine, type JobState } from './bulk-rows.js';
import { apiError, notFound, parseJsonBody, readBody, sendEmpty, sendJson } from './http.js';
import { runQuery, SoqlError } from './soql/execute.js';
import type { OrgStore } from './store.js';
import { formatDateTime, type Row } from './values.js';

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

/** The keys every job info starts with, ingest or query. */
export function jobHead(
  job: {
    id: string;
    operation: string;
    object: string;
    createdDate: string;
    systemModstamp: string;
    state: JobState;
  },
  userId: string,
): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: userId,
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
  };
}

/** Bulk API 2.0 query jobs (`/jobs/query`): the whole result is computed when the job is created. */
export class BulkQueryJobs {
  private readonly jobs = new Map<string, QueryJob>();

  constructor(
    private readonly store: OrgStore,
    private readonly userId: string,
  ) {}

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    version: string,
    id: string | undefined,
    sub: string | undefined,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (!id && method === 'POST') return this.create(req, res, version);
    const job = id ? this.jobs.get(id) : undefined;
    if (!job) throw notFound();
    if (!sub && method === 'GET') return sendJson(res, 200, this.info(job, true));
    if (!sub && method === 'PATCH') {
      const body = parseJsonBody(await readBody(req, 10_000)) as { state?: string };
      if (body.state !== 'Aborted')
        throw apiError(400, 'INVALIDJOBSTATE', 'Only Aborted can be set on a query job');
      if (job.state === 'UploadComplete' || job.state === 'InProgress') job.state = 'Aborted';
      return sendJson(res, 200, this.info(job, false));
    }
    if (!sub && method === 'DELETE') {
      this.jobs.delete(job.id);
      return sendEmpty(res, 204);
    }
    if (sub === 'results' && method === 'GET') return this.results(res, url, job);
    throw notFound();
  }

  private info(job: QueryJob, full: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {
      ...jobHead(job, this.userId),
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

  private async create(req: IncomingMessage, res: ServerResponse, version: string): Promise<void> {
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
      id: this.store.ids.next('750'),
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
    this.jobs.set(job.id, job);
    setImmediate(() => {
      if (job.state === 'UploadComplete') job.state = 'JobComplete';
    });
    sendJson(res, 200, this.info(job, false));
  }

  private results(res: ServerResponse, url: URL, job: QueryJob): void {
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
