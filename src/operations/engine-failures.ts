import type { SyncOperation } from '../core/sync-options.js';
import type { SfsyncError } from '../errors.js';
import type { InputRecord } from '../input/types.js';
import { applyMapping } from '../mapping/apply.js';
import { duplicateIds, type SaveResult } from '../salesforce/client.js';
import type { MappedRecord } from '../mapping/apply.js';
import type { ValueError } from '../mapping/coerce.js';
import { combineErrors, missingRequired } from '../mapping/required.js';
import type { EngineOptions } from './engine-options.js';
import type { KeyCensus } from './key-census.js';
import { recordKeys, type MatchSpec } from './match.js';
import type { FailureDetail } from '../core/sync-types.js';
import type { ResultSink } from './results.js';

/** Errors after which no later call can succeed: the run stops, every record read so far gets an outcome. */
export const FATAL = new Set([
  'AUTH_INVALID',
  'REQUEST_LIMIT_EXCEEDED',
  'API_BUDGET_EXCEEDED',
  'NETWORK',
  'CONNECTION_LOST',
  'NO_ORG',
  'ORG_UNKNOWN',
  'HARD_DELETE_NOT_PERMITTED',
  // A Bulk job not opened after Ctrl-C (BulkWriter.halt): its records are not sent, left for --resume.
  'INTERRUPTED',
]);

export function ambiguous(ids: string[]): FailureDetail {
  return {
    code: 'AMBIGUOUS_MATCH',
    status: 300,
    message: `Matches ${ids.length} records; not written. Make the match keys unique, or match on more fields with --match-operator AND.`,
    matchedIds: ids,
  };
}

/**
 * Delete: counts a line's keys (key, text as given) in `seen`; when one came on an earlier line, which deletes the
 * record, the failure of this one (not sent: a second delete would only get ENTITY_IS_DELETED), else null.
 */
export function deletedBefore(
  seen: KeyCensus,
  spec: MatchSpec,
  keyed: Array<[string, string]>,
  line: number,
): FailureDetail | null {
  const first = keyed.find(([k]) => seen.count(k) > 0);
  for (const [k] of keyed) seen.add(k, line);
  if (!first) return null;
  const byId = spec.fields.length === 1 && spec.fields[0]?.type === 'id';
  return {
    code: byId ? 'ID_REPEATED' : 'MATCH_KEY_REPEATED',
    message: `${first[1]} is also on line ${seen.firstLine(first[0])}, which deletes the record: not sent again.`,
    fields: spec.fields.map((f) => f.name),
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

/**
 * A record the mapping refused, with the problems the later steps would find too (a blank match key; the
 * required fields of a record that would surely be created), so one run shows them all.
 */
export function everyProblem(opts: EngineOptions, mapped: MappedRecord): ValueError {
  const error = mapped.error as ValueError;
  const spec = opts.match;
  if (!spec || recordKeys(spec, mapped).length > 0) return error;
  // A match field whose value was refused is not blank: its own error says what is wrong with it.
  const refused = new Set((error.causes ?? [error]).flatMap((e) => e.fields ?? []));
  if (spec.fields.some((f) => refused.has(f.name))) return error;
  if (opts.operation !== 'upsert' || !opts.createWhenKeyEmpty) return combineErrors([error, keyEmpty(spec)]);
  const missing = missingRequired(opts.compiled.object, mapped.payload, 'create', refused);
  const known = (error.causes ?? [error]).some((e) => e.code === 'REQUIRED_FIELD_MISSING');
  return missing && !known ? combineErrors([error, missing]) : error;
}

/**
 * A record sent in a call whose connection broke before the answer came (CONNECTION_LOST): Salesforce may or may
 * not have applied it. Skipped, never "not sent"; --resume decides (sends an update or upsert again, reports a
 * create or delete it cannot check as UNCERTAIN).
 */
export function unknownOutcome(operation: SyncOperation, object: string): FailureDetail {
  const check =
    operation === 'update' || operation === 'upsert'
      ? '--resume sends it again (it finds its record by its key, so nothing is duplicated).'
      : operation === 'delete'
        ? `--resume does not send it again (reported UNCERTAIN): check whether the ${object} still exists.`
        : `Do not send it again blindly, it could be duplicated: --resume reports it UNCERTAIN; look for it first (for example sfsync export --object ${object} --where "CreatedDate = TODAY").`;
  return {
    code: 'UNKNOWN_OUTCOME',
    message: `Sent, but the connection broke before Salesforce answered: it may or may not have been ${operation === 'upsert' ? 'written' : `${operation}d`}. ${check}`,
  };
}

/** The failure of a record left unsent when the run stopped on `error` (a fatal error, or an interrupt). */
export function notSent(error: SfsyncError): FailureDetail {
  return {
    code: 'NOT_PROCESSED',
    message:
      error.code === 'CONNECTION_LOST'
        ? `Not sent: the run stopped (${error.code}: ${error.message})`
        : `Not sent: ${error.message}`,
  };
}

/**
 * Delete on --resume: a line the interrupted run settled still deleted its record, so its keys are counted as an
 * uninterrupted run counts them, and a later line with one of them is a repeat (not sent again).
 */
export function countSettledDelete(opts: EngineOptions, deleted: KeyCensus, input: InputRecord): void {
  if (opts.operation !== 'delete' || !opts.match || !input.values) return;
  const mapped = applyMapping(opts.compiled, input.line, input.values, opts.mappingZone);
  if (mapped.error) return;
  for (const k of recordKeys(opts.match, mapped)) deleted.add(k, input.line);
}

/** A CSV row of delimiters only: nothing to send, and nothing to tell which record it meant. */
export const BLANK_ROW: FailureDetail = {
  code: 'BLANK_ROW',
  message:
    'Every cell of this row is empty (only delimiters): nothing to send. Remove the row, or fill it in.',
};

/** The outcome of a record the reader could not read (failed) or found blank (skipped): nothing to send. */
export function refuseInput(sink: ResultSink, input: InputRecord): null {
  if (input.error) sink.fail(input.line, input.raw, { code: input.error.code, message: input.error.message });
  else sink.fail(input.line, input.values, BLANK_ROW, 'skipped');
  return null;
}
