import { SfsyncError, signalExitCode, toSfsyncError, type StopSignal } from '../errors.js';
import type { InputRecord } from '../input/types.js';
import { applyMapping, type MappedRecord } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ChangeFields } from './changes.js';
import {
  ambiguous,
  countSettledDelete,
  FATAL,
  deletedBefore,
  everyProblem,
  keyEmpty,
  notFound,
  notSent,
  withoutId,
  refuseInput,
} from './engine-failures.js';
import { missingRequired } from '../mapping/required.js';
import type { EngineOptions, EngineResult } from './engine-options.js';
import { EngineOutcomes } from './engine-outcomes.js';
import { settleFromJob, uncertainDetail } from './engine-resume.js';
import {
  afterAnswers,
  imageBefore,
  keepChanged,
  matchedOnce,
  replaces,
  sendSorted,
  type SortedBatch,
} from './engine-write.js';
import { KeyCensus } from './key-census.js';
import { mayRepeat, PlannedWrites } from './planned-writes.js';
import { Slots } from './slots.js';
import { resolveParents } from './lookups.js';
import { queryMatches, recordKeys, recordKeysAndTexts, type MatchIndex, type MatchSpec } from './match.js';
import type { FailureDetail } from '../core/sync-types.js';
import type { ResultSink } from './results.js';

export type { EngineOptions, EngineResult, MatchStrategy } from './engine-options.js';

/** The sync pipeline: map → batch → resolve lookups → match → write (or plan) → record outcomes. */
export class SyncEngine {
  private fatal: SfsyncError | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly active = new Set<Promise<void>>();
  private lastLine = 0;
  /** Records read so far (the header, blank lines and line breaks inside values make lines outnumber them). */
  recordsRead = 0;
  /** Upsert records with a blank key, created without matching (--create-when-key-empty). */
  private readonly keyless = new WeakSet<MappedRecord>();
  /**
   * Dry run: the keys of the records it plans to create, with their line, so a later record with the same key
   * is predicted as the update the real run makes of that record (which its query would then find).
   */
  private readonly plannedCreates = new KeyCensus();
  private readonly deleted = new KeyCensus();
  private readonly plannedWrites = new PlannedWrites();

  private readonly outcomes: EngineOutcomes;
  /** Batches being matched at once: on the Bulk path many more wait for their jobs, parked. */
  private readonly preparing: Slots;

  constructor(
    private readonly client: SalesforceClient | null,
    private readonly sink: ResultSink,
    private readonly opts: EngineOptions,
  ) {
    this.outcomes = new EngineOutcomes(sink, opts.spool, (stop) => (this.fatal ??= stop));
    this.preparing = new Slots(opts.prepareConcurrency ?? opts.concurrency);
  }

  async run(chunks: AsyncIterable<InputRecord[]>): Promise<EngineResult> {
    let batch: MappedRecord[] = [];
    let batchKeys = new Set<string>();
    const dispatch = async (): Promise<void> => {
      if (batch.length === 0) return;
      const current = batch;
      const keys = batchKeys;
      batch = [];
      batchKeys = new Set();
      await this.dispatch(current, keys);
    };
    reading: for await (const chunk of this.untilUnreadable(chunks))
      for (const input of chunk) {
        // After a fatal error or an interrupt nothing more is read: the summary says where the run stopped.
        if (this.fatal) break reading;
        this.lastLine = input.line;
        this.recordsRead++;
        const mapped = this.admit(input);
        if (!mapped) continue;
        // Records sharing a match key run in input order: the first creates, the later ones find it.
        if (this.opts.match) {
          const keys = recordKeys(this.opts.match, mapped);
          if (keys.length === 0) {
            // A blank key matches nothing: an upsert would create the record again on every run.
            if (this.opts.operation !== 'upsert' || !this.opts.createWhenKeyEmpty) {
              this.sink.fail(input.line, input.values, keyEmpty(this.opts.match));
              continue;
            }
            this.keyless.add(mapped);
          }
          const again = this.counted(this.opts.match, mapped);
          if (again) {
            this.sink.fail(input.line, input.values, again);
            continue;
          }
          // Keys the whole file carries once each need no order: nothing holds them while their job runs.
          if (!this.opts.uniqueKeys) {
            if (keys.some((k) => batchKeys.has(k))) await dispatch();
            await this.afterKeys(keys);
            for (const k of keys) batchKeys.add(k);
          }
        }
        batch.push(mapped);
        if (batch.length >= this.opts.batchSize) await dispatch();
      }
    await dispatch();
    this.opts.writer.flush?.();
    await Promise.all(this.active);
    return { fatal: this.fatal, stoppedEarly: this.stopped(), lastLine: this.lastLine };
  }

  /** Hands a batch on once a slot is free; a batch is read into memory only when it can be matched at once. */
  private async dispatch(current: MappedRecord[], keys: Set<string>): Promise<void> {
    this.opts.onDispatch?.();
    // A full writer (a Bulk job waiting for a slot) holds the reading too, whatever the number of batches.
    while (this.active.size > 0 && (this.active.size >= this.opts.concurrency || this.opts.writer.busy?.()))
      await Promise.race(this.active);
    // Waiting batches hold whole records.
    const prepared = await this.preparing.enter();
    // A batch ends once its Bulk calls have answered, but holds none of its records meanwhile (Writes.later).
    const done: Promise<void> = this.process(current, prepared)
      .then(async (later) => void (await Promise.all(later)))
      // Outcomes of parked calls that could not be written (a full disk): stop, as for a batch.
      .then(undefined, (err: unknown) => void (this.fatal ??= toSfsyncError(err)))
      .finally(() => {
        prepared();
        this.active.delete(done);
        for (const k of keys) if (this.inFlight.get(k) === done) this.inFlight.delete(k);
        this.opts.onBatch?.();
      });
    this.active.add(done);
    for (const k of keys) this.inFlight.set(k, done);
  }

  /**
   * A record's keys with their text as given, only where they are needed: counted as read (standard input), and
   * for a delete, a key an earlier line deleted (deletedBefore).
   */
  private counted(match: MatchSpec, r: MappedRecord): FailureDetail | null {
    const { countKeys, operation } = this.opts;
    if (!countKeys && operation !== 'delete') return null;
    const keyed = recordKeysAndTexts(match, r);
    for (const [k, text] of keyed) countKeys?.add(k, r.line, text);
    return operation === 'delete' ? deletedBefore(this.deleted, match, keyed, r.line) : null;
  }

  /** Waits for the batches in flight that carry one of these keys: a later record must find what they create. */
  private async afterKeys(keys: string[]): Promise<void> {
    if (this.inFlight.size === 0) return;
    const waits = keys.map((k) => this.inFlight.get(k)).filter((p): p is Promise<void> => p !== undefined);
    if (waits.length === 0) return;
    this.opts.writer.flush?.();
    await Promise.all(waits);
  }

  /**
   * An input record, mapped, or null when it already has its outcome: done before a resume, settled from its Bulk
   * job, uncertain, not sent after the run stopped, unreadable, or refused by the mapping.
   */
  private admit(input: InputRecord): MappedRecord | null {
    const resumed = this.opts.resume?.done.has(input.line)
      ? 'settled'
      : this.opts.resume?.uncertain.has(input.line)
        ? settleFromJob(this.opts, this.sink, input)
        : 'send';
    if (resumed !== 'send') countSettledDelete(this.opts, this.deleted, input);
    if (resumed === 'settled') {
      this.sink.onOutcome?.(input.line, 'settled');
      return null;
    }
    if (resumed === 'uncertain') {
      this.sink.fail(
        input.line,
        input.values ?? input.raw,
        uncertainDetail(this.opts, input.line),
        'skipped',
      );
      return null;
    }
    if (this.stopped()) {
      this.sink.fail(input.line, input.values ?? input.raw, this.stopReason(), 'skipped');
      return null;
    }
    if (input.error || input.blank) return refuseInput(this.sink, input);
    const mapped = applyMapping(this.opts.compiled, input.line, input.values, this.opts.mappingZone);
    if (!mapped.error) return mapped;
    this.sink.fail(input.line, input.values, everyProblem(this.opts, mapped));
    return null;
  }

  /** The input, ending where it can no longer be read: that stops the run like any fatal error. */
  private async *untilUnreadable(chunks: AsyncIterable<InputRecord[]>): AsyncIterable<InputRecord[]> {
    try {
      yield* chunks;
    } catch (err) {
      this.fatal ??= toSfsyncError(err);
    }
  }

  /** The last input line read so far. */
  get linesRead(): number {
    return this.lastLine;
  }

  /** Ctrl-C or SIGTERM: stop reading, let the calls in flight finish, and give every record read an outcome. */
  interrupt(signal: StopSignal = 'SIGINT'): void {
    this.fatal ??= new SfsyncError('INTERRUPTED', `Interrupted by ${signal}.`, {
      exitCode: signalExitCode(signal),
    });
    this.opts.writer.halt?.(this.fatal);
  }

  private stopped(): boolean {
    return this.fatal !== null || (this.opts.failFast && this.sink.counts.failed > 0);
  }

  private stopReason(): FailureDetail {
    const message = this.fatal
      ? `Not sent: the run stopped (${this.fatal.code}: ${this.fatal.message})`
      : 'Not sent: --fail-fast stopped the run at the first failed record.';
    return { code: 'NOT_PROCESSED', message };
  }

  /** Maps, matches and writes a batch; returns the answers still to come of its parked calls. */
  private async process(records: MappedRecord[], prepared: () => void): Promise<Array<Promise<void>>> {
    const later: Array<Promise<void>> = [];
    if (this.stopped()) {
      for (const r of records) this.outcomes.failNow(r, this.stopReason(), 'skipped');
      return later;
    }
    try {
      await this.prepareAndWrite(records, prepared, later);
    } catch (err) {
      const error =
        err instanceof SfsyncError ? err : new SfsyncError('SALESFORCE_ERROR', (err as Error).message);
      if (FATAL.has(error.code)) this.fatal ??= error;
      // A fatal error means the call was refused or never made: those records are left for --resume to send.
      // Other errors fail the records of the batch that had no outcome yet.
      for (const r of records) {
        if (this.outcomes.has(r)) continue;
        if (FATAL.has(error.code)) this.outcomes.skip(r, notSent(error));
        else this.outcomes.fail(r, { code: error.code, message: error.message });
      }
    }
    try {
      this.outcomes.flush(records);
      this.sink.checkpoint();
    } catch (err) {
      // The outcomes could not be written (a full disk): stop, so no more records are sent without a record of it.
      this.fatal ??= toSfsyncError(err);
    }
    return later;
  }

  private async prepareAndWrite(
    records: MappedRecord[],
    prepared: () => void,
    later: Array<Promise<void>>,
  ): Promise<void> {
    const { operation } = this.opts;
    const pending = await resolveParents(this.client, records, this.opts.resolveReferences, (r, d) =>
      this.outcomes.fail(r, d),
    );
    const client = this.client;
    if (!client) {
      // Offline dry run: nothing can be matched, so each record is reported as valid for the operation.
      for (const r of pending) this.outcomes.plan(r, operation, undefined, r.payload);
      return;
    }
    const changes = operation === 'update' || operation === 'upsert' ? this.opts.changes : undefined;
    const batch = await this.sortByMatch(client, pending, changes);
    const sends = changes
      ? keepChanged(this.opts, this.outcomes, batch, changes)
      : new Map<MappedRecord, Record<string, unknown>>();
    if (this.opts.dryRun) return this.planBatch(batch, sends);
    for (const { r } of batch.updates) {
      const diff = sends.get(r);
      if (diff) r.payload = diff;
    }
    prepared();
    const calls = replaces(batch) ? await imageBefore(this.opts, batch, sends) : [];
    await sendSorted(this.opts, this.outcomes, batch, later);
    if (calls.length > 0) afterAnswers(later, () => this.opts.beforeImages?.written(...calls));
  }

  /** Finds the existing records of a batch and sorts it into creates, updates, deletes and upserts. */
  private async sortByMatch(
    client: SalesforceClient,
    records: MappedRecord[],
    changes: ChangeFields | undefined,
  ): Promise<SortedBatch> {
    const { operation, strategy } = this.opts;
    const batch: SortedBatch = { creates: [], updates: [], deletes: [], upserts: [] };
    const { creates, updates, deletes, upserts } = batch;
    let pending = records;
    creates.push(...pending.filter((r) => this.keyless.has(r)));
    if (creates.length > 0) pending = pending.filter((r) => !this.keyless.has(r));
    const find = async (): Promise<MatchIndex> =>
      this.opts.matchIndex ??
      this.plannedWrites.applyTo(
        this.opts.matchSpill?.read(pending) ??
          (await queryMatches(client, this.opts.match as MatchSpec, pending, changes)),
        pending,
      );
    if (strategy === 'none') creates.push(...pending);
    else if (strategy === 'native-upsert') {
      if (!this.opts.dryRun && !changes) {
        // Nothing compared (--write-all): read all the same when before-images are kept, for those of the records
        // it updates (one match query, then one query per 200 Ids), or undo could not set them back.
        if (this.opts.beforeImages) batch.changed = matchedOnce((batch.index = await find()), pending);
        upserts.push(...pending);
        return batch;
      }
      // Read first (a dry run, or to compare): the records found are updated, or left alone, the rest created.
      batch.index = await find();
      const matches = batch.index.find(pending);
      for (const r of pending) {
        const ids = this.withPlanned(r, matches.get(r) ?? []);
        if (ids.length === 1) updates.push({ r, id: ids[0] as string });
        else if (!this.opts.dryRun) upserts.push(r);
        else if (ids.length === 0) creates.push(r);
        else this.outcomes.fail(r, ambiguous(ids));
      }
    } else {
      // By Id: the records are read only to compare.
      if (strategy === 'query' || changes) batch.index = await find();
      const matches = strategy === 'query' ? (batch.index as MatchIndex).find(pending) : null;
      for (const r of pending) {
        const ids = matches
          ? this.withPlanned(r, matches.get(r) ?? [])
          : typeof r.payload.Id === 'string'
            ? [r.payload.Id]
            : [];
        if (ids.length > 1) this.outcomes.fail(r, ambiguous(ids));
        else if (ids.length === 1) {
          if (operation === 'delete') deletes.push({ r, id: ids[0] as string });
          else updates.push({ r, id: ids[0] as string });
        } else if (operation === 'upsert') creates.push(r);
        else this.outcomes.fail(r, notFound(operation));
      }
    }
    return batch;
  }

  /** Dry run: a write refused for want of a required field fails, as in the real run; creates made are remembered. */
  private planBatch(batch: SortedBatch, sends: Map<MappedRecord, Record<string, unknown>>): void {
    const object = this.opts.compiled.object;
    for (const r of batch.creates) {
      const missing = missingRequired(object, r.payload, 'create');
      if (missing) this.outcomes.fail(r, missing);
      else {
        this.rememberPlannedCreate(r);
        this.outcomes.plan(r, 'create', undefined, withoutId(r.payload));
      }
    }
    for (const { r, id } of batch.updates) {
      const missing = missingRequired(object, r.payload, 'update');
      if (!missing && this.plannedWrites.holds(id, r.payload)) this.outcomes.plan(r, 'unchanged', id, {});
      else if (missing) {
        // The real run's update fails: the record keeps values keepChanged took as written.
        this.outcomes.fail(r, missing);
        batch.index?.forget(batch.index.recordKeys(r));
      } else {
        if (!this.keyless.has(r) && mayRepeat(this.opts.match, this.opts.keyCounts, r))
          this.plannedWrites.remember(id, sends.get(r) ?? r.payload);
        this.outcomes.plan(r, 'update', id, withoutId(sends.get(r) ?? r.payload));
      }
    }
    for (const { r, id } of batch.deletes) this.outcomes.plan(r, 'delete', id, {});
  }

  /**
   * Dry run: the Ids found in the org, plus the records this run would have created by then with the same key
   * (named by their line), so a repeated key is predicted as one create and then updates.
   */
  private withPlanned(r: MappedRecord, ids: string[]): string[] {
    if (!this.opts.dryRun || !this.opts.match || this.keyless.has(r)) return ids;
    const lines = recordKeys(this.opts.match, r).map((k) => this.plannedCreates.firstLine(k));
    return [...ids, ...[...new Set(lines.filter((l) => l > 0))].map((l) => `(created by line ${l})`)];
  }

  private rememberPlannedCreate(r: MappedRecord): void {
    if (!this.opts.match || this.keyless.has(r)) return;
    if (mayRepeat(this.opts.match, this.opts.keyCounts, r))
      this.plannedWrites.created(r.line, r.payload, this.opts);
    for (const k of recordKeys(this.opts.match, r))
      if (!this.opts.keyCounts || this.opts.keyCounts.count(k) > 1) this.plannedCreates.add(k, r.line);
  }
}
