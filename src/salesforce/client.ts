import { parse } from 'csv-parse';
import type jsforce from 'jsforce';
import { editDistance } from '../core/edit-distance.js';
import { redact } from '../core/redact.js';
import { SfsyncError } from '../errors.js';
import { DEFAULT_RETRY, isConnectionError, parseRetryAfter, withRetry, type RetryPolicy } from './retry.js';
import type { FieldInfo, ObjectInfo, ObjectSummary } from './types.js';

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
  /** DUPLICATES_DETECTED on REST: the duplicate rule and the records it matched (Bulk results carry none). */
  duplicateResult?: {
    allowSave?: boolean;
    duplicateRule?: string;
    matchResults?: Array<{ matchRecords?: Array<{ record?: { Id?: string } }> }>;
  };
}

/** Options of a REST write. */
export interface WriteOptions {
  /**
   * Acknowledge duplicate rule alerts and save anyway (`Sforce-Duplicate-Rule-Header: allowSave=true`); rules
   * whose action is Block still refuse.
   */
  allowDuplicates?: boolean;
}

/** The Ids of the records a duplicate rule matched, from a DUPLICATES_DETECTED error. */
export function duplicateIds(error: SaveError | undefined): string[] {
  const ids = (error?.duplicateResult?.matchResults ?? []).flatMap((m) =>
    (m.matchRecords ?? []).map((r) => r.record?.Id),
  );
  return [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
}

export interface SaveResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: SaveError[];
  /**
   * The error that kept Salesforce from answering for the record: its Bulk job could not be opened or uploaded
   * (nothing of it applied), or its results could not be read (`BULK_RESULTS_UNREAD`: left for --resume to settle).
   */
  stop?: SfsyncError;
}

/** The narrow view of Salesforce that sfsync needs. Only this folder knows jsforce. */
export interface SalesforceClient {
  readonly instanceUrl: string;
  readonly apiVersion: string;
  /** REST calls this client sent, retries included. */
  apiCalls(): number;
  /** The org's own API counter from the last Sforce-Limit-Info header, when one was seen. */
  orgApiUsage(): { used: number; limit: number } | null;
  /** Refuse calls past this many (--max-api-calls). */
  setBudget(maxCalls: number | undefined): void;
  /** The org's remaining daily API requests, from /limits. */
  remainingDailyRequests(): Promise<number | null>;
  /** The user and org behind the session, and whether the org is a sandbox. */
  identity(): Promise<{ username: string; userId: string; orgId: string; isSandbox: boolean }>;
  describeGlobal(): Promise<ObjectSummary[]>;
  describe(object: string): Promise<ObjectInfo>;
  /**
   * Every row of a query, page by page (2,000 rows a call). `all` reads deleted and archived rows too (queryAll);
   * `onTotal` hears the query's totalSize once the first page is in, before its first row.
   */
  query(
    soql: string,
    options?: { all?: boolean; onTotal?: (totalSize: number) => void },
  ): AsyncGenerator<Record<string, unknown>>;
  /** The number a `SELECT COUNT() …` query answers. */
  count(soql: string): Promise<number>;
  /**
   * A Bulk API 2.0 query job: created, polled, and its CSV results read page by page (following Sforce-Locator),
   * each row handed to `onRow` with the header. Returns the job id and the number of rows.
   */
  bulkQuery(
    soql: string,
    onRow: (header: string[], row: string[]) => void,
    onOpen?: (jobId: string) => void,
    options?: { all?: boolean },
  ): Promise<{ jobId: string; rows: number }>;
  create(
    object: string,
    records: Array<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SaveResult[]>;
  update(
    object: string,
    records: Array<Record<string, unknown> & { Id: string }>,
    options?: WriteOptions,
  ): Promise<SaveResult[]>;
  upsert(
    object: string,
    externalIdField: string,
    records: Array<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SaveResult[]>;
  delete(ids: string[]): Promise<SaveResult[]>;
  /**
   * Records back from the Recycle Bin with their Ids, at most 200 a call: `undelete()` exists only in the SOAP API
   * (Partner endpoint), so this one call goes there.
   */
  undelete(ids: string[]): Promise<SaveResult[]>;
  /**
   * The outcome of an ingest job opened earlier (by a run that was killed): an Open job is aborted, so nothing of
   * it is applied; otherwise it is polled to its end and its successful and failed results handed to `onRow`.
   */
  bulkIngestResults(
    jobId: string,
    onRow: (set: BulkResultSet, header: string[], row: string[]) => void,
  ): Promise<BulkJobOutcome>;
  /**
   * One Bulk API 2.0 ingest job, step by step: open, upload, close, poll, then its successful and failed results,
   * handed to `onRow` one row at a time (values as arrays, after the set's header), so no result set is held whole.
   * An upload cut off by a dropped connection aborts its job (nothing of an Open job is applied) and goes to a new
   * one: `onOpen` is then called again, with the new job. An error after the upload carries `unreadJob`.
   */
  bulkIngest(
    spec: BulkJobSpec,
    csv: string,
    onOpen: (jobId: string) => void,
    onRow: (set: BulkResultSet, header: string[], row: string[]) => void,
  ): Promise<BulkJobOutcome>;
}

export type BulkResultSet = 'successfulResults' | 'failedResults';

export interface BulkJobSpec {
  object: string;
  operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  externalIdFieldName?: string;
}

export interface BulkJobOutcome {
  jobId: string;
  state: string;
  errorMessage?: string;
}

/**
 * The error that stopped the reading of an ingest job after its upload was complete: Salesforce may have run it,
 * so its records' outcome is unknown until its results are read (by --resume). `unreadJob` is the job's id.
 */
export type UnreadJobError = SfsyncError & { unreadJob: string };

export function unreadJobOf(err: unknown): string | undefined {
  return err instanceof SfsyncError ? (err as Partial<UnreadJobError>).unreadJob : undefined;
}

interface HttpError extends Error {
  errorCode?: string;
  data?: unknown;
  code?: string;
}

/**
 * Hands each row of a CSV answer to `onRow` with the header, one at a time (read as text: jsforce would turn the
 * whole answer into objects at once). Returns the number of rows after the header.
 */
async function eachCsvRow(text: unknown, onRow: (header: string[], row: string[]) => void): Promise<number> {
  let header: string[] | undefined;
  let rows = 0;
  for await (const row of parse(typeof text === 'string' ? text : '', {
    relax_column_count: true,
  }) as AsyncIterable<string[]>) {
    if (!header) header = row;
    else {
      rows++;
      onRow(header, row);
    }
  }
  return rows;
}

/**
 * An error answer read as text (a call that asked for CSV or text gets its error body unparsed, so jsforce names
 * it `ERROR_HTTP_<status>`): Salesforce's own code and message are taken from the body, JSON or `CODE: message`,
 * so that UNABLE_TO_LOCK_ROW is retried and REQUEST_LIMIT_EXCEEDED stops the run as on any other call.
 */
export function withCodeFromBody(err: unknown): unknown {
  const e = err as HttpError | null;
  if (!e || typeof e !== 'object' || !/^ERROR_HTTP_\d+$/.test(e.errorCode ?? '')) return err;
  const body = (e.message ?? '').trim();
  let found: { errorCode?: unknown; message?: unknown } | undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    found = (Array.isArray(parsed) ? parsed[0] : parsed) as typeof found;
  } catch {
    const m = /^([A-Z]+(?:_[A-Z]+)+):\s*([\s\S]*)$/.exec(body);
    if (m) found = { errorCode: m[1], message: m[2] };
  }
  if (!found || typeof found.errorCode !== 'string' || !/^[A-Za-z_]+$/.test(found.errorCode)) return err;
  e.errorCode = found.errorCode;
  e.name = found.errorCode;
  if (typeof found.message === 'string') e.message = found.message;
  return e;
}

/** The object a misspelt name most likely meant (by API name or label), or undefined; never fails. */
async function closestObject(
  name: string,
  list: () => Promise<ObjectSummary[]>,
): Promise<string | undefined> {
  if (name.length > 200) return undefined;
  let objects: ObjectSummary[];
  try {
    objects = await list();
  } catch {
    return undefined;
  }
  const n = name.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const o of objects) {
    const d = Math.min(editDistance(n, o.name.toLowerCase()), editDistance(n, o.label.toLowerCase()));
    if (!best || d < best.d) best = { name: o.name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(n.length / 4)) ? best.name : undefined;
}

/** Turns what jsforce throws into an sfsync error with a next step. */
export function translateError(err: unknown, instanceUrl: string, relogin = 'sfsync login'): SfsyncError {
  if (err instanceof SfsyncError) return err;
  const e = err as HttpError;
  const code = e.errorCode ?? e.name;
  // jsforce says "Unable to refresh session due to: expired access/refresh token" when the refresh token is refused.
  if (
    code === 'INVALID_SESSION_ID' ||
    code === 'invalid_grant' ||
    /Bad_OAuth_Token|Unable to refresh session|expired access\/refresh token/i.test(e.message)
  ) {
    return new SfsyncError('AUTH_INVALID', `${instanceUrl} refused the session: ${e.message}`, {
      hint: `Run "${relogin}" again (or set a fresh SFSYNC_ACCESS_TOKEN), then re-run this command.`,
      cause: err,
    });
  }
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    return new SfsyncError('REQUEST_LIMIT_EXCEEDED', "The org's daily API request limit is used up.", {
      hint: 'Wait for the 24-hour window to free up calls; a REST load spends far fewer calls with --api bulk.',
      cause: err,
    });
  }
  if (code === 'FeatureNotEnabled' && /hardDelete/i.test(e.message)) {
    return new SfsyncError(
      'HARD_DELETE_NOT_PERMITTED',
      `The org refused the hard delete (FeatureNotEnabled: ${e.message}). The user needs the "Bulk API Hard Delete" permission.`,
      {
        hint: 'Ask a Salesforce admin to grant "Bulk API Hard Delete" (a permission set or the profile), or run without --hard: the records then go to the Recycle Bin.',
        cause: err,
      },
    );
  }
  const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
  if (
    retryAfterMs !== undefined &&
    (code === 'SERVER_UNAVAILABLE' || /^ERROR_HTTP_(429|503)$/.test(code ?? ''))
  ) {
    return new SfsyncError(
      code ?? 'SERVER_UNAVAILABLE',
      `${instanceUrl} is unavailable and asks clients to come back in ${Math.ceil(retryAfterMs / 1000)} s (Retry-After): ${e.message}`,
      {
        hint: 'Wait that long, then run the same command again (with --resume for a sync, to go on where it stopped).',
        cause: err,
      },
    );
  }
  const network = /ECONNREFUSED|ENOTFOUND|ECONNRESET|EAI_AGAIN|ETIMEDOUT|fetch failed|socket hang up/i;
  if (network.test(`${e.code ?? ''} ${e.message}`)) {
    return new SfsyncError('NETWORK', `Cannot reach ${instanceUrl}: ${e.message}`, {
      hint: 'Check the instance URL and your network, then run the command again.',
      cause: err,
    });
  }
  const known = code && /^[A-Z_]+$/.test(code) ? code : undefined;
  // Salesforce's own text can start with a line break (MALFORMED_QUERY quotes the query on lines of its own).
  const text = e.message.replace(/^\s+/, '');
  return new SfsyncError(
    known ?? 'SALESFORCE_ERROR',
    known && !text.startsWith(known) ? `${known}: ${text}` : text,
    {
      hint: 'See the Salesforce error code above; "sfsync describe OBJECT" shows the fields the org has.',
      cause: err,
    },
  );
}

/** The REST header that acknowledges duplicate rule alerts; Bulk API jobs have no equivalent. */
function duplicateHeader(write: WriteOptions | undefined): Record<string, string> {
  return write?.allowDuplicates ? { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' } : {};
}

export interface JsforceClientOptions {
  connection: jsforce.Connection;
  apiVersion: string;
  retry?: RetryPolicy;
  /** The exact login command that renews this org's session, for error hints. */
  relogin?: string;
  /** --verbose: one line per HTTP call and its answer, with secrets redacted. */
  trace?: (line: string) => void;
}

/** Thrown before a call that would go over the run's --max-api-calls budget. */
export function budgetError(budget: number): SfsyncError {
  return new SfsyncError(
    'API_BUDGET_EXCEEDED',
    `The run reached its budget of ${budget} API calls (--max-api-calls).`,
    {
      hint: 'Raise --max-api-calls; a REST load spends far fewer calls per record with --api bulk.',
    },
  );
}

export function createJsforceClient(options: JsforceClientOptions): SalesforceClient {
  const conn = options.connection;
  const retry = options.retry ?? DEFAULT_RETRY;
  const describes = new Map<string, Promise<ObjectInfo>>();
  let calls = 0;
  let budget: number | undefined;
  const instanceUrl = conn.instanceUrl;

  async function request<T>(
    method: string,
    url: string,
    body?: unknown,
    idempotent = true,
    responseType?: string,
    onHeaders?: (headers: Record<string, string>) => void,
    headers: Record<string, string> = {},
  ): Promise<T> {
    return withRetry(retry, idempotent, async () => {
      if (!options.trace) return sendRequest<T>(method, url, body, responseType, onHeaders, headers);
      const started = Date.now();
      options.trace(
        redact(`→ ${method} ${url}${body === undefined ? '' : ` (${JSON.stringify(body).length} bytes)`}`),
      );
      try {
        const result = await sendRequest<T>(method, url, body, responseType, onHeaders, headers);
        options.trace(`← ok in ${Date.now() - started} ms`);
        return result;
      } catch (err) {
        const e = err as HttpError;
        options.trace(redact(`← ${e.errorCode ?? e.name}: ${e.message} (${Date.now() - started} ms)`));
        throw err;
      }
    }).catch((err: unknown) => {
      throw translateError(err, instanceUrl, options.relogin);
    });
  }

  async function sendRequest<T>(
    method: string,
    url: string,
    body?: unknown,
    responseType?: string,
    onHeaders?: (headers: Record<string, string>) => void,
    headers: Record<string, string> = {},
  ): Promise<T> {
    return send<T>(
      {
        method: method as 'GET',
        url,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      },
      responseType,
      onHeaders,
    );
  }

  /**
   * One HTTP attempt through jsforce, which refreshes an expired session. jsforce's own retries are off, so the
   * policy of retry.ts is the only one; the attempt's `Retry-After` header, if any, is kept on the error.
   */
  async function send<T>(
    req: jsforce.HttpRequest,
    responseType?: string,
    onHeaders?: (headers: Record<string, string>) => void,
  ): Promise<T> {
    // Every HTTP request sfsync makes passes here, retries included: the one place the budget is checked.
    if (budget !== undefined && calls >= budget) throw budgetError(budget);
    calls++;
    let retryAfterMs: number | undefined;
    const transport = {
      httpRequest(httpReq: jsforce.HttpRequest, opts: object) {
        const sent = conn._transport.httpRequest(httpReq, opts);
        sent.then(
          (res) => {
            retryAfterMs = parseRetryAfter(res?.headers?.['retry-after']);
            if (res?.headers) onHeaders?.(res.headers as Record<string, string>);
          },
          () => {},
        );
        return sent;
      },
    };
    try {
      return (await conn.request(req, { transport, responseType, retry: { maxRetries: 0 } })) as T;
    } catch (err) {
      if (retryAfterMs !== undefined && err !== null && typeof err === 'object')
        (err as { retryAfterMs?: number }).retryAfterMs = retryAfterMs;
      throw withCodeFromBody(err);
    }
  }

  /** Polls an ingest job to its end, then reads its successful and failed results, row by row, as text. */
  async function finishIngest(
    jobId: string,
    onRow: (set: BulkResultSet, header: string[], row: string[]) => void,
  ): Promise<BulkJobOutcome> {
    const base = `/jobs/ingest/${encodeURIComponent(jobId)}`;
    const info = await waitForJob(base);
    // Not unprocessedrecords: a record in neither set was not processed, which is all that set would say, and
    // leaving it out saves a call per job.
    for (const set of ['successfulResults', 'failedResults'] as const) {
      const text = await request<unknown>('GET', `${base}/${set}`, undefined, true, 'text/plain');
      await eachCsvRow(text, (header, row) => onRow(set, header, row));
    }
    return { jobId, state: info.state, errorMessage: info.errorMessage };
  }

  /** Polls a Bulk API job, with a growing pause, until it has ended. */
  async function waitForJob(base: string): Promise<{ state: string; errorMessage?: string }> {
    for (let attempt = 0; ; attempt++) {
      const info = await request<{ state: string; errorMessage?: string }>('GET', base);
      if (['JobComplete', 'Failed', 'Aborted'].includes(info.state)) return info;
      await retry.sleep(Math.min(5_000, Math.max(25, retry.baseDelayMs / 2) * 1.5 ** attempt));
    }
  }

  return {
    instanceUrl,
    apiVersion: options.apiVersion,
    apiCalls: () => calls,
    setBudget: (max) => {
      budget = max;
    },
    async remainingDailyRequests() {
      const limits = await request<{ DailyApiRequests?: { Remaining?: number } }>('GET', '/limits');
      return limits.DailyApiRequests?.Remaining ?? null;
    },
    orgApiUsage: () => conn.limitInfo?.apiUsage ?? null,
    async identity() {
      // A REST call first: an expired session answers 401 there, which lets jsforce refresh it.
      let isSandbox = /\.sandbox\.my\.salesforce\.com$/.test(new URL(instanceUrl).hostname);
      try {
        const org = await request<{ records: Array<{ IsSandbox: boolean }> }>(
          'GET',
          `/query?q=${encodeURIComponent('SELECT IsSandbox FROM Organization')}`,
        );
        if (org.records[0]) isSandbox = org.records[0].IsSandbox === true;
      } catch (err) {
        // Users without access to Organization: the host name decides. A dead session is fatal.
        if (
          err instanceof SfsyncError &&
          ['AUTH_INVALID', 'NETWORK', 'REQUEST_LIMIT_EXCEEDED'].includes(err.code)
        )
          throw err;
      }
      const info = await request<{ preferred_username: string; user_id: string; organization_id: string }>(
        'GET',
        '/services/oauth2/userinfo',
      );
      return {
        username: info.preferred_username,
        userId: info.user_id,
        orgId: info.organization_id,
        isSandbox,
      };
    },
    async describeGlobal() {
      const res = await request<{ sobjects: ObjectSummary[] }>('GET', '/sobjects');
      return res.sobjects;
    },
    describe(object) {
      const key = object.toLowerCase();
      let cached = describes.get(key);
      if (!cached) {
        cached = request<ObjectInfo & { fields: FieldInfo[] }>(
          'GET',
          `/sobjects/${encodeURIComponent(object)}/describe`,
        ).catch(async (err: unknown) => {
          describes.delete(key);
          if (err instanceof SfsyncError && err.code === 'NOT_FOUND') {
            const guess = await closestObject(
              object,
              async () => (await request<{ sobjects: ObjectSummary[] }>('GET', '/sobjects')).sobjects,
            );
            throw new SfsyncError('OBJECT_UNKNOWN', `The org has no object named ${object}.`, {
              hint: `${guess ? `Did you mean ${guess}? ` : ''}Run "sfsync describe" to list the objects; custom objects end in __c.`,
            });
          }
          throw err;
        });
        describes.set(key, cached);
      }
      return cached;
    },
    async count(soql) {
      const res = await request<{ totalSize: number }>('GET', `/query?q=${encodeURIComponent(soql)}`);
      return res.totalSize;
    },
    async bulkQuery(soql, onRow, onOpen, options) {
      // Creating a query job twice only costs a job: safe to retry.
      const job = await request<{ id: string }>('POST', '/jobs/query', {
        operation: options?.all ? 'queryAll' : 'query',
        query: soql,
      });
      onOpen?.(job.id);
      const base = `/jobs/query/${job.id}`;
      const info = await waitForJob(base);
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
        let next: string | undefined;
        const text = await request<unknown>(
          'GET',
          `${base}/results?maxRecords=100000${locator ? `&locator=${encodeURIComponent(locator)}` : ''}`,
          undefined,
          true,
          'text/plain',
          (headers) => {
            next = headers['sforce-locator'];
          },
        );
        rows += await eachCsvRow(text, onRow);
        // The last page says "null"; a missing header ends the reading too rather than looping.
        locator = next && next !== 'null' ? next : undefined;
      } while (locator);
      return { jobId: job.id, rows };
    },
    async *query(soql, options) {
      let page = await request<{
        records: Array<Record<string, unknown>>;
        totalSize: number;
        done: boolean;
        nextRecordsUrl?: string;
      }>('GET', `/${options?.all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`);
      options?.onTotal?.(page.totalSize);
      for (;;) {
        for (const r of page.records) yield r;
        if (page.done || !page.nextRecordsUrl) return;
        page = await request('GET', page.nextRecordsUrl);
      }
    },
    create(object, records, write) {
      const body = {
        allOrNone: false,
        records: records.map((r) => ({ attributes: { type: object }, ...r })),
      };
      // A create that may have reached Salesforce is never sent twice: retries only on answers that say it did not.
      return request<SaveResult[]>(
        'POST',
        '/composite/sobjects',
        body,
        false,
        undefined,
        undefined,
        duplicateHeader(write),
      );
    },
    update(object, records, write) {
      const body = {
        allOrNone: false,
        records: records.map((r) => ({ attributes: { type: object }, ...r })),
      };
      return request<SaveResult[]>(
        'PATCH',
        '/composite/sobjects',
        body,
        true,
        undefined,
        undefined,
        duplicateHeader(write),
      );
    },
    upsert(object, externalIdField, records, write) {
      const body = {
        allOrNone: false,
        records: records.map((r) => ({ attributes: { type: object }, ...r })),
      };
      const url = `/composite/sobjects/${encodeURIComponent(object)}/${encodeURIComponent(externalIdField)}`;
      return request<SaveResult[]>('PATCH', url, body, false, undefined, undefined, duplicateHeader(write));
    },
    async bulkIngest(spec, csv, onOpen, onRow) {
      let job: { id: string };
      let base: string;
      for (let attempt = 1; ; attempt++) {
        // A job opened twice (the first answer lost) leaves an empty Open job that Salesforce never runs: safe to
        // retry.
        job = await request<{ id: string }>('POST', '/jobs/ingest', {
          ...spec,
          contentType: 'CSV',
          lineEnding: 'LF',
          columnDelimiter: 'COMMA',
        });
        onOpen(job.id);
        base = `/jobs/ingest/${job.id}`;
        const url = `${base}/batches`;
        try {
          await withRetry(retry, false, async () => {
            options.trace?.(`→ PUT ${url} (${Buffer.byteLength(csv)} bytes of CSV)`);
            return send({ method: 'PUT', url, body: csv, headers: { 'Content-Type': 'text/csv' } });
          });
          break;
        } catch (err) {
          // Whether a cut-off upload reached the job is unknown, but nothing of an Open job is ever applied: it is
          // aborted, and the records go to a new job.
          if (!isConnectionError(err) || attempt >= retry.attempts)
            throw translateError(err, instanceUrl, options.relogin);
          await request('PATCH', base, { state: 'Aborted' });
        }
      }
      try {
        await request('PATCH', base, { state: 'UploadComplete' });
        return await finishIngest(job.id, onRow);
      } catch (err) {
        // From here Salesforce may run the job: whatever stopped the reading, its records are not known to have
        // failed.
        const e = err instanceof SfsyncError ? err : translateError(err, instanceUrl, options.relogin);
        throw Object.assign(e, { unreadJob: job.id });
      }
    },
    async bulkIngestResults(jobId, onRow) {
      const base = `/jobs/ingest/${encodeURIComponent(jobId)}`;
      const info = await request<{ state: string; errorMessage?: string }>('GET', base);
      if (info.state === 'Open') {
        await request('PATCH', base, { state: 'Aborted' });
        return { jobId, state: 'Aborted', errorMessage: 'aborted before its upload was complete' };
      }
      return finishIngest(jobId, onRow);
    },
    async undelete(ids) {
      if (budget !== undefined && calls >= budget) throw budgetError(budget);
      calls++;
      options.trace?.(`→ POST /services/Soap/u/${conn.version} undelete (${ids.length} Ids)`);
      try {
        // Not retried: a second undelete of a record the first brought back fails with UNDELETE_FAILED, and the
        // caller reads the records again to learn which came back.
        const results = await conn.soap.undelete(ids);
        return results.map((r) => ({
          id: r.id ?? undefined,
          success: r.success,
          errors: (r.errors ?? []).map((e) => ({
            statusCode: e.statusCode,
            message: e.message,
            fields: e.fields ?? [],
          })),
        }));
      } catch (err) {
        throw translateError(err, instanceUrl, options.relogin);
      }
    },
    delete(ids) {
      return request<SaveResult[]>(
        'DELETE',
        `/composite/sobjects?ids=${ids.map(encodeURIComponent).join(',')}&allOrNone=false`,
      );
    },
  };
}
