import { SfsyncError, signalExitCode, toSfsyncError, type StopSignal } from '../errors.js';
import type { SalesforceClient, SaveResult } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { imageFields, typedValue, type BeforeImages } from './before-images.js';
import type { UndoJournal } from './undo-journal.js';
import { restWriter, type RecordWriter } from './writer.js';
import type { UndoProblem, UndoSink } from './undo-results.js';
import type { BeforeImagesFile } from './undo-source.js';
import { UNDID, UndoDecider, type Action, type Item, type Row } from './undo-decide.js';

export interface UndoerOptions {
  force: boolean;
  dryRun: boolean;
  /** Records per call (at most 200: one query, one write of each kind). */
  batchSize: number;
  /** Batches in flight at once (default 1). */
  concurrency?: number;
  /** Resume: lines that already have an outcome, and recreates sent without an answer. */
  done?: Set<number>;
  uncertain?: Set<number>;
  /** Called after each batch, with the outcomes so far on disk. */
  onBatch?: () => void;
  /**
   * A plan's steps, undone one after the other: the Ids its updates touched (a record a later step updated is not
   * a conflict when its creation is taken back), shared by every step's undo.
   */
  touched?: Set<string>;
  /** A record that must not be deleted, and why (a record the undo left refers to it): reported, not sent. */
  keep?: (id: string) => UndoProblem | undefined;
  /**
   * Records the run created that this undo's next part deletes (a plan's second pass is taken back just before its
   * step): an update of theirs is not set back, as they are about to go.
   */
  deletedNext?: Set<string>;
  /**
   * Lines of the run's updates an earlier undo of the same folder took back: one whose record is deleted since is
   * unchanged (done), not a failure.
   */
  undone?: Set<number>;
  /**
   * When undos of other runs (say a later run's, undone first) last wrote a record, by its 15-character Id: a
   * SystemModstamp up to then is sfsync's own, not a change of someone's.
   */
  laterUndone?: Map<string, number>;
  /** Told of every record the undo leaves as it is (conflict, failure, skip), by its Id. */
  left?: (id: string) => void;
  /** Where deletes, updates and creates go (REST or Bulk API 2.0 jobs; default REST). */
  writer?: RecordWriter;
}

/**
 * Takes a run back from its before-images, newest write first, a batch at a time: one queryAll of the records'
 * current state (the Recycle Bin included), then a call per kind of write. A record someone changed since the run
 * is reported as a conflict and left alone unless `force`. Records an undo changes get before-images of their own,
 * so the undo can be undone.
 */
export class Undoer {
  private stop: SfsyncError | null = null;
  private readonly decider: UndoDecider;
  private readonly writer: RecordWriter;
  /** Every batch has been started: nothing more will fill a Bulk job. */
  private drained = false;
  /** Batches reading their records (their writes are still to come). */
  private reading = 0;

  /** No batch will write after this one: a Bulk job being filled goes now, not after waiting for more. */
  private last(): boolean {
    return this.drained && this.reading === 0;
  }
  private readonly select: string[];

  constructor(
    private readonly client: SalesforceClient,
    private readonly object: ObjectInfo,
    private readonly source: BeforeImagesFile,
    private readonly sink: UndoSink,
    private readonly images: BeforeImages | null,
    private readonly journal: UndoJournal | null,
    private readonly opts: UndoerOptions,
  ) {
    this.decider = new UndoDecider(sink, object, opts);
    this.writer = opts.writer ?? restWriter(client);
    const names = new Set(['Id', 'IsDeleted', 'CreatedDate', 'SystemModstamp', ...imageFields(object)]);
    this.select = [...names].filter((n) => this.decider.field(n) !== undefined || n === 'Id');
  }

  /** Ctrl-C or SIGTERM: the batch in flight ends, with its outcomes; nothing more is sent. */
  interrupt(signal: StopSignal): void {
    this.stop ??= new SfsyncError('INTERRUPTED', `Interrupted by ${signal}.`, {
      exitCode: signalExitCode(signal),
    });
  }

  /** Runs to the end of the before-images, or until stopped; returns what stopped it. */
  async run(): Promise<SfsyncError | null> {
    let batch: Item[] = [];
    let ids = new Set<string>();
    try {
      for (const item of this.source.newestFirst()) {
        if (this.stop) break;
        if (this.opts.done?.has(item.line)) {
          // Taken back before the undo stopped: an update is still the run's own change to a record it created.
          this.decider.settled(item.entry);
          continue;
        }
        if (this.opts.uncertain?.has(item.line)) {
          this.opts.left?.(item.entry.id);
          this.sink.fail(item.line, 'skipped', item.entry.id, UNDID[item.entry.op], {
            code: 'UNCERTAIN',
            message:
              'The interrupted undo sent this record to be created again and recorded no answer: it may exist twice. Check before creating it again.',
          });
          continue;
        }
        const key = item.entry.id.slice(0, 15);
        // One record twice in a batch would be read once for two writes: its later write is taken back first.
        if (ids.has(key) || batch.length >= this.opts.batchSize) {
          await this.dispatch(batch, ids);
          batch = [];
          ids = new Set();
          if (this.stop) break;
        }
        batch.push(item);
        ids.add(key);
      }
      if (!this.stop && batch.length > 0) await this.dispatch(batch, ids);
    } catch (err) {
      this.stop ??= toSfsyncError(err);
    }
    this.drained = true;
    this.writer.flush?.();
    await Promise.all(this.active.keys());
    if (!this.stop) {
      this.decider.finish();
      this.sink.checkpoint();
    }
    return this.stop;
  }

  /** Batches in flight, with the records each touches. */
  private readonly active = new Map<Promise<void>, Set<string>>();

  /**
   * Starts a batch once a slot is free. A batch touching a record of one in flight waits for every batch in flight:
   * a record's writes are taken back one after the other, newest first.
   */
  private async dispatch(items: Item[], ids: Set<string>): Promise<void> {
    const shared = [...this.active.values()].some((busy) => [...ids].some((id) => busy.has(id)));
    if (shared) await Promise.all(this.active.keys());
    while (this.active.size >= (this.opts.concurrency ?? 1)) await Promise.race(this.active.keys());
    if (this.stop) return;
    const done: Promise<void> = this.batch(items)
      .catch((err: unknown) => {
        this.stop ??= toSfsyncError(err);
      })
      .finally(() => this.active.delete(done));
    this.active.set(done, ids);
  }

  /**
   * The fields a batch needs read: every field when it deletes records (their before-images are whole records),
   * else only those its updates wrote (a small read, and little held while the batch waits for a Bulk job).
   */
  private selectFor(items: Item[]): string[] {
    if (items.some((i) => i.entry.op === 'create' || i.entry.op === 'undelete')) return this.select;
    const names = new Set(['Id', 'IsDeleted', 'CreatedDate', 'SystemModstamp']);
    for (const { entry } of items)
      if (entry.op === 'update')
        for (const k of [...Object.keys(entry.before), ...Object.keys(entry.after)]) {
          const f = this.decider.field(k);
          if (f) names.add(f.name);
        }
    return [...names].filter((n) => this.decider.field(n) !== undefined || n === 'Id');
  }

  private async read(items: Item[]): Promise<Map<string, Row>> {
    const rows = new Map<string, Row>();
    const select = this.selectFor(items);
    const soql = `SELECT ${select.join(', ')} FROM ${this.object.name} WHERE Id IN (${items.map((i) => `'${i.entry.id.replace(/[^A-Za-z0-9]/g, '')}'`).join(',')})`;
    for await (const row of this.client.query(soql, { all: true })) {
      const out: Row = {};
      for (const name of select) out[name] = typedValue(this.decider.field(name), row[name]);
      rows.set(String(row.Id).slice(0, 15), out);
    }
    return rows;
  }

  private async batch(items: Item[]): Promise<void> {
    this.reading++;
    let rows: Map<string, Row>;
    try {
      rows = await this.read(items);
    } finally {
      this.reading--;
    }
    const actions: Action[] = [];
    for (const item of items) {
      const action = this.decider.decide(item, rows.get(item.entry.id.slice(0, 15)));
      if (action) actions.push(action);
    }
    if (actions.length === 0 && this.last()) this.writer.flush?.();
    if (this.opts.dryRun) {
      for (const a of actions) this.predict(a);
    } else await this.apply(actions);
    this.sink.checkpoint();
    this.opts.onBatch?.();
  }

  private predict(a: Action): void {
    const { line, entry } = a.item;
    const outcome =
      a.kind === 'delete'
        ? 'deleted'
        : a.kind === 'update'
          ? 'updated'
          : a.kind === 'undelete'
            ? 'undeleted'
            : 'created';
    this.sink.succeed(line, outcome, entry.id, UNDID[entry.op]);
  }

  private async apply(actions: Action[]): Promise<void> {
    const of = <K extends Action['kind']>(kind: K): Array<Extract<Action, { kind: K }>> =>
      actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
    const deletes = of('delete');
    const updates = of('update');
    const undeletes = of('undelete');
    const creates = of('create');
    // The undo's own before-images, on disk before its writes are sent; `written` says when they were answered.
    const w = this.images?.nextCall();
    for (const a of deletes)
      this.images?.add({
        op: 'delete',
        line: a.item.line,
        id: a.item.entry.id,
        record: a.current,
        seen: typeof a.current.SystemModstamp === 'string' ? a.current.SystemModstamp : null,
        w,
      });
    for (const a of updates) {
      const before: Row = {};
      for (const k of Object.keys(a.values)) before[k] = a.current[k] ?? null;
      this.images?.add({
        op: 'update',
        line: a.item.line,
        id: a.item.entry.id,
        before,
        after: a.values,
        seen: typeof a.current.SystemModstamp === 'string' ? a.current.SystemModstamp : null,
        w,
      });
    }
    for (const a of undeletes)
      this.images?.add({ op: 'undelete', line: a.item.line, id: a.item.entry.id, w });
    this.images?.flush();

    const object = this.object.name;
    await this.send(
      deletes,
      'delete',
      () =>
        this.writer.delete(
          object,
          deletes.map((a) => a.item.entry.id),
        ),
      'deleted',
    );
    await this.send(
      updates,
      'update',
      () =>
        this.writer.update(
          object,
          updates.map((a) => ({ ...a.values, Id: a.item.entry.id })),
        ),
      'updated',
    );
    await this.send(
      undeletes,
      'undelete',
      () => this.client.undelete(undeletes.map((a) => a.item.entry.id)),
      'undeleted',
    );
    await this.send(
      creates,
      'create',
      () =>
        this.writer.create(
          object,
          creates.map((a) => a.values),
        ),
      'created',
    );
    if (deletes.length + updates.length + undeletes.length > 0) this.images?.written(w);
  }

  private async send(
    actions: Action[],
    call: string,
    write: () => Promise<SaveResult[]>,
    outcome: 'deleted' | 'updated' | 'undeleted' | 'created',
  ): Promise<void> {
    if (actions.length === 0) return;
    this.journal?.sent(
      actions.map((a) => a.item.line),
      call,
    );
    const pending = write();
    if (this.last()) this.writer.flush?.();
    const results = await pending;
    actions.forEach((a, i) => {
      const { line, entry } = a.item;
      const r = results[i];
      if (r?.success) {
        this.decider.wrote(r.id ?? entry.id, this.client.serverTime());
        if (outcome === 'created' && r.id) {
          this.images?.created(line, r.id);
          this.sink.succeed(line, 'created', r.id, UNDID[entry.op], entry.id);
        } else this.sink.succeed(line, outcome, entry.id, UNDID[entry.op]);
      } else {
        this.opts.left?.(entry.id);
        const e = r?.errors[0];
        this.sink.fail(line, 'failed', entry.id, UNDID[entry.op], {
          code: e?.statusCode ?? 'UNKNOWN',
          message: e?.message ?? 'Salesforce returned no result for this record.',
          fields: e?.fields,
          runLine: entry.line,
        });
      }
    });
    this.images?.flush();
  }
}
