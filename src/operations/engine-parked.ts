import type { FailureDetail } from '../core/sync-types.js';
import { toSfsyncError } from '../errors.js';
import type { MappedRecord } from '../mapping/apply.js';
import type { SaveResult } from '../salesforce/client.js';
import { DEFAULT_RETRY, rowLocks } from '../salesforce/retry.js';
import { FATAL, notSent, saveFailure, unknownOutcome } from './engine-failures.js';
import type { EngineOptions } from './engine-options.js';
import type { EngineOutcomes, Parked } from './engine-outcomes.js';
import type { MatchIndex } from './match.js';
import type { Sent } from './writer.js';

// The write calls of a batch whose answers come late (Bulk jobs): their records parked, their outcomes written as
// the answers come (see Writes.later and EngineOutcomes.park).

/** What a successful save did: an upsert's resend saying updated of a record that matched nothing created it. */
export function savedAs(
  res: SaveResult,
  outcome: 'created' | 'updated' | 'deleted' | 'upserted',
  fresh: boolean,
): 'created' | 'updated' | 'deleted' {
  if (outcome !== 'upserted') return outcome;
  return res.created || (res.resent === true && fresh) ? 'created' : 'updated';
}

const object = (opts: EngineOptions): string => opts.compiled.object.name;

export type Item = MappedRecord | { r: MappedRecord; id: string | undefined };

/** One kind of write of a batch: how its calls are sent, and what a success of theirs did. */
export interface Writes<T extends Item> {
  send: (chunk: T[], sent: Sent) => Promise<SaveResult[]>;
  outcome: 'created' | 'updated' | 'deleted' | 'upserted';
  /** Upserts: whether a record matched nothing when its batch was read. */
  fresh?: (r: MappedRecord) => boolean;
  /**
   * Where the answers of calls to a writer that answers late (Bulk) are awaited, when the batch need not wait for
   * them: their records are parked (see EngineOutcomes.park) and their outcomes written as the answers come.
   */
  later?: Array<Promise<void>>;
}

/** How records that met a row lock are sent again: engine-write's writeInCalls. */
type Resend = <T extends Item>(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  items: T[],
  writes: Writes<T>,
  firstAttempt: number,
) => Promise<void>;

/** A failed save's detail: a duplicate external ID is a 300 (several records matched), as on REST. */
export function failureOf(res: SaveResult | undefined): FailureDetail {
  const detail = saveFailure(res);
  return res?.errors[0]?.statusCode === 'DUPLICATE_EXTERNAL_ID' ? { ...detail, status: 300 } : detail;
}

/** A parked call: its records, and what settling them needs of what they were (their Ids, keys, freshness). */
export interface ParkedCall {
  p: Parked;
  /** The Ids the items carried (updates, deletes), when they carried any. */
  ids: Array<string | undefined> | undefined;
  keys: Array<ReturnType<MatchIndex['recordKeys']>> | undefined;
  fresh: Uint8Array | undefined;
}

export function parkedCall(
  p: Parked,
  chunk: Item[],
  records: MappedRecord[],
  keys: ParkedCall['keys'],
  fresh: Writes<Item>['fresh'],
): ParkedCall {
  const ids = chunk.some((item) => 'r' in item)
    ? chunk.map((item) => ('r' in item ? item.id : undefined))
    : undefined;
  return { p, ids, keys, fresh: fresh && Uint8Array.from(records, (r) => (fresh(r) ? 1 : 0)) };
}

/**
 * The answers of a parked call, written as they come (in the call's order, which is its records' line order):
 * the same outcomes as an awaited call's. Records that only met a row lock are sent again, parked again.
 */
export async function settleParked<T extends Item>(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  call: ParkedCall,
  sending: Promise<SaveResult[]>,
  writes: Writes<T>,
  attempt: number,
  resend: Resend,
): Promise<void> {
  const { p, ids, keys } = call;
  const n = p.lines.length;
  let results: SaveResult[];
  try {
    results = await sending;
  } catch (err) {
    const error = toSfsyncError(err);
    // The values of the records it updates are no longer known (MatchIndex.forget).
    for (const k of keys ?? []) opts.matchIndex?.forget(k);
    // As for a batch whose call failed (SyncEngine.process): a lost answer is unknown, a fatal error stops the run.
    if (FATAL.has(error.code)) outcomes.stop(error);
    for (let j = 0; j < n; j++)
      if (error.code === 'CONNECTION_LOST')
        outcomes.failParked(p, j, unknownOutcome(opts.operation, object(opts)), 'skipped');
      else if (FATAL.has(error.code)) outcomes.failParked(p, j, notSent(error), 'skipped');
      else outcomes.failParked(p, j, { code: error.code, message: error.message }, 'failed');
    outcomes.checkpoint();
    return;
  }
  const retry = opts.retry ?? DEFAULT_RETRY;
  const locked: T[] = [];
  const lockedFresh = new Map<MappedRecord, boolean>();
  for (let j = 0; j < n; j++) {
    const res = results[j];
    const line = p.lines[j] as number;
    if (!res?.success && keys) opts.matchIndex?.forget(keys[j] ?? []);
    if (res?.success) {
      const kind = savedAs(res, writes.outcome, call.fresh?.[j] === 1);
      const id = res.id ?? ids?.[j];
      if (kind === 'created' && id && keys) opts.matchIndex?.addKeys(keys[j] ?? [], id);
      outcomes.succeedParked(p, j, kind, id);
      if (kind === 'created' && id) opts.beforeImages?.created(line, id, res.resent === true);
    } else if (rowLocks.is(res?.errors[0]?.statusCode) && rowLocks.mayResend(retry, attempt) && res?.resend) {
      const r = outcomes.unpark(p, j, res.resend);
      lockedFresh.set(r, call.fresh?.[j] === 1);
      locked.push((ids ? { r, id: ids[j] } : r) as T);
    } else if (res?.stop) outcomes.unansweredParked(p, j, res, res.stop);
    else outcomes.failParked(p, j, failureOf(res), 'failed');
  }
  opts.beforeImages?.flush();
  outcomes.checkpoint();
  if (locked.length === 0) return;
  opts.onLockRetry?.(locked.length);
  await rowLocks.pause(retry, attempt);
  const later: Array<Promise<void>> = [];
  // A resent record keeps what its first send knew of it.
  const fresh = call.fresh && ((r: MappedRecord): boolean => lockedFresh.get(r) === true);
  await resend(opts, outcomes, locked, { ...writes, later, fresh }, attempt + 1);
  await Promise.all(later);
}
