import type { SyncOperation } from '../core/sync-options.js';
import { SfsyncError, signalExitCode, toSfsyncError, type StopSignal } from '../errors.js';
import type { InputRecord } from '../input/types.js';
import { applyMapping, type MappedRecord } from '../mapping/apply.js';
import type { ValueError } from '../mapping/coerce.js';
import type { CompiledMapping } from '../mapping/compile.js';
import { combineErrors, missingRequired } from '../mapping/required.js';
import { duplicateIds, type SalesforceClient, type SaveResult } from '../salesforce/client.js';
import { resolveLookups } from './lookups.js';
import { KeyCensus } from './key-census.js';
import type { ChangeFields } from './changes.js';
import { queryMatches, recordKeys, type MatchIndex, type MatchSpec } from './match.js';
import type { FailureDetail, ResultSink } from './results.js';
import { csvLineOf } from './bulk-writer.js';
import type { BulkJobCreations } from './reconcile.js';
import type { Spool } from './spool.js';
import type { RecordWriter, Sent } from './writer.js';

/** How existing records are found: not at all, by the Id in the record, by Salesforce's upsert, or by query. */
export type MatchStrategy = 'none' | 'id' | 'native-upsert' | 'query';

export interface EngineOptions {
  operation: SyncOperation;
  compiled: CompiledMapping;
  mappingZone?: string;
  match: MatchSpec | null;
  strategy: MatchStrategy;
  /** REST collections or Bulk API 2.0 jobs. */
  writer: RecordWriter;
  /** Called with the input lines of each write call before it is sent (the journal). */
  onSend?: (lines: number[], bulkJob?: string) => void;
  /** On resume: lines that already have an outcome, and lines whose create may or may not have happened. */
  resume?: {
    done: Set<number>;
    uncertain: Map<number, string | undefined>;
    /** What the Bulk jobs of the interrupted create did, by job id (see reconcile.ts). */
    bulk?: Map<string, BulkJobCreations>;
  };
  batchSize: number;
  concurrency: number;
  /**
   * Where records wait while a write is in flight (Bulk API jobs keep tens of thousands of records waiting for
   * minutes; as objects they would dominate the memory of the run). Without it they stay in memory.
   */
  spool?: Spool;
  dryRun: boolean;
  failFast: boolean;
  onBatch?: () => void;
  /** Called as each batch is handed on, a point where the run may pause for a moment (garbage collection). */
  onDispatch?: () => void;
  /**
   * Existing records exported once before the run (instead of queries per batch); the engine adds each record it
   * creates, so later rows with the same key find it as they would with a query.
   */
  matchIndex?: MatchIndex;
  /**
   * Change detection (update and upsert; off with --write-all): matched records are read with these fields, and
   * only the fields that differ are sent; a record with none is `unchanged` and not sent.
   */
  changes?: ChangeFields;
  /** Batches looked up and matched at once (default: concurrency); the rest wait, or wait for their writes. */
  prepareConcurrency?: number;
  /** Upsert: a record whose match key is blank is created; otherwise it fails with MATCH_KEY_EMPTY. */
  createWhenKeyEmpty?: boolean;
  /**
   * The keys of the whole input counted before the run (a dry run then remembers only the creates whose key
   * comes again); without it the engine counts them as it reads (standard input) into `countKeys`.
   */
  keyCounts?: KeyCensus;
  countKeys?: KeyCensus;
}

export interface EngineResult {
  /** Set when the run stopped before the end of the input; the records it had read are all accounted for. */
  fatal: SfsyncError | null;
  stoppedEarly: boolean;
  lastLine: number;
}

/** Errors after which no later call can succeed: the run stops, every record read so far gets an outcome. */
const FATAL = new Set([
  'AUTH_INVALID',
  'REQUEST_LIMIT_EXCEEDED',
  'API_BUDGET_EXCEEDED',
  'NETWORK',
  'NO_ORG',
  'ORG_UNKNOWN',
  'HARD_DELETE_NOT_PERMITTED',
]);
const LOCK_RETRIES = 3;

function ambiguous(ids: string[]): FailureDetail {
  return {
    code: 'AMBIGUOUS_MATCH',
    status: 300,
    message: `Matches ${ids.length} records; not written. Make the match keys unique, or match on more fields with --match-operator AND.`,
    matchedIds: ids,
  };
}

function keyEmpty(spec: MatchSpec): FailureDetail {
  const names = spec.fields.map((f) => f.name);
  return {
    code: 'MATCH_KEY_EMPTY',
    message: `The match key (${names.join(spec.operator === 'AND' ? ' and ' : ' or ')}) is blank, so the record cannot be matched; not sent.`,
    fields: names,
  };
}

function notFound(operation: SyncOperation): FailureDetail {
  return {
    code: 'NOT_FOUND',
    status: 404,
    message: `No existing record matches, so there is nothing to ${operation}.`,
  };
}

function withoutId(payload: Record<string, unknown>): Record<string, unknown> {
  const { Id: _id, ...rest } = payload;
  return rest;
}

function saveFailure(r: SaveResult | undefined): FailureDetail {
  const e = r?.errors[0];
  if (!e) return { code: 'UNKNOWN', message: 'Salesforce returned no result for this record.' };
  // A duplicate rule's refusal names the records the input collided with.
  const matched = duplicateIds(e);
  return matched.length > 0
    ? { code: e.statusCode, message: e.message, fields: e.fields, matchedIds: matched }
    : { code: e.statusCode, message: e.message, fields: e.fields };
}

/** What a spooled record's input and payload read as until it is taken back. */
const SPOOLED: Record<string, unknown> = Object.freeze({});

/** The sync pipeline: map → batch → resolve lookups → match → write (or plan) → record outcomes. */
export class SyncEngine {
  private fatal: SfsyncError | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly active = new Set<Promise<void>>();
  private lastLine = 0;
  /** Upsert records with a blank key, created without matching (--create-when-key-empty). */
  private readonly keyless = new WeakSet<MappedRecord>();
  /**
   * Dry run: the keys of the records it plans to create, with their line, so a later record with the same key
   * is predicted as the update the real run makes of that record (which its query would then find).
   */
  private readonly plannedCreates = new KeyCensus();

  constructor(
    private readonly client: SalesforceClient | null,
    private readonly sink: ResultSink,
    private readonly opts: EngineOptions,
  ) {}

  async run(chunks: AsyncIterable<InputRecord[]>): Promise<EngineResult> {
    let batch: MappedRecord[] = [];
    let batchKeys = new Set<string>();
    const dispatch = async (): Promise<void> => {
      if (batch.length === 0) return;
      const current = batch;
      const keys = batchKeys;
      batch = [];
      batchKeys = new Set();
      this.opts.onDispatch?.();
      // A full writer (a Bulk job waiting for a slot) holds the reading too, whatever the number of batches.
      while (this.active.size > 0 && (this.active.size >= this.opts.concurrency || this.opts.writer.busy?.()))
        await Promise.race(this.active);
      // A batch is read into memory only when it can be matched at once: waiting batches hold whole records.
      const prepared = await this.enterPreparing();
      const done: Promise<void> = this.process(current, prepared).finally(() => {
        prepared();
        this.active.delete(done);
        for (const k of keys) if (this.inFlight.get(k) === done) this.inFlight.delete(k);
        this.opts.onBatch?.();
      });
      this.active.add(done);
      for (const k of keys) this.inFlight.set(k, done);
    };

    reading: for await (const chunk of this.untilUnreadable(chunks))
      for (const input of chunk) {
        // After a fatal error or an interrupt nothing more is read: the summary says where the run stopped.
        if (this.fatal) break reading;
        this.lastLine = input.line;
        if (this.opts.resume?.done.has(input.line)) continue;
        const resumed = this.opts.resume?.uncertain.has(input.line) ? this.settleFromJob(input) : 'send';
        if (resumed === 'settled') continue;
        if (resumed === 'uncertain') {
          const job = this.opts.resume?.uncertain.get(input.line);
          this.sink.fail(
            input.line,
            input.values ?? input.raw,
            {
              code: 'UNCERTAIN',
              message: job
                ? `Sent in Bulk API job ${job} just before the run was interrupted, and no answer was recorded: it may or may not have been applied. ${this.opts.resume?.bulk?.get(job)?.missing ?? "Check the job's results in Salesforce (Setup > Bulk Data Load Jobs) before sending it again."}`
                : 'Sent just before the run was interrupted, and no answer was recorded: it may or may not have been created. Check before creating it again.',
            },
            'skipped',
          );
          continue;
        }
        if (this.stopped()) {
          this.sink.fail(input.line, input.values ?? input.raw, this.stopReason(), 'skipped');
          continue;
        }
        if (input.error) {
          this.sink.fail(input.line, input.raw, {
            code: input.error.code,
            message: input.error.message,
          });
          continue;
        }
        const mapped = applyMapping(this.opts.compiled, input.line, input.values, this.opts.mappingZone);
        if (mapped.error) {
          this.sink.fail(input.line, input.values, this.everyProblem(mapped));
          continue;
        }
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
          for (const k of keys) this.opts.countKeys?.add(k, input.line);
          if (keys.some((k) => batchKeys.has(k))) await dispatch();
          const waits = keys
            .map((k) => this.inFlight.get(k))
            .filter((p): p is Promise<void> => p !== undefined);
          if (waits.length > 0) {
            this.opts.writer.flush?.();
            await Promise.all(waits);
          }
          for (const k of keys) batchKeys.add(k);
        }
        batch.push(mapped);
        if (batch.length >= this.opts.batchSize) await dispatch();
      }
    await dispatch();
    this.opts.writer.flush?.();
    await Promise.all(this.active);
    return { fatal: this.fatal, stoppedEarly: this.stopped(), lastLine: this.lastLine };
  }

  /**
   * A record the mapping refused, with the problems the later steps would find too (a blank match key; the
   * required fields of a record that would surely be created), so one run shows them all.
   */
  private everyProblem(mapped: MappedRecord): ValueError {
    const error = mapped.error as ValueError;
    const spec = this.opts.match;
    if (!spec || recordKeys(spec, mapped).length > 0) return error;
    // A match field whose value was refused is not blank: its own error says what is wrong with it.
    const refused = new Set((error.causes ?? [error]).flatMap((e) => e.fields ?? []));
    if (spec.fields.some((f) => refused.has(f.name))) return error;
    if (this.opts.operation !== 'upsert' || !this.opts.createWhenKeyEmpty)
      return combineErrors([error, keyEmpty(spec)]);
    const missing = missingRequired(this.opts.compiled.object, mapped.payload, 'create', refused);
    const known = (error.causes ?? [error]).some((e) => e.code === 'REQUIRED_FIELD_MISSING');
    return missing && !known ? combineErrors([error, missing]) : error;
  }

  /** The input, ending where it can no longer be read: that stops the run like any fatal error. */
  private async *untilUnreadable(chunks: AsyncIterable<InputRecord[]>): AsyncIterable<InputRecord[]> {
    try {
      yield* chunks;
    } catch (err) {
      this.fatal ??= toSfsyncError(err);
    }
  }

  /**
   * An input line the interrupted run sent without recording an answer: settled (its Bulk job's results say it was
   * created, with the Id, or deleted), to send again (the job did not apply it, or it is an update or upsert,
   * which finds its record again), or uncertain (no job results to tell).
   */
  private settleFromJob(input: InputRecord): 'settled' | 'send' | 'uncertain' {
    const jobId = this.opts.resume?.uncertain.get(input.line);
    const job = jobId ? this.opts.resume?.bulk?.get(jobId) : undefined;
    // An update or upsert the job's results cannot settle is sent again: it finds its record by its key.
    const unsure =
      this.opts.operation === 'update' || this.opts.operation === 'upsert' ? 'send' : 'uncertain';
    if (!job || !['JobComplete', 'Failed', 'Aborted'].includes(job.state) || input.error) return unsure;
    const mapped = applyMapping(this.opts.compiled, input.line, input.values, this.opts.mappingZone);
    // A record whose lookups were resolved by query cannot be rebuilt exactly as it was sent.
    if (mapped.error || mapped.lookups.length > 0) return unsure;
    if (this.opts.operation === 'delete') {
      // Only a delete by the Id in the file can be told from the job's results (a deleted record no longer matches).
      const id = this.opts.strategy === 'id' ? mapped.payload.Id : undefined;
      if (typeof id !== 'string') return 'uncertain';
      if (!job.done.has(id)) return 'send';
      this.sink.succeed(input.line, 'deleted', id, input.values);
      return 'settled';
    }
    const id = job.created.get(csvLineOf(job.columns, withoutId(mapped.payload)))?.shift();
    if (!id) return 'send';
    this.sink.succeed(input.line, 'created', id, input.values);
    return 'settled';
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
  }

  private stopped(): boolean {
    return this.fatal !== null || (this.opts.failFast && this.sink.counts.failed > 0);
  }

  private stopReason(): FailureDetail {
    return this.fatal
      ? {
          code: 'NOT_PROCESSED',
          message: `Not sent: the run stopped (${this.fatal.code}: ${this.fatal.message})`,
        }
      : {
          code: 'NOT_PROCESSED',
          message: 'Not sent: --fail-fast stopped the run at the first failed record.',
        };
  }

  private async process(records: MappedRecord[], prepared: () => void): Promise<void> {
    if (this.stopped()) {
      for (const r of records) this.sink.fail(r.line, this.unspool(r).input, this.stopReason(), 'skipped');
      return;
    }
    try {
      await this.prepareAndWrite(records, prepared);
    } catch (err) {
      const error =
        err instanceof SfsyncError ? err : new SfsyncError('SALESFORCE_ERROR', (err as Error).message);
      if (FATAL.has(error.code)) this.fatal ??= error;
      // A fatal error means the call was refused or never made: those records are left for --resume to send.
      // Other errors fail the records of the batch that had no outcome yet.
      for (const r of records) {
        if (this.settled.has(r)) continue;
        if (FATAL.has(error.code)) {
          this.settled.set(r, () =>
            this.sink.fail(
              r.line,
              this.unspool(r).input,
              { code: 'NOT_PROCESSED', message: `Not sent: ${error.message}` },
              'skipped',
            ),
          );
        } else this.fail(r, { code: error.code, message: error.message });
      }
    }
    try {
      this.flush(records);
      this.sink.checkpoint();
    } catch (err) {
      // The outcomes could not be written (a full disk): stop, so no more records are sent without a record of it.
      this.fatal ??= toSfsyncError(err);
    }
  }

  /** Moves a record's input and payload to the spool, if there is one, until they are needed again. */
  private spool(r: MappedRecord): void {
    const spool = this.opts.spool;
    if (!spool || r.input === SPOOLED) return;
    const { at, bytes } = spool.put([r.input, r.payload]);
    r.spoolAt = at;
    r.spoolBytes = bytes;
    r.input = SPOOLED;
    r.payload = SPOOLED;
  }

  /** The record with its input and payload back from the spool. */
  private unspool(r: MappedRecord): MappedRecord {
    if (r.input !== SPOOLED || !this.opts.spool) return r;
    const [input, payload] = this.opts.spool.get({ at: r.spoolAt ?? 0, bytes: r.spoolBytes ?? 0 }) as [
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    r.input = input;
    r.payload = payload;
    return r;
  }

  /** A record's input, read back from the spool without keeping it there: the success file needs it once. */
  private inputOf(r: MappedRecord): Record<string, unknown> {
    if (r.input !== SPOOLED || !this.opts.spool) return r.input;
    return (
      this.opts.spool.get({ at: r.spoolAt ?? 0, bytes: r.spoolBytes ?? 0 }) as [Record<string, unknown>]
    )[0];
  }

  /** Outcomes decided for records of the batches in flight, written in line order when a batch ends. */
  private readonly settled = new Map<MappedRecord, () => void>();

  /**
   * A record its Bulk job did not answer for. Its results unread: the run stops and --resume settles it. The job
   * never run: not sent, and the run stops as on any fatal error, or the record fails with the job's error.
   */
  private unanswered(r: MappedRecord, res: SaveResult, stop: SfsyncError): void {
    const unread = res.errors[0]?.statusCode === 'BULK_RESULTS_UNREAD';
    if (!unread && !FATAL.has(stop.code)) return this.fail(r, saveFailure(res));
    this.fatal ??= stop;
    const detail = unread
      ? saveFailure(res)
      : { code: 'NOT_PROCESSED', message: `Not sent: ${stop.message}` };
    this.settled.set(r, () => this.sink.fail(r.line, this.unspool(r).input, detail, 'skipped'));
  }

  private fail(r: MappedRecord, detail: FailureDetail): void {
    this.settled.set(r, () => this.sink.fail(r.line, this.unspool(r).input, detail));
  }

  private succeed(r: MappedRecord, outcome: 'created' | 'updated' | 'deleted', id: string | undefined): void {
    this.settled.set(r, () => this.sink.succeed(r.line, outcome, id, this.inputOf(r)));
  }

  private unchanged(r: MappedRecord, id: string): void {
    this.settled.set(r, () => this.sink.succeed(r.line, 'unchanged', id, this.inputOf(r)));
  }

  private plan(
    r: MappedRecord,
    action: 'create' | 'update' | 'delete' | 'upsert' | 'unchanged',
    id: string | undefined,
    payload: Record<string, unknown>,
  ): void {
    this.settled.set(r, () => this.sink.planned(r.line, action, id, payload));
  }

  private flush(records: MappedRecord[]): void {
    // Records arrive in line order; a batch reordered by lookups or matching is sorted back.
    const ordered = records.every((r, i) => i === 0 || (records[i - 1] as MappedRecord).line < r.line)
      ? records
      : [...records].sort((a, b) => a.line - b.line);
    for (const r of ordered) {
      const write = this.settled.get(r);
      this.settled.delete(r);
      write?.();
    }
  }

  /**
   * Batches being looked up and matched at once (their records are whole objects until they are written). On the
   * Bulk path many more batches wait for their jobs, spooled, than are matched at a time.
   */
  private preparing = 0;
  private readonly preparingWaiters: Array<() => void> = [];

  /** Waits for a matching slot; returns the function that frees it (once) when the batch is matched. */
  private async enterPreparing(): Promise<() => void> {
    const limit = this.opts.prepareConcurrency ?? this.opts.concurrency;
    while (this.preparing >= limit) await new Promise<void>((resolve) => this.preparingWaiters.push(resolve));
    this.preparing++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.preparing--;
      this.preparingWaiters.shift()?.();
    };
  }

  private async prepareAndWrite(records: MappedRecord[], prepared: () => void): Promise<void> {
    const { operation, strategy } = this.opts;
    let pending = records;
    if (this.client && pending.some((r) => r.lookups.length > 0)) {
      const failures = await resolveLookups(this.client, pending);
      for (const [r, detail] of failures) this.fail(r, detail);
      pending = pending.filter((r) => !failures.has(r));
    }
    const client = this.client;
    if (!client) {
      // Offline dry run: nothing can be matched, so each record is reported as valid for the operation.
      for (const r of pending) this.plan(r, operation, undefined, r.payload);
      return;
    }
    const changes = operation === 'update' || operation === 'upsert' ? this.opts.changes : undefined;
    let index: MatchIndex | undefined;
    const creates: MappedRecord[] = [];
    let updates: Array<{ r: MappedRecord; id: string }> = [];
    const deletes: Array<{ r: MappedRecord; id: string }> = [];
    const upserts: MappedRecord[] = [];
    creates.push(...pending.filter((r) => this.keyless.has(r)));
    if (creates.length > 0) pending = pending.filter((r) => !this.keyless.has(r));
    if (strategy === 'none') creates.push(...pending);
    else if (strategy === 'native-upsert') {
      if (this.opts.dryRun || changes) {
        // Read first (a dry run, or to compare): the records found are updated, or left alone, the rest created.
        index =
          this.opts.matchIndex ??
          (await queryMatches(client, this.opts.match as MatchSpec, pending, changes));
        const matches = index.find(pending);
        for (const r of pending) {
          const ids = this.withPlanned(r, matches.get(r) ?? []);
          if (ids.length === 1) updates.push({ r, id: ids[0] as string });
          else if (!this.opts.dryRun) upserts.push(r);
          else if (ids.length === 0) creates.push(r);
          else this.fail(r, ambiguous(ids));
        }
      } else upserts.push(...pending);
    } else {
      if (strategy === 'query')
        index =
          this.opts.matchIndex ??
          (await queryMatches(client, this.opts.match as MatchSpec, pending, changes));
      // By Id: the records are read only to compare.
      else if (changes)
        index =
          this.opts.matchIndex ??
          (await queryMatches(client, this.opts.match as MatchSpec, pending, changes));
      const matches = strategy === 'query' ? (index as MatchIndex).find(pending) : null;
      for (const r of pending) {
        const ids = matches
          ? this.withPlanned(r, matches.get(r) ?? [])
          : typeof r.payload.Id === 'string'
            ? [r.payload.Id]
            : [];
        if (ids.length > 1) {
          this.fail(r, ambiguous(ids));
        } else if (ids.length === 1) {
          if (operation === 'delete') deletes.push({ r, id: ids[0] as string });
          else updates.push({ r, id: ids[0] as string });
        } else if (operation === 'upsert') {
          creates.push(r);
        } else {
          this.fail(r, notFound(operation));
        }
      }
    }
    // Only what changed: a matched record whose values are all stored already is not sent; the others send only
    // the fields that differ (a native upsert also its external ID, which finds the record).
    const sends = new Map<MappedRecord, Record<string, unknown>>();
    if (changes) {
      const kept: typeof updates = [];
      for (const u of updates) {
        const diff = changes.diff(u.r.payload, index?.current(u.id));
        if (diff) {
          kept.push(u);
          sends.set(u.r, diff);
        } else if (this.opts.dryRun) this.plan(u.r, 'unchanged', u.id, {});
        else this.unchanged(u.r, u.id);
      }
      updates = kept;
      if (!this.opts.dryRun && strategy === 'native-upsert') {
        const field = this.opts.match?.fields[0]?.name as string;
        for (const u of updates) {
          u.r.payload = { ...(sends.get(u.r) as Record<string, unknown>), [field]: u.r.payload[field] };
          upserts.push(u.r);
        }
        upserts.sort((a, b) => a.line - b.line);
        updates = [];
      }
    }
    if (this.opts.dryRun) {
      // What Salesforce would refuse for want of a required field is predicted here, as the real run would fail it;
      // only a create that would be made is remembered for the later records of its key.
      const object = this.opts.compiled.object;
      for (const r of creates) {
        const missing = missingRequired(object, r.payload, 'create');
        if (missing) this.fail(r, missing);
        else {
          this.rememberPlannedCreate(r);
          this.plan(r, 'create', undefined, withoutId(r.payload));
        }
      }
      for (const { r, id } of updates) {
        const missing = missingRequired(object, r.payload, 'update');
        if (missing) this.fail(r, missing);
        else this.plan(r, 'update', id, withoutId(sends.get(r) ?? r.payload));
      }
      for (const { r, id } of deletes) this.plan(r, 'delete', id, {});
      return;
    }
    for (const { r } of updates) {
      const diff = sends.get(r);
      if (diff) r.payload = diff;
    }
    prepared();
    const object = this.opts.compiled.object.name;
    if (operation === 'upsert' && creates.length > 0 && updates.length > 0) {
      // One call for both: an upsert keyed on Id updates the records that carry an Id and creates the rest.
      const mixed = [...creates.map((r) => ({ r, id: undefined })), ...updates].sort(
        (a, b) => a.r.line - b.r.line,
      );
      await this.write(
        mixed,
        (chunk, sent) =>
          this.opts.writer.upsert(
            object,
            'Id',
            chunk.map(({ r, id }) => (id ? { ...withoutId(r.payload), Id: id } : withoutId(r.payload))),
            sent,
          ),
        'upserted',
      );
    } else {
      await this.write(
        creates,
        (chunk, sent) =>
          this.opts.writer.create(
            object,
            chunk.map((r) => withoutId(r.payload)),
            sent,
          ),
        'created',
      );
      await this.write(
        updates,
        (chunk, sent) =>
          this.opts.writer.update(
            object,
            chunk.map(({ r, id }) => ({ ...withoutId(r.payload), Id: id })),
            sent,
          ),
        'updated',
      );
    }
    await this.write(
      deletes,
      (chunk, sent) =>
        this.opts.writer.delete(
          object,
          chunk.map(({ id }) => id),
          sent,
        ),
      'deleted',
    );
    const field = this.opts.match?.fields[0]?.name as string;
    await this.write(
      upserts,
      (chunk, sent) =>
        this.opts.writer.upsert(
          object,
          field,
          chunk.map((r) => r.payload),
          sent,
        ),
      'upserted',
    );
  }

  /**
   * Dry run: the Ids found in the org, plus the records this run would have created by then with the same key
   * (named by their line), so a repeated key is predicted as one create and then updates.
   */
  private withPlanned(r: MappedRecord, ids: string[]): string[] {
    if (!this.opts.dryRun || !this.opts.match || this.keyless.has(r)) return ids;
    const planned = new Set<number>();
    for (const k of recordKeys(this.opts.match, r)) {
      const line = this.plannedCreates.firstLine(k);
      if (line > 0) planned.add(line);
    }
    return [...ids, ...[...planned].map((line) => `(created by line ${line})`)];
  }

  private rememberPlannedCreate(r: MappedRecord): void {
    if (!this.opts.match || this.keyless.has(r)) return;
    for (const k of recordKeys(this.opts.match, r))
      if (!this.opts.keyCounts || this.opts.keyCounts.count(k) > 1) this.plannedCreates.add(k, r.line);
  }

  /** Sends items in calls of at most batchSize, resending records that only hit a row lock. */
  private async write<T extends MappedRecord | { r: MappedRecord; id: string | undefined }>(
    items: T[],
    send: (chunk: T[], sent: Sent) => Promise<SaveResult[]>,
    outcome: 'created' | 'updated' | 'deleted' | 'upserted',
  ): Promise<void> {
    let queue = items;
    for (let attempt = 0; queue.length > 0; attempt++) {
      const locked: T[] = [];
      for (let i = 0; i < queue.length; i += this.opts.batchSize) {
        const chunk = queue.slice(i, i + this.opts.batchSize);
        const records = chunk.map((item) => ('r' in item ? item.r : (item as MappedRecord)));
        if (attempt > 0) for (const r of records) this.unspool(r);
        // The journal learns of the records when the writer is about to send them (a Bulk job may gather them
        // first): a record never sent is then not taken for one that may have been applied.
        const lines = records.map((r) => r.line);
        const index = this.opts.matchIndex;
        const keys = index ? records.map((r) => index.recordKeys(r)) : undefined;
        // The writer has taken what it sends before its first await; from here the records only wait.
        const sending = send(chunk, (job, from = 0, count = lines.length) =>
          this.opts.onSend?.(lines.slice(from, from + count), job),
        );
        for (const r of records) {
          try {
            this.spool(r);
          } catch {
            // A record the spool cannot take (not writable as JSON) waits in memory: it never fails the others.
          }
        }
        const results = await sending;
        for (let j = 0; j < chunk.length; j++) {
          const item = chunk[j] as T;
          const r = 'r' in item ? item.r : (item as MappedRecord);
          const res = results[j];
          if (res?.success) {
            const kind = outcome === 'upserted' ? (res.created ? 'created' : 'updated') : outcome;
            const id = res.id ?? ('id' in item ? item.id : undefined);
            if (kind === 'created' && id && keys) index?.addKeys(keys[j] ?? [], id);
            this.succeed(r, kind, id);
          } else if (res?.errors[0]?.statusCode === 'UNABLE_TO_LOCK_ROW' && attempt < LOCK_RETRIES) {
            locked.push(item);
          } else if (res?.stop) {
            this.unanswered(r, res, res.stop);
          } else {
            const detail = saveFailure(res);
            this.fail(
              r,
              res?.errors[0]?.statusCode === 'DUPLICATE_EXTERNAL_ID' ? { ...detail, status: 300 } : detail,
            );
          }
        }
      }
      queue = locked;
      if (queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}
