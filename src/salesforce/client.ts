import { redact } from '../core/redact.js';
import { SfsyncError } from '../errors.js';
import { budgetError, closestObject, lostAnswerError, translateError } from './client-errors.js';
import { bulkIngest, bulkIngestResults, bulkQuery, type BulkContext, type Request } from './bulk.js';
import { readIdentity } from './identity.js';
import { undelete } from './soap.js';
import { answerLost, DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import {
  createTransport,
  type HttpCall,
  type HttpError,
  type Send,
  type TokenProvider,
} from './transport.js';
import type {
  FieldInfo,
  ObjectInfo,
  ObjectSummary,
  SalesforceClient,
  SaveResult,
  WriteOptions,
} from './types.js';

export { budgetError, translateError, unreadJobOf, type UnreadJobError } from './client-errors.js';
export { withCodeFromBody } from './transport.js';
export {
  bulkJobEnded,
  duplicateIds,
  type BulkJobOutcome,
  type BulkJobSpec,
  type BulkResultSet,
  type SalesforceClient,
  type SaveError,
  type SaveResult,
  type WriteOptions,
} from './types.js';

export interface ClientOptions {
  instanceUrl: string;
  apiVersion: string;
  tokens: TokenProvider;
  retry?: RetryPolicy;
  /** The exact login command that renews this org's session, for error hints. */
  relogin?: string;
  /** --verbose: one line per HTTP call and its answer, with secrets redacted. */
  trace?: (line: string) => void;
}

/** The REST headers of a write: duplicate rule alerts acknowledged, the assignment rule to run (Bulk jobs carry neither). */
function duplicateHeader(write: WriteOptions | undefined): Record<string, string> {
  return {
    ...(write?.allowDuplicates ? { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' } : {}),
    ...(write?.autoAssign ? { 'Sforce-Auto-Assign': write.autoAssign } : {}),
  };
}

/** One HTTP attempt, with a line before and after it in the --verbose trace. */
async function traced(send: Send, call: HttpCall, trace: ((line: string) => void) | undefined) {
  if (!trace) return send(call);
  const started = Date.now();
  const bytes =
    call.body === undefined
      ? undefined
      : typeof call.body === 'string'
        ? Buffer.byteLength(call.body)
        : call.body.bytes;
  const size = bytes === undefined ? '' : ` (${bytes} bytes)`;
  trace(redact(`→ ${call.method} ${call.url}${size}`));
  try {
    const answer = await send(call);
    trace(`← ok in ${Date.now() - started} ms`);
    return answer;
  } catch (err) {
    const e = err as HttpError;
    trace(redact(`← ${e.errorCode ?? e.name}: ${e.message} (${Date.now() - started} ms)`));
    throw err;
  }
}

interface Counter {
  calls: number;
  budget?: number;
  /** The latest Date header the org answered with (ms). */
  serverTime?: number;
}

/** Call counting, the --max-api-calls budget, the retry policy and error translation around each request. */
function createRequest(options: ClientOptions, counter: Counter): Request {
  const send = createTransport(options.instanceUrl, options.apiVersion, options.tokens);
  const retry = options.retry ?? DEFAULT_RETRY;
  return async <T>(method: string, url: string, o: Parameters<Request>[2] = {}): Promise<T> => {
    const body = o.csv ?? (o.json === undefined ? undefined : JSON.stringify(o.json));
    const type =
      o.csv !== undefined
        ? 'text/csv'
        : o.xmlFor !== undefined
          ? 'text/xml; charset=UTF-8'
          : o.json !== undefined
            ? 'application/json'
            : undefined;
    const call: HttpCall = {
      method,
      url,
      body,
      bodyFor: o.xmlFor,
      as: o.as,
      headers: { ...o.headers },
      onText: o.onText,
    };
    if (type) call.headers!['Content-Type'] = type;
    try {
      return await withRetry(retry, o.idempotent ?? true, async () => {
        // Every HTTP request sfsync makes to the org passes here, retries included: the one place the budget is
        // checked and calls are counted.
        if (counter.budget !== undefined && counter.calls >= counter.budget)
          throw budgetError(counter.budget);
        counter.calls++;
        o.onAttempt?.();
        const answer = await traced(send, call, options.trace).catch((err: unknown) => {
          if (answerLost(err)) o.onLostAnswer?.();
          throw err;
        });
        const date = Date.parse(answer.headers.get('date') ?? '');
        if (date > (counter.serverTime ?? 0)) counter.serverTime = date;
        o.onHeaders?.(answer.headers);
        return answer.body as T;
      });
    } catch (err) {
      if (method !== 'GET' && answerLost(err)) throw lostAnswerError(err, options.instanceUrl, method);
      throw translateError(err, options.instanceUrl, options.relogin);
    }
  };
}

/** Cached describes; a name the org does not know gets a did-you-mean from the object list. */
function createDescribe(request: Request): (object: string) => Promise<ObjectInfo> {
  const describes = new Map<string, Promise<ObjectInfo>>();
  const objects = async () => (await request<{ sobjects: ObjectSummary[] }>('GET', '/sobjects')).sobjects;
  return (object) => {
    const key = object.toLowerCase();
    let cached = describes.get(key);
    if (!cached) {
      cached = request<ObjectInfo & { fields: FieldInfo[] }>(
        'GET',
        `/sobjects/${encodeURIComponent(object)}/describe`,
      ).catch(async (err: unknown) => {
        describes.delete(key);
        if (err instanceof SfsyncError && err.code === 'NOT_FOUND') {
          const guess = await closestObject(object, objects);
          throw unknownObject(object, guess);
        }
        throw err;
      });
      describes.set(key, cached);
    }
    return cached;
  };
}

function unknownObject(object: string, guess: string | undefined): SfsyncError {
  return new SfsyncError('OBJECT_UNKNOWN', `The org has no object named ${object}.`, {
    hint: `${guess ? `Did you mean ${guess}? ` : ''}Run "sfsync describe" to list the objects; custom objects end in __c.`,
  });
}

/** Every row of a REST query, page by page. */
async function* queryRows(
  request: Request,
  soql: string,
  options?: { all?: boolean; onTotal?: (totalSize: number) => void },
): AsyncGenerator<Record<string, unknown>> {
  type Page = {
    records: Array<Record<string, unknown>>;
    totalSize: number;
    done: boolean;
    nextRecordsUrl?: string;
  };
  let page = await request<Page>(
    'GET',
    `/${options?.all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`,
  );
  options?.onTotal?.(page.totalSize);
  for (;;) {
    for (const r of page.records) yield r;
    if (page.done || !page.nextRecordsUrl) return;
    page = await request<Page>('GET', page.nextRecordsUrl);
  }
}

/**
 * An upsert on an external ID where every record carries its key: sent twice, the second finds what the first
 * created. Keyed on Id, the records without one are created, so a resend could duplicate them.
 */
function upsertIdempotent(field: string, records: Array<Record<string, unknown>>): boolean {
  return (
    field.toLowerCase() !== 'id' &&
    records.every((r) => r[field] !== undefined && r[field] !== null && r[field] !== '')
  );
}

/** A record a resent delete finds in the Recycle Bin: deleted (by the send whose answer was lost, or already). */
function deletedBefore(r: SaveResult, id: string | undefined): SaveResult {
  if (r.success || r.errors[0]?.statusCode !== 'ENTITY_IS_DELETED') return r;
  return { id: r.id ?? id, success: true, errors: [] };
}

/** The composite sObject collections writes (up to 200 records a call), never all-or-none. */
function collectionWrites(request: Request) {
  const body = (object: string, records: Array<Record<string, unknown>>) => ({
    allOrNone: false,
    records: records.map((r) => ({ attributes: { type: object }, ...r })),
  });
  return {
    // A create that may have reached Salesforce is never sent twice: retries only on answers that say it did not.
    create: (object: string, records: Array<Record<string, unknown>>, write?: WriteOptions) =>
      request<SaveResult[]>('POST', '/composite/sobjects', {
        json: body(object, records),
        idempotent: false,
        headers: duplicateHeader(write),
      }),
    update: (object: string, records: Array<Record<string, unknown>>, write?: WriteOptions) =>
      request<SaveResult[]>('PATCH', '/composite/sobjects', {
        json: body(object, records),
        headers: duplicateHeader(write),
      }),
    // Resent after a lost answer, its results say so (`resent`): what the lost call created reads as updated.
    upsert: async (
      object: string,
      field: string,
      records: Array<Record<string, unknown>>,
      write?: WriteOptions,
    ) => {
      let lost = false;
      const results = await request<SaveResult[]>(
        'PATCH',
        `/composite/sobjects/${encodeURIComponent(object)}/${encodeURIComponent(field)}`,
        {
          json: body(object, records),
          idempotent: upsertIdempotent(field, records),
          headers: duplicateHeader(write),
          onLostAnswer: () => void (lost = true),
        },
      );
      return lost && Array.isArray(results) ? results.map((r) => ({ ...r, resent: true })) : results;
    },
    delete: async (ids: string[]) => {
      let lost = false;
      const results = await request<SaveResult[]>(
        'DELETE',
        `/composite/sobjects?ids=${ids.map(encodeURIComponent).join(',')}&allOrNone=false`,
        { onLostAnswer: () => (lost = true) },
      );
      // Sent again after an answer was lost: what the lost send deleted now answers ENTITY_IS_DELETED.
      return lost ? results.map((r, i) => deletedBefore(r, ids[i])) : results;
    },
  };
}

/**
 * The client: REST and Bulk API 2.0 over a small fetch transport (response headers in reach without jsforce's
 * private API); jsforce stays for OAuth (token refresh, PKCE) behind the token provider.
 */
export function createSalesforceClient(options: ClientOptions): SalesforceClient {
  const counter: Counter = { calls: 0 };
  const request = createRequest(options, counter);
  const { instanceUrl } = options;
  const bulk: BulkContext = {
    request,
    retry: options.retry ?? DEFAULT_RETRY,
    instanceUrl,
    relogin: options.relogin,
  };
  return {
    instanceUrl,
    apiVersion: options.apiVersion,
    retry: bulk.retry,
    apiCalls: () => counter.calls,
    serverTime: () => counter.serverTime ?? null,
    setBudget: (max) => void (counter.budget = max),
    async remainingDailyRequests() {
      const limits = await request<{ DailyApiRequests?: { Remaining?: number } }>('GET', '/limits');
      return limits.DailyApiRequests?.Remaining ?? null;
    },
    identity: () => readIdentity(request, instanceUrl),
    describeGlobal: async () => (await request<{ sobjects: ObjectSummary[] }>('GET', '/sobjects')).sobjects,
    describe: createDescribe(request),
    count: async (soql) =>
      (await request<{ totalSize: number }>('GET', `/query?q=${encodeURIComponent(soql)}`)).totalSize,
    query: (soql, o) => queryRows(request, soql, o),
    bulkQuery: (soql, onRow, onOpen, o) => bulkQuery(bulk, soql, onRow, onOpen, o),
    ...collectionWrites(request),
    undelete: (ids) => undelete(request, options.apiVersion, ids),
    bulkIngest: (spec, csv, onOpen, onRow) => bulkIngest(bulk, spec, csv, onOpen, onRow),
    bulkIngestResults: (jobId, onRow) => bulkIngestResults(bulk, jobId, onRow),
  };
}
