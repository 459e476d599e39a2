/** One retry policy for every Salesforce call sfsync makes. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest wait a `Retry-After` answer may ask for; a longer one ends the retries. */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 7,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 120_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * The pace of sfsync's own tests against the local org, which answers in milliseconds (SFSYNC_TEST_TIMINGS=fast,
 * src/config/settings.ts): the same retries, each after a millisecond or a few. Bulk polls and a Bulk job's wait
 * for more records follow the policy's base delay, so they shorten with it.
 */
export const FAST_RETRY: RetryPolicy = { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 5 };

/** Answers that say Salesforce did not apply the request: safe to send again, even a create. */
const TRANSIENT_ANSWERS = new Set([
  'SERVER_UNAVAILABLE',
  'UNABLE_TO_LOCK_ROW',
  'ERROR_HTTP_503',
  'ERROR_HTTP_502',
  'ERROR_HTTP_504',
  'ERROR_HTTP_429',
]);
/** Failures after which the request may or may not have been applied (CONNECTION_LOST: sfsync's own name). */
const CONNECTION_ERRORS =
  /ECONNRESET|socket hang up|fetch failed|ETIMEDOUT|EPIPE|other side closed|terminated|CONNECTION_LOST/i;
/**
 * Failures before the request left: no connection was made (refused, no such host, no route, a connect timeout).
 * Salesforce never saw it, so it is safe to send again, even a create.
 */
const NEVER_CONNECTED =
  /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT)$/;

export function isTransientAnswer(err: unknown): boolean {
  const e = err as { errorCode?: string; name?: string };
  return TRANSIENT_ANSWERS.has(e.errorCode ?? '') || TRANSIENT_ANSWERS.has(e.name ?? '');
}

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return CONNECTION_ERRORS.test(
    `${e.code ?? ''} ${e.message ?? ''} ${e.cause?.code ?? ''} ${e.cause?.message ?? ''}`,
  );
}

/** A request that never reached the org: the connection was not made. */
export function neverSent(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return NEVER_CONNECTED.test(e?.code ?? '') || NEVER_CONNECTED.test(e?.cause?.code ?? '');
}

/** A request written to a connection that broke before the answer came: it may or may not have been applied. */
export function answerLost(err: unknown): boolean {
  return isConnectionError(err) && !neverSent(err);
}

/**
 * A `Retry-After` header in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Anything else, or
 * nothing, is undefined.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait an error's answer asked for, set on it by the client as `retryAfterMs`. */
function askedWait(err: unknown): number | undefined {
  const ms = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof ms === 'number' ? ms : undefined;
}

/** Exponential backoff with full jitter. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (policy.random() * cap) / 2);
}

/**
 * Runs `call` until it succeeds, fails for good, or runs out of attempts. A connection dropped after the request
 * was written is retried only for idempotent calls: a create that might have been applied must not be sent twice. When the answer carried
 * `Retry-After`, the next attempt waits at least that long; a wait longer than `maxRetryAfterMs` is not sat out.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  idempotent: boolean,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      // A connect timeout is safe to retry for any call; a refused connection or an unknown host is not retried
      // (the org is not there to retry against), nor a lost answer of a call that is not idempotent.
      const retryable = isTransientAnswer(err) || (isConnectionError(err) && (idempotent || neverSent(err)));
      if (!retryable || attempt + 1 >= policy.attempts) throw err;
      const asked = askedWait(err);
      if (asked !== undefined && asked > policy.maxRetryAfterMs) throw err;
      await policy.sleep(Math.max(backoff(policy, attempt), asked ?? 0));
    }
  }
}

/**
 * Row locks inside a successful call: a record whose save result says UNABLE_TO_LOCK_ROW is resent by the engine
 * under this same policy, as many times and after the same backoff as a call that got the lock as its answer.
 */
export const rowLocks = {
  is: (statusCode: string | undefined): boolean => statusCode === 'UNABLE_TO_LOCK_ROW',
  /** Whether a record locked on its `attempt`-th send (0 = the first) is sent again. */
  mayResend: (policy: RetryPolicy, attempt: number): boolean => attempt + 1 < policy.attempts,
  pause: (policy: RetryPolicy, attempt: number): Promise<void> => policy.sleep(backoff(policy, attempt)),
};
