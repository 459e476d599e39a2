import { editDistance } from '../core/edit-distance.js';
import { SfsyncError } from '../errors.js';
import { answerLost } from './retry.js';
import type { HttpError } from './transport.js';
import type { ObjectSummary } from './types.js';

/**
 * The error that stopped the reading of an ingest job after its upload was complete: Salesforce may have run it,
 * so its records' outcome is unknown until its results are read (by --resume). `unreadJob` is the job's id.
 */
export type UnreadJobError = SfsyncError & { unreadJob: string };

export function unreadJobOf(err: unknown): string | undefined {
  return err instanceof SfsyncError ? (err as Partial<UnreadJobError>).unreadJob : undefined;
}

/** The object a misspelt name most likely meant (by API name or label), or undefined; never fails. */
export async function closestObject(
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
    const message = answerLost(err)
      ? `The connection to ${instanceUrl} broke before it answered: ${e.message}`
      : `Cannot reach ${instanceUrl}: ${e.message}`;
    return new SfsyncError('NETWORK', message, {
      hint: 'Check the instance URL and your network',
      thenRunAgain: true,
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

/**
 * A write whose request left and whose connection broke before the answer came (after the retries the call
 * allows): Salesforce may or may not have applied it. Distinct from NETWORK (nothing sent): the records of the call
 * are reported UNKNOWN_OUTCOME, not "not sent".
 */
export function lostAnswerError(err: unknown, instanceUrl: string, method: string): SfsyncError {
  const detail = (err as Error).message;
  return new SfsyncError(
    'CONNECTION_LOST',
    `The connection to ${instanceUrl} broke after a ${method} call was sent, before it answered (${detail}): whether it was applied is unknown.`,
    {
      hint: 'Check your network (a proxy or VPN cutting long calls)',
      thenRunAgain: true,
      cause: err,
    },
  );
}
