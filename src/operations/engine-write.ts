import type { MappedRecord } from '../mapping/apply.js';
import type { SaveResult } from '../salesforce/client.js';
import { DEFAULT_RETRY, rowLocks } from '../salesforce/retry.js';
import { SfsyncError } from '../errors.js';
import { unknownOutcome, withoutId } from './engine-failures.js';
import type { EngineOptions } from './engine-options.js';
import type { EngineOutcomes } from './engine-outcomes.js';
import { failureOf, parkedCall, savedAs, settleParked, type Item, type Writes } from './engine-parked.js';
import type { ChangeFields } from './changes.js';
import type { MatchIndex } from './match.js';

/** A batch sorted by what each record needs: created, updated (with its Id), deleted, or upserted by Salesforce. */
export interface SortedBatch {
  creates: MappedRecord[];
  updates: Array<{ r: MappedRecord; id: string }>;
  deletes: Array<{ r: MappedRecord; id: string }>;
  upserts: MappedRecord[];
  /** The existing records the batch was matched against. */
  index?: MatchIndex;
  /** The updates that change something, before a native upsert moves them into `upserts` (their before-images). */
  changed?: Array<{ r: MappedRecord; id: string }>;
}

/**
 * Only what changed: a matched record whose values are all stored already is not sent; the others send only
 * the fields that differ (a native upsert also its external ID, which finds the record). Returns what to send.
 */
export function keepChanged(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  batch: SortedBatch,
  changes: ChangeFields,
): Map<MappedRecord, Record<string, unknown>> {
  const sends = new Map<MappedRecord, Record<string, unknown>>();
  const kept: SortedBatch['updates'] = [];
  const index = batch.index;
  for (const u of batch.updates) {
    const at = index ? index.currentAt(u.id) : -1;
    const diff = changes.diff(u.r.payload, at < 0 ? undefined : index?.current, at);
    if (diff) {
      index?.updating(u.id, diff);
      kept.push(u);
      sends.set(u.r, diff);
    } else if (opts.dryRun) outcomes.plan(u.r, 'unchanged', u.id, {});
    else outcomes.unchanged(u.r, u.id);
  }
  batch.updates = kept;
  batch.changed = kept;
  if (!opts.dryRun && opts.strategy === 'native-upsert') {
    const field = opts.match?.fields[0]?.name as string;
    for (const u of batch.updates) {
      u.r.payload = { ...(sends.get(u.r) as Record<string, unknown>), [field]: u.r.payload[field] };
      batch.upserts.push(u.r);
    }
    batch.upserts.sort((a, b) => a.line - b.line);
    batch.updates = [];
  }
  return sends;
}

/**
 * Writes a sorted batch: each kind in calls of at most batchSize, outcomes decided as the answers come. With `later`,
 * a writer that answers late (Bulk) is not waited for: its calls' answers are awaited there (see Writes.later).
 */
export async function sendSorted(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  batch: SortedBatch,
  later?: Array<Promise<void>>,
): Promise<void> {
  const { operation, writer } = opts;
  const { creates, updates, deletes, upserts } = batch;
  const object = opts.compiled.object.name;
  if (operation === 'upsert' && creates.length > 0 && updates.length > 0) {
    // One call for both: an upsert keyed on Id updates the records that carry an Id and creates the rest.
    const mixed = [...creates.map((r) => ({ r, id: undefined })), ...updates].sort(
      (a, b) => a.r.line - b.r.line,
    );
    await writeInCalls(opts, outcomes, mixed, {
      send: (chunk, sent) =>
        writer.upsert(
          object,
          'Id',
          chunk.map(({ r, id }) => (id ? { ...withoutId(r.payload), Id: id } : withoutId(r.payload))),
          sent,
        ),
      outcome: 'upserted',
      later,
    });
  } else {
    await writeInCalls(opts, outcomes, creates, {
      send: (chunk, sent) =>
        writer.create(
          object,
          chunk.map((r) => withoutId(r.payload)),
          sent,
        ),
      outcome: 'created',
      later,
    });
    await writeInCalls(opts, outcomes, updates, {
      send: (chunk, sent) =>
        writer.update(
          object,
          chunk.map(({ r, id }) => ({ ...withoutId(r.payload), Id: id })),
          sent,
        ),
      outcome: 'updated',
      later,
    });
  }
  await writeInCalls(opts, outcomes, deletes, {
    send: (chunk, sent) =>
      writer.delete(
        object,
        chunk.map(({ id }) => id),
        sent,
      ),
    outcome: 'deleted',
    later,
  });
  const field = opts.match?.fields[0]?.name as string;
  await writeInCalls(opts, outcomes, upserts, {
    send: (chunk, sent) =>
      writer.upsert(
        object,
        field,
        chunk.map((r) => r.payload),
        sent,
      ),
    outcome: 'upserted',
    fresh: unmatched(batch),
    later,
  });
}

/** Runs `then` once every call of a batch has answered: now, or after its parked calls (`later`). */
export function afterAnswers(later: Array<Promise<void>>, then: () => void): void {
  if (later.length === 0) then();
  else later.push(Promise.all(later).then(then));
}

/**
 * The records of a batch's upserts that matched nothing when it was read (undefined when it was not read): one
 * reported updated by a resend after a lost answer was created by the lost call.
 */
function unmatched(batch: SortedBatch): ((r: MappedRecord) => boolean) | undefined {
  if (!batch.index) return undefined;
  const matched = new Set((batch.changed ?? []).map((u) => u.r));
  return (r) => !matched.has(r);
}

/** The records matched to exactly one existing record, with its Id. */
export function matchedOnce(
  index: MatchIndex,
  records: MappedRecord[],
): Array<{ r: MappedRecord; id: string }> {
  const matches = index.find(records);
  return records.flatMap((r) => {
    const ids = matches.get(r) ?? [];
    return ids.length === 1 ? [{ r, id: ids[0] as string }] : [];
  });
}

const object = (opts: EngineOptions): string => opts.compiled.object.name;

const recordOf = (item: Item): MappedRecord => ('r' in item ? item.r : item);

/** Sends items in calls of at most batchSize, resending records that only hit a row lock. */
async function writeInCalls<T extends Item>(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  items: T[],
  writes: Writes<T>,
  firstAttempt = 0,
): Promise<void> {
  const { send, outcome, fresh } = writes;
  let queue = items;
  const retry = opts.retry ?? DEFAULT_RETRY;
  for (let attempt = firstAttempt; queue.length > 0; attempt++) {
    const locked: T[] = [];
    for (let i = 0; i < queue.length; i += opts.batchSize) {
      // The batch itself when it fits one call, and its records without a copy when they are the items: a Bulk job
      // holds hundreds of thousands of records waiting for their results, and each copy of them costs 8 bytes each.
      const chunk = i === 0 && queue.length <= opts.batchSize ? queue : queue.slice(i, i + opts.batchSize);
      const records = chunk.some((item) => 'r' in item) ? chunk.map(recordOf) : (chunk as MappedRecord[]);
      // The journal learns of the records when the writer is about to send them (a Bulk job may gather them
      // first): a record never sent is then not taken for one that may have been applied. Only their lines are
      // kept for it, not the records.
      const index = opts.matchIndex;
      const keys = index ? records.map((r) => index.recordKeys(r)) : undefined;
      const lines = Int32Array.from(records, (r) => r.line);
      const sending = send(chunk, (job, from = 0, count = lines.length) =>
        opts.onSend?.(Array.from(lines.subarray(from, from + count)), job),
      );
      spoolAll(outcomes, records);
      // The writer has taken what it sends before its first await; from here the records only wait.
      const parked = writes.later ? outcomes.park(records, lines) : undefined;
      if (parked) {
        const waiting = parkedCall(parked, chunk, records, keys, fresh);
        const settling = settleParked(opts, outcomes, waiting, sending, writes, attempt, writeInCalls);
        // Awaited with the batch (SyncEngine.dispatch), which may come after it failed.
        settling.catch(() => {});
        writes.later?.push(settling);
        continue;
      }
      const results = await answersOf(opts, outcomes, records, keys, sending);
      for (let j = 0; j < chunk.length; j++) {
        const item = chunk[j] as T;
        const r = recordOf(item);
        const res = results[j];
        if (!res?.success && keys) index?.forget(keys[j] ?? []);
        if (res?.success) {
          const kind = savedAs(res, outcome, fresh?.(r) === true);
          const id = res.id ?? ('id' in item ? item.id : undefined);
          if (kind === 'created' && id && keys) index?.addKeys(keys[j] ?? [], id);
          outcomes.succeed(r, kind, id);
          if (kind === 'created' && id) opts.beforeImages?.created(r.line, id, res.resent === true);
        } else if (
          rowLocks.is(res?.errors[0]?.statusCode) &&
          rowLocks.mayResend(retry, attempt) &&
          outcomes.resendable(r, res)
        ) {
          locked.push(item);
        } else if (res?.stop) {
          outcomes.unanswered(r, res, res.stop);
        } else {
          outcomes.fail(r, failureOf(res));
        }
      }
    }
    opts.beforeImages?.flush();
    queue = locked;
    if (queue.length > 0) opts.onLockRetry?.(queue.length);
    if (queue.length > 0) await rowLocks.pause(retry, attempt);
  }
}

/** An awaited call's answers. The values of records whose call failed are no longer known (MatchIndex.forget). */
async function answersOf(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  records: MappedRecord[],
  keys: Array<Array<[string, string]>> | undefined,
  sending: Promise<SaveResult[]>,
): Promise<SaveResult[]> {
  try {
    return await sending;
  } catch (err) {
    for (const k of keys ?? []) opts.matchIndex?.forget(k);
    // Sent, and the answer lost: these records are not "not sent"; the run stops (CONNECTION_LOST is fatal).
    if (err instanceof SfsyncError && err.code === 'CONNECTION_LOST')
      for (const r of records) outcomes.skip(r, unknownOutcome(opts.operation, object(opts)));
    throw err;
  }
}

/** The records sent, on disk while they wait for their answer. */
function spoolAll(outcomes: EngineOutcomes, records: MappedRecord[]): void {
  for (const r of records) {
    try {
      outcomes.spool(r);
    } catch {
      // A record the spool cannot take (a full disk) waits in memory: it never fails the others.
    }
  }
}

/**
 * Whether a batch replaces anything (updates or deletes): only such a batch waits for its before-images; a create's
 * Id is recorded as its answer comes.
 */
export function replaces(batch: SortedBatch): boolean {
  return batch.updates.length + batch.deletes.length + (batch.changed?.length ?? 0) > 0;
}

/**
 * What a batch's updates and deletes replace, on disk before they are sent (see before-images.ts). Returns the
 * names of its calls, for `written` once they are answered.
 */
export async function imageBefore(
  opts: Pick<EngineOptions, 'beforeImages' | 'backup'>,
  batch: SortedBatch,
  sends: Map<MappedRecord, Record<string, unknown>>,
): Promise<Array<string | undefined>> {
  const updates = batch.changed ?? batch.updates;
  await opts.backup?.save([...updates, ...batch.deletes].map(({ id }) => id));
  const images = opts.beforeImages;
  if (!images) return [];
  const index = batch.index;
  return [
    await images.updates(
      updates.map(({ r, id }) => ({
        line: r.line,
        id,
        payload: sends.get(r) ?? r.payload,
      })),
      index && ((id) => index.valuesOf(id)),
    ),
    await images.deletes(batch.deletes.map(({ r, id }) => ({ line: r.line, id }))),
  ];
}
