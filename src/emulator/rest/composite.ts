import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { apiError, HttpError, sendJson } from '../http.js';
import { jsonObject, methodNotAllowed, type RestCall } from './call.js';

/** What one subrequest answered. */
export interface SubResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Runs a request of this org's REST API in-process: `path` is after `/services/data/`, e.g. `v62.0/sobjects/Account`. */
export type SubRequestRunner = (
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
) => Promise<SubResponse>;

const MAX_SUBREQUESTS = 25;
const REFERENCE_ID = /^[A-Za-z0-9_]+$/;
const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

export const HALTED = {
  errorCode: 'PROCESSING_HALTED',
  message: 'The transaction was rolled back since another operation in the same transaction failed.',
};

export interface SubRequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, string>;
}

/**
 * A request and response that live in memory, so a subrequest goes through the same handlers as a call over HTTP.
 */
export function runInProcess(
  handle: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>,
): (method: string, url: URL, body: unknown, headers: Record<string, string>) => Promise<SubResponse> {
  return async (method, url, body, headers) => {
    const payload = body === undefined || body === null ? [] : [Buffer.from(JSON.stringify(body))];
    const req = Object.assign(Readable.from(payload), {
      method,
      url: url.pathname + url.search,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    }) as unknown as IncomingMessage;
    const out: SubResponse = { status: 200, headers: {}, body: null };
    let text = '';
    const res = {
      headersSent: false,
      setHeader: (k: string, v: string) => void (out.headers[k] = String(v)),
      writeHead: (status: number, h: Record<string, string | number> = {}) => {
        out.status = status;
        for (const [k, v] of Object.entries(h)) out.headers[k] = String(v);
        res.headersSent = true;
        return res;
      },
      end: (chunk?: string) => void (text += chunk ?? ''),
    };
    try {
      await handle(req, res as unknown as ServerResponse, url);
      out.body = text ? (JSON.parse(text) as unknown) : null;
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      out.status = err.status;
      out.body = err.errors;
    }
    for (const k of Object.keys(out.headers))
      if (/^(content-type|content-length)$/i.test(k)) delete out.headers[k];
    return out;
  };
}

/** The value a reference like `@{NewAccount.id}` or `@{q.records[0].Id}` stands for, or undefined. */
function lookup(results: Map<string, SubResponse>, ref: string, path: string): unknown {
  const done = results.get(ref);
  if (!done || done.status >= 400) return undefined;
  let value: unknown = done.body;
  for (const m of path.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[m[1] ?? m[2] ?? ''];
  }
  return value;
}

/** Puts earlier results into a string, a whole-string reference keeping the value's JSON type. */
function resolve(value: unknown, results: Map<string, SubResponse>, missing: string[]): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^${REFERENCE.source}$`).exec(value);
    if (whole) {
      const v = lookup(results, whole[1] as string, whole[2] as string);
      if (v === undefined) missing.push(`${whole[1]}${whole[2]}`);
      return v;
    }
    return value.replace(REFERENCE, (all, ref: string, path: string) => {
      const v = lookup(results, ref, path);
      if (v === undefined) missing.push(`${ref}${path}`);
      return v === undefined ? all : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, results, missing));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, results, missing)]));
  return value;
}

/** Each subrequest has a method, a url and a unique referenceId of letters, digits and underscores. */
export function checkSubrequests(list: unknown[]): SubRequest[] {
  const seen = new Set<string>();
  return (list as Array<Partial<SubRequest>>).map((item) => {
    for (const key of ['method', 'url', 'referenceId'] as const)
      if (typeof item?.[key] !== 'string')
        throw apiError(400, 'JSON_PARSER_ERROR', `'${key}' is a required field.`);
    const ref = item.referenceId as string;
    if (!REFERENCE_ID.test(ref))
      throw apiError(
        400,
        'INVALID_INPUT',
        `The referenceId ${ref} can only contain letters, numbers and underscores`,
      );
    if (seen.has(ref))
      throw apiError(400, 'INVALID_INPUT', `Duplicate referenceId provided in the request: ${ref}`);
    seen.add(ref);
    return item as SubRequest;
  });
}

/** One subrequest's entry in a `compositeResponse`. */
export interface CompositeResult {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number | undefined;
  referenceId: string;
}

/**
 * Runs checked subrequests in order, later ones using earlier results through `@{ref.path}`. With `allOrNone`, the
 * first failure rolls everything back and every other subrequest answers PROCESSING_HALTED.
 */
export async function runSubrequests(
  call: RestCall,
  subrequests: SubRequest[],
  allOrNone: boolean,
  run: SubRequestRunner,
): Promise<CompositeResult[]> {
  const results = new Map<string, SubResponse>();
  const answers: Array<SubResponse & { referenceId: string }> = [];
  if (allOrNone) call.store.beginJournal();
  let failed = false;
  try {
    for (const sub of subrequests) {
      if (failed && allOrNone) break;
      const answer = await runOne(sub, results, run);
      if (answer.status >= 400) failed = true;
      results.set(sub.referenceId, answer);
      answers.push({ ...answer, referenceId: sub.referenceId });
    }
  } finally {
    const journal = allOrNone ? call.store.endJournal() : null;
    if (journal && failed) call.store.rollback(journal);
  }
  return subrequests.map((sub) => {
    const answer = answers.find((a) => a.referenceId === sub.referenceId);
    if (allOrNone && failed && (!answer || answer.status < 400))
      return { body: [HALTED], httpHeaders: {}, httpStatusCode: 400, referenceId: sub.referenceId };
    return {
      body: answer?.body ?? null,
      httpHeaders: answer?.headers ?? {},
      httpStatusCode: answer?.status,
      referenceId: sub.referenceId,
    };
  });
}

async function runOne(
  sub: SubRequest,
  results: Map<string, SubResponse>,
  run: SubRequestRunner,
): Promise<SubResponse> {
  const missing: string[] = [];
  const url = resolve(sub.url, results, missing) as string;
  const input = resolve(sub.body, results, missing);
  const prefix = /^\/services\/data\/(v\d+\.\d\/.*)$/.exec(url);
  const answer: SubResponse =
    missing.length > 0
      ? {
          status: 400,
          headers: {},
          // [unverified] wording; the code is Salesforce's for a subrequest that cannot run.
          body: [
            {
              errorCode: 'PROCESSING_HALTED',
              message: `Invalid reference specified. No value for ${missing[0]} found in the earlier subrequests.`,
            },
          ],
        }
      : prefix
        ? await run(sub.method.toUpperCase(), prefix[1] as string, input, sub.httpHeaders ?? {})
        : {
            status: 404,
            headers: {},
            body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
          };
  if (
    answer.status === 201 &&
    /\/sobjects\/\w+\/?$/.test(url) &&
    typeof (answer.body as { id?: unknown })?.id === 'string'
  )
    answer.headers.Location = `${url.replace(/\/$/, '')}/${(answer.body as { id: string }).id}`;
  return answer;
}

/**
 * `POST /composite`: up to 25 subrequests in order, later ones using earlier results through `@{ref.path}`.
 * With `allOrNone`, the first failure rolls everything back and every other subrequest answers PROCESSING_HALTED
 * [doc REST "Composite", "Composite Subrequest Result"].
 */
export async function composite(call: RestCall, run: SubRequestRunner): Promise<void> {
  if (call.method !== 'POST') throw methodNotAllowed(call.method, 'POST');
  const body = await jsonObject(call.req);
  const list = body.compositeRequest;
  if (!Array.isArray(list))
    throw apiError(400, 'JSON_PARSER_ERROR', "'compositeRequest' is a required field.");
  // Salesforce's limit; the error's code and text are [unverified].
  if (list.length > MAX_SUBREQUESTS)
    throw apiError(400, 'INVALID_INPUT', `A composite request can have up to ${MAX_SUBREQUESTS} subrequests`);
  const subrequests = checkSubrequests(list);
  const compositeResponse = await runSubrequests(call, subrequests, body.allOrNone === true, run);
  sendJson(call.res, 200, { compositeResponse });
}

/**
 * `POST /composite/batch`: up to 25 independent subrequests (`url` like `v62.0/sobjects/Account/…`, body in
 * `richInput`); with `haltOnError`, those after a failure answer 412 BATCH_PROCESSING_HALTED [doc REST "Batch"].
 */
export async function compositeBatch(call: RestCall, run: SubRequestRunner): Promise<void> {
  if (call.method !== 'POST') throw methodNotAllowed(call.method, 'POST');
  const body = await jsonObject(call.req);
  const list = body.batchRequests;
  if (!Array.isArray(list)) throw apiError(400, 'JSON_PARSER_ERROR', "'batchRequests' is a required field.");
  if (list.length > MAX_SUBREQUESTS)
    throw apiError(400, 'INVALID_INPUT', `A batch request can have up to ${MAX_SUBREQUESTS} subrequests`);
  const haltOnError = body.haltOnError === true;
  const results: Array<{ statusCode: number; result: unknown }> = [];
  let halted = false;
  for (const item of list as Array<{ method?: string; url?: string; richInput?: unknown }>) {
    if (typeof item?.method !== 'string' || typeof item.url !== 'string')
      throw apiError(400, 'JSON_PARSER_ERROR', "'method' and 'url' are required fields.");
    if (halted) {
      results.push({
        statusCode: 412,
        result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }],
      });
      continue;
    }
    const path = item.url.replace(/^\/?(?:services\/data\/)?/, '');
    const answer = /^v\d+\.\d\//.test(path)
      ? await run(item.method.toUpperCase(), path, item.richInput, {})
      : {
          status: 404,
          headers: {},
          body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
        };
    results.push({ statusCode: answer.status, result: answer.body });
    if (answer.status >= 400 && haltOnError) halted = true;
  }
  sendJson(call.res, 200, { hasErrors: results.some((r) => r.statusCode >= 400), results });
}
