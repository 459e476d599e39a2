import { parseRetryAfter } from './retry.js';
import { sendFile } from './upload.js';

/**
 * Where the client gets its access token, and how it renews an expired one. Whoever connects (a stored org with
 * a refresh token, or a bare SFSYNC_ACCESS_TOKEN) supplies it, so this folder needs nothing of src/auth.
 */
export interface TokenProvider {
  accessToken(): string;
  /** A new access token for an expired session; absent when the session cannot be renewed. */
  refresh?: () => Promise<string>;
}

/** A token that cannot be renewed (SFSYNC_ACCESS_TOKEN, or a login that is still identifying its user). */
export function fixedToken(accessToken: string): TokenProvider {
  return { accessToken: () => accessToken };
}

/** One HTTP request to the org. */
export interface HttpCall {
  method: string;
  /** `/services/…` from the host, any other `/path` under `/services/data/vXX.X`, or an absolute URL. */
  url: string;
  /** A text, or a file's bytes read as they are sent (a Bulk upload of up to 100 MB is never held in memory). */
  body?: string | FileBody;
  /**
   * A body that carries the session itself (a SOAP envelope's SessionHeader): built for each attempt, so that a
   * renewed session is sent in it, and a fault saying the session is invalid renews it as a 401 does.
   */
  bodyFor?: (accessToken: string) => string;
  headers?: Record<string, string>;
  /** 'text': the answer as text, whatever its type (CSV pages); otherwise JSON is parsed. */
  as?: 'json' | 'text';
  /**
   * A successful answer's text handed over piece by piece as it arrives (a Bulk result set of tens of MB is never
   * held whole); the answer's body is then undefined. Error answers are read whole as always.
   */
  onText?: (piece: string) => void;
}

/** A request body streamed from a file. */
export interface FileBody {
  file: string;
  bytes: number;
}

export interface HttpAnswer {
  body: unknown;
  headers: Headers;
}

/** What an error answer is turned into: Salesforce's own code and message, and the wait it asked for. */
export interface HttpError extends Error {
  errorCode?: string;
  status?: number;
  code?: string;
  retryAfterMs?: number;
}

export type Send = (call: HttpCall) => Promise<HttpAnswer>;

/** 401 answers that are not an expired session: refreshing would loop (jsforce skips the same two). */
const NOT_EXPIRED =
  /Connected app is not attached to Agent|This session is not valid for use with the REST API/;

/**
 * A small fetch-based transport: one HTTP attempt per call (the retry policy of retry.ts is the only one), its
 * response headers in reach (Retry-After, Sforce-Locator), and an expired session renewed once through the token
 * provider, with one refresh for all the calls that found it expired together.
 */
export function createTransport(instanceUrl: string, apiVersion: string, tokens: TokenProvider): Send {
  let refreshing: Promise<string> | undefined;

  async function renew(stale: string): Promise<void> {
    if (tokens.accessToken() !== stale) return;
    refreshing ??= tokens.refresh!().finally(() => (refreshing = undefined));
    await refreshing;
  }

  function absolute(url: string): string {
    if (/^https?:\/\//.test(url)) return url;
    return url.startsWith('/services/')
      ? `${instanceUrl}${url}`
      : `${instanceUrl}/services/data/v${apiVersion}${url}`;
  }

  return async (call) => {
    for (let renewed = false; ; renewed = true) {
      if (refreshing) await refreshing;
      const token = tokens.accessToken();
      const res =
        typeof call.body === 'object'
          ? await sendFile(absolute(call.url), call.method, headersOf(call, token), call.body)
          : await fetchOnce(absolute(call.url), requestInit(call, token));
      if (call.onText && res.status < 400) {
        await readPieces(res, call.onText);
        return { body: undefined, headers: res.headers };
      }
      const text = await res.text().catch((err: unknown) => {
        throw connectionError(err);
      });
      if (tokens.refresh && !renewed && sessionExpired(call, res.status, text)) {
        await renew(token);
        continue;
      }
      if (res.status >= 400) throw answerError(res, text);
      return { body: parseBody(res, text, call.as), headers: res.headers };
    }
  };
}

function headersOf(call: HttpCall, token: string): Record<string, string> {
  return { ...call.headers, Authorization: `Bearer ${token}` };
}

function requestInit(call: HttpCall, token: string): RequestInit {
  const body = call.bodyFor ? call.bodyFor(token) : call.body;
  // A file is sent by sendFile.
  return {
    method: call.method,
    headers: headersOf(call, token),
    body: typeof body === 'string' ? body : undefined,
  };
}

/** A successful answer's body, decoded as UTF-8 piece by piece (a character cut between pieces is kept whole). */
async function readPieces(res: Response, onText: (piece: string) => void): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  try {
    if (res.body)
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const piece = decoder.decode(chunk, { stream: true });
        if (piece.length > 0) onText(piece);
      }
  } catch (err) {
    throw connectionError(err);
  }
  const last = decoder.decode();
  if (last.length > 0) onText(last);
}

/**
 * An answer saying the session expired: a 401 (REST, Bulk), or a SOAP fault INVALID_SESSION_ID (HTTP 500: SOAP
 * carries the session in the envelope, and answers every failed call with a fault).
 */
function sessionExpired(call: HttpCall, status: number, text: string): boolean {
  if (status === 401) return !NOT_EXPIRED.test(text);
  return call.bodyFor !== undefined && status === 500 && /<faultcode>[\w.-]*:?INVALID_SESSION_ID</.test(text);
}

async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw connectionError(err);
  }
}

/** Failures before a connection was made: the request never left, and the org is not there to retry against. */
const NOT_CONNECTED = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)$/;

/**
 * fetch says only "fetch failed"; its cause says why. A connection that could not be made is named by its code
 * (the client stops at once, as it did with jsforce); one that broke mid-call stays "fetch failed (…)", which the
 * retry policy takes for a request that may or may not have been applied.
 */
function connectionError(err: unknown): HttpError {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  if (code && NOT_CONNECTED.test(code))
    return Object.assign(new Error(e.cause?.message || `connect ${code}`), { code });
  const detail = code ?? e.cause?.message;
  return Object.assign(new Error(detail ? `${e.message} (${detail})` : e.message, { cause: e.cause }), {
    code,
  });
}

function parseBody(res: Response, text: string, as: HttpCall['as']): unknown {
  if (as === 'text') return text;
  if (res.status === 204 || text === '') return undefined;
  return /json/.test(res.headers.get('content-type') ?? '') ? (JSON.parse(text) as unknown) : text;
}

/** An error answer as an error carrying Salesforce's code (from a JSON body or `CODE: message` text). */
function answerError(res: Response, text: string): HttpError {
  // A web page instead of an API answer: not an org (a wrong instance URL, a proxy's page). Its HTML says nothing
  // a person at a terminal can read.
  const html = /^text\/html/i.test(res.headers.get('content-type') ?? '');
  const message = html
    ? `HTTP ${res.status} with a web page instead of an API answer: is ${new URL(res.url).origin} a Salesforce org?`
    : text;
  const err: HttpError = Object.assign(new Error(message), {
    name: `ERROR_HTTP_${res.status}`,
    errorCode: `ERROR_HTTP_${res.status}`,
    status: res.status,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after') ?? undefined),
  });
  return withCodeFromBody(err) as HttpError;
}

/**
 * An error answer's own code and message, taken from its body, JSON or `CODE: message`, so that UNABLE_TO_LOCK_ROW
 * is retried and REQUEST_LIMIT_EXCEEDED stops the run whatever the answer's type.
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
