import type { SyncOperation } from '../core/sync-options.js';
import { duplicateIds, type SaveResult } from '../salesforce/client.js';
import type { MatchSpec } from './match.js';
import type { FailureDetail } from '../core/sync-types.js';

/** Errors after which no later call can succeed: the run stops, every record read so far gets an outcome. */
export const FATAL = new Set([
  'AUTH_INVALID',
  'REQUEST_LIMIT_EXCEEDED',
  'API_BUDGET_EXCEEDED',
  'NETWORK',
  'NO_ORG',
  'ORG_UNKNOWN',
  'HARD_DELETE_NOT_PERMITTED',
]);

export function ambiguous(ids: string[]): FailureDetail {
  return {
    code: 'AMBIGUOUS_MATCH',
    status: 300,
    message: `Matches ${ids.length} records; not written. Make the match keys unique, or match on more fields with --match-operator AND.`,
    matchedIds: ids,
  };
}

export function keyEmpty(spec: MatchSpec): FailureDetail {
  const names = spec.fields.map((f) => f.name);
  return {
    code: 'MATCH_KEY_EMPTY',
    message: `The match key (${names.join(spec.operator === 'AND' ? ' and ' : ' or ')}) is blank, so the record cannot be matched; not sent.`,
    fields: names,
  };
}

export function notFound(operation: SyncOperation): FailureDetail {
  return {
    code: 'NOT_FOUND',
    status: 404,
    message: `No existing record matches, so there is nothing to ${operation}.`,
  };
}

export function withoutId(payload: Record<string, unknown>): Record<string, unknown> {
  const { Id: _id, ...rest } = payload;
  return rest;
}

export function saveFailure(r: SaveResult | undefined): FailureDetail {
  const e = r?.errors[0];
  if (!e) return { code: 'UNKNOWN', message: 'Salesforce returned no result for this record.' };
  // A duplicate rule's refusal names the records the input collided with.
  const matched = duplicateIds(e);
  return matched.length > 0
    ? { code: e.statusCode, message: e.message, fields: e.fields, matchedIds: matched }
    : { code: e.statusCode, message: e.message, fields: e.fields };
}
