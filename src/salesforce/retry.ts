/** One retry policy for every Salesforce call sfsync makes. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Answers that say Salesforce did not apply the request: safe to send again, even a create. */
const TRANSIENT_ANSWERS = new Set([
  'SERVER_UNAVAILABLE',
  'UNABLE_TO_LOCK_ROW',
  'ERROR_HTTP_503',
  'ERROR_HTTP_502',
  'ERROR_HTTP_504',
  'ERROR_HTTP_429',
]);
/** Failures after which the request may or may not have been applied. */
const CONNECTION_ERRORS =
  /ECONNRESET|socket hang up|fetch failed|ETIMEDOUT|EPIPE|other side closed|terminated/i;

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

/** Exponential backoff with full jitter. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (policy.random() * cap) / 2);
}

/**
 * Runs `call` until it succeeds, fails for good, or runs out of attempts. A dropped connection is retried only
 * for idempotent calls: a create that might have been applied must not be sent twice.
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
      const retryable = isTransientAnswer(err) || (idempotent && isConnectionError(err));
      if (!retryable || attempt + 1 >= policy.attempts) throw err;
      await policy.sleep(backoff(policy, attempt));
    }
  }
}
