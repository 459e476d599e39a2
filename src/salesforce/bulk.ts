import { SfsyncError } from '../errors.js';
import { translateError } from './client-errors.js';
import { CsvRowReader } from './csv-rows.js';
import { csvRecords, waitForJob } from './job-wait.js';
import type { FileBody } from './transport.js';
import { isConnectionError, type RetryPolicy } from './retry.js';
import { type BulkJobOutcome, type BulkJobSpec, type BulkResultSet } from './types.js';

/** What one call of the client's request function may say beside its method and URL. */
export interface RequestOptions {
  json?: unknown;
  /** A CSV body (a Bulk upload): a text, or a file streamed as it is sent. */
  csv?: string | FileBody;
  /** A SOAP envelope (the one SOAP call, undelete), built with the session it carries (renewed if it expired). */
  xmlFor?: (accessToken: string) => string;
  /** False for a call that must not be sent twice once it may have reached Salesforce (default true). */
  idempotent?: boolean;
  as?: 'text';
  headers?: Record<string, string>;
  onHeaders?: (headers: Headers) => void;
  /** The answer's text piece by piece as it arrives, instead of whole (see HttpCall.onText). */
  onText?: (piece: string) => void;
  /** Told before each attempt of the call (a retry starts reading an answer again from its start). */
  onAttempt?: () => void;
  /** Told when an attempt was sent and its answer lost (the next attempt may find what it did). */
  onLostAnswer?: () => void;
}

/** The client's one way to call the org: budget, retry policy, trace and error translation included. */
export type Request = <T>(method: string, url: string, options?: RequestOptions) => Promise<T>;

export interface BulkContext {
  request: Request;
  retry: RetryPolicy;
  instanceUrl: string;
  relogin?: string;
}

/** A job's CSV in a file, streamed as it is uploaded: its size, and its records (for the polling's pace). */
export interface BulkUpload {
  file: string;
  bytes: number;
  records: number;
}

type OnResultRow = (set: BulkResultSet, header: string[], row: string[]) => void;

/**
 * Polls an ingest job to its end, then reads its successful and failed results, row by row, as text: a set the
 * job's counts say is empty is not asked for (a call saved on most jobs).
 */
async function finishIngest(
  ctx: BulkContext,
  jobId: string,
  onRow: OnResultRow,
  records = 0,
): Promise<BulkJobOutcome> {
  const base = `/jobs/ingest/${encodeURIComponent(jobId)}`;
  const info = await waitForJob(ctx, base, records);
  const processed = info.numberRecordsProcessed;
  const failed = info.numberRecordsFailed;
  const counted = typeof processed === 'number' && typeof failed === 'number';
  // Not unprocessedrecords: a record in neither set was not processed, which is all that set would say, and
  // leaving it out saves a call per job.
  for (const set of ['successfulResults', 'failedResults'] as const) {
    if (counted && (set === 'failedResults' ? failed : processed - failed) === 0) continue;
    await readResultSet(ctx, `${base}/${set}`, (header, row) => onRow(set, header, row));
  }
  return { jobId, state: info.state, errorMessage: info.errorMessage };
}

/**
 * One result set, its rows handed over as it downloads (a set of a 100 MB job is never held whole). A retried read
 * starts again from the first row: the rows an earlier attempt handed over are not handed over twice.
 */
async function readResultSet(
  ctx: BulkContext,
  url: string,
  onRow: (header: string[], row: string[]) => void,
  onHeaders?: (headers: Headers) => void,
): Promise<number> {
  let handed = 0;
  let reader: CsvRowReader | undefined;
  const start = (): void => {
    let header: string[] | undefined;
    let seen = 0;
    reader = new CsvRowReader((row) => {
      if (!header) header = row;
      else if (++seen > handed) {
        handed = seen;
        onRow(header, row);
      }
    });
  };
  await ctx.request('GET', url, {
    as: 'text',
    onAttempt: start,
    onHeaders,
    onText: (piece) => reader?.push(piece),
  });
  reader?.end();
  return handed;
}

/**
 * Rows a page of a query job's results may hold: read as they download (never held whole), so large pages cost no
 * memory, and each page costs a call (an export of 1,000,000 records in 100,000-row pages took 10).
 */
const QUERY_PAGE_RECORDS = 1_000_000;

/** A Bulk API 2.0 query job: created, polled, its CSV pages read one by one following Sforce-Locator. */
export async function bulkQuery(
  ctx: BulkContext,
  soql: string,
  onRow: (header: string[], row: string[]) => void,
  onOpen?: (jobId: string) => void,
  options?: { all?: boolean },
): Promise<{ jobId: string; rows: number }> {
  // Creating a query job twice only costs a job: safe to retry.
  const job = await ctx.request<{ id: string }>('POST', '/jobs/query', {
    json: { operation: options?.all ? 'queryAll' : 'query', query: soql },
  });
  onOpen?.(job.id);
  const base = `/jobs/query/${job.id}`;
  const info = await waitForJob(ctx, base);
  if (info.state !== 'JobComplete')
    throw new SfsyncError(
      'BULK_QUERY_FAILED',
      `Bulk query job ${job.id} ended ${info.state}: ${info.errorMessage ?? 'no reason given'}`,
      {
        hint: 'See the job in Setup > Bulk Data Load Jobs; a sync falls back to batched match queries by itself.',
      },
    );
  let rows = 0;
  let locator: string | undefined;
  do {
    let next: string | null = null;
    const page = `${base}/results?maxRecords=${QUERY_PAGE_RECORDS}${locator ? `&locator=${encodeURIComponent(locator)}` : ''}`;
    rows += await readResultSet(ctx, page, onRow, (headers) => (next = headers.get('sforce-locator')));
    // The last page says "null"; a missing header ends the reading too rather than looping.
    locator = next && next !== 'null' ? next : undefined;
  } while (locator);
  return { jobId: job.id, rows };
}

/**
 * Opens an ingest job and uploads its CSV. An upload cut off by a dropped connection aborts its job (nothing of an
 * Open job is ever applied) and the records go to a new one, announced by `onOpen` again.
 */
async function openAndUpload(
  ctx: BulkContext,
  spec: BulkJobSpec,
  csv: string | BulkUpload,
  onOpen: (jobId: string) => void,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    // A job opened twice (the first answer lost) leaves an empty Open job that Salesforce never runs: safe to retry.
    const job = await ctx.request<{ id: string }>('POST', '/jobs/ingest', {
      json: { ...spec, contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' },
    });
    onOpen(job.id);
    const base = `/jobs/ingest/${job.id}`;
    try {
      const body = typeof csv === 'string' ? csv : { file: csv.file, bytes: csv.bytes };
      await ctx.request('PUT', `${base}/batches`, { csv: body, idempotent: false });
      return job.id;
    } catch (err) {
      // Whether a cut-off upload reached the job is unknown: it is aborted, and the records go to a new job.
      if (!isConnectionError(err) || attempt >= ctx.retry.attempts) throw err;
      await ctx.request('PATCH', base, { json: { state: 'Aborted' } });
    }
  }
}

/** One Bulk API 2.0 ingest job, step by step: open, upload, close, poll, then its results row by row. */
export async function bulkIngest(
  ctx: BulkContext,
  spec: BulkJobSpec,
  csv: string | BulkUpload,
  onOpen: (jobId: string) => void,
  onRow: OnResultRow,
): Promise<BulkJobOutcome> {
  const jobId = await openAndUpload(ctx, spec, csv, onOpen);
  try {
    await ctx.request('PATCH', `/jobs/ingest/${jobId}`, { json: { state: 'UploadComplete' } });
    return await finishIngest(ctx, jobId, onRow, typeof csv === 'string' ? csvRecords(csv) : csv.records);
  } catch (err) {
    // From here Salesforce may run the job: whatever stopped the reading, its records are not known to have failed.
    const e = err instanceof SfsyncError ? err : translateError(err, ctx.instanceUrl, ctx.relogin);
    throw Object.assign(e, { unreadJob: jobId });
  }
}

/** The outcome of an ingest job opened earlier: an Open job is aborted; any other is read to its end. */
export async function bulkIngestResults(
  ctx: BulkContext,
  jobId: string,
  onRow: OnResultRow,
): Promise<BulkJobOutcome> {
  const base = `/jobs/ingest/${encodeURIComponent(jobId)}`;
  const info = await ctx.request<{ state: string; errorMessage?: string }>('GET', base);
  if (info.state === 'Open') {
    await ctx.request('PATCH', base, { json: { state: 'Aborted' } });
    return { jobId, state: 'Aborted', errorMessage: 'aborted before its upload was complete' };
  }
  return finishIngest(ctx, jobId, onRow);
}
