import { SfsyncError, signalExitCode, toSfsyncError, type StopSignal } from '../errors.js';
import type { SalesforceClient, SaveResult } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { imageFields, typedValue, type BeforeEntry, type BeforeImages } from './before-images.js';
import { storedForm } from './changes.js';
import type { UndoJournal } from './undo-journal.js';
import type { UndoProblem, UndoSink } from './undo-results.js';
import type { BeforeImagesFile } from './undo-source.js';

type Row = Record<string, unknown>;
type Item = { line: number; entry: BeforeEntry };

/** What taking back one write does to its record. */
type Action =
  | { kind: 'delete'; item: Item; current: Row }
  | { kind: 'update'; item: Item; current: Row; values: Row }
  | { kind: 'undelete'; item: Item }
  | { kind: 'create'; item: Item; values: Row };

/** The verb each kind of write is taken back with, for the results. */
const UNDID: Record<BeforeEntry['op'], string> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  undelete: 'undelete',
};

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
  /** Told of every record the undo leaves as it is (conflict, failure, skip), by its Id. */
  left?: (id: string) => void;
}

function stampOf(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
}

/**
 * Takes a run back from its before-images, newest write first, a batch at a time: one queryAll of the records'
 * current state (the Recycle Bin included), then a call per kind of write. A record someone changed since the run
 * is reported as a conflict and left alone unless `force`. Records an undo changes get before-images of their own,
 * so the undo can be undone.
 */
export class Undoer {
  private stop: SfsyncError | null = null;
  /** Records an update of the run touched: their later SystemModstamp is the run's own doing. */
  private readonly touchedByRun: Set<string>;
  private readonly byName = new Map<string, FieldInfo>();
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
    this.touchedByRun = opts.touched ?? new Set();
    for (const f of object.fields) this.byName.set(f.name.toLowerCase(), f);
    const names = new Set(['Id', 'IsDeleted', 'CreatedDate', 'SystemModstamp', ...imageFields(object)]);
    this.select = [...names].filter((n) => this.byName.has(n.toLowerCase()) || n === 'Id');
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
          // Taken back before the undo stopped: still the run's own change to a record it created.
          if (item.entry.op === 'update') this.touchedByRun.add(item.entry.id.slice(0, 15));
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
    await Promise.all(this.active.keys());
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

  private field(name: string): FieldInfo | undefined {
    return this.byName.get(name.toLowerCase());
  }

  private same(name: string, a: unknown, b: unknown): boolean {
    const f = this.field(name);
    if (!f) return true;
    return storedForm(f, a) === storedForm(f, b);
  }

  private async read(items: Item[]): Promise<Map<string, Row>> {
    const rows = new Map<string, Row>();
    const soql = `SELECT ${this.select.join(', ')} FROM ${this.object.name} WHERE Id IN (${items.map((i) => `'${i.entry.id.replace(/[^A-Za-z0-9]/g, '')}'`).join(',')})`;
    for await (const row of this.client.query(soql, { all: true })) {
      const out: Row = {};
      for (const name of this.select) out[name] = typedValue(this.field(name), row[name]);
      rows.set(String(row.Id).slice(0, 15), out);
    }
    return rows;
  }

  private async batch(items: Item[]): Promise<void> {
    const rows = await this.read(items);
    const actions: Action[] = [];
    for (const item of items) {
      const action = this.decide(item, rows.get(item.entry.id.slice(0, 15)));
      if (action) actions.push(action);
    }
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

  private unchanged(item: Item): null {
    this.sink.succeed(item.line, 'unchanged', item.entry.id, UNDID[item.entry.op]);
    return null;
  }

  private problem(item: Item, outcome: 'conflict' | 'failed' | 'skipped', problem: UndoProblem): null {
    this.opts.left?.(item.entry.id);
    const runLine = item.entry.line;
    this.sink.fail(item.line, outcome, item.entry.id, UNDID[item.entry.op], { ...problem, runLine });
    return null;
  }

  /** What taking back one write needs, or null when its outcome is already decided (recorded here). */
  private decide(item: Item, row: Row | undefined): Action | null {
    const { entry } = item;
    const live = row !== undefined && row.IsDeleted !== true;
    switch (entry.op) {
      case 'create':
        return row && live ? this.decideCreate(item, row) : this.unchanged(item);
      case 'update':
        this.touchedByRun.add(entry.id.slice(0, 15));
        if (this.opts.deletedNext?.has(entry.id.slice(0, 15))) return this.unchanged(item);
        if (!row || !live)
          return this.problem(item, 'failed', {
            code: 'ENTITY_IS_DELETED',
            message: 'The record was deleted since the run: its fields cannot be set back.',
          });
        return this.decideUpdate(item, entry, row);
      case 'delete':
        if (live) return this.unchanged(item);
        // A record of an object Salesforce cannot undelete (CampaignMember) is created again, as a purged one is.
        return row && this.object.undeletable !== false
          ? { kind: 'undelete', item }
          : this.recreate(item, entry);
      case 'undelete':
        return row && live ? { kind: 'delete', item, current: row } : this.unchanged(item);
    }
  }

  /** A record the run created: deleted, unless someone changed it since (its own later updates aside). */
  private decideCreate(item: Item, row: Row): Action | null {
    const kept = this.opts.keep?.(item.entry.id);
    if (kept) return this.problem(item, 'skipped', kept);
    const changed =
      !this.touchedByRun.has(item.entry.id.slice(0, 15)) &&
      stampOf(row.SystemModstamp) > stampOf(row.CreatedDate);
    if (changed && !this.opts.force)
      return this.problem(item, 'conflict', {
        code: 'CONFLICT',
        message: `Changed since the run created it (SystemModstamp ${String(row.SystemModstamp)}, created ${String(row.CreatedDate)}): not deleted. Add --force to delete it anyway.`,
        fields: ['SystemModstamp'],
        runValues: { SystemModstamp: row.CreatedDate },
        currentValues: { SystemModstamp: row.SystemModstamp },
      });
    return { kind: 'delete', item, current: row };
  }

  /**
   * A record the run updated: its fields set back when they still hold what the run wrote; nothing to do when the
   * write never applied (the SystemModstamp the run saw is still the record's) or they hold their old values.
   */
  private decideUpdate(item: Item, entry: BeforeEntry & { op: 'update' }, row: Row): Action | null {
    if (entry.seen !== null && stampOf(row.SystemModstamp) === stampOf(entry.seen))
      return this.unchanged(item);
    if (Object.keys(entry.before).every((n) => this.same(n, row[n], entry.before[n])))
      return this.unchanged(item);
    const differ = Object.entries(entry.after)
      .filter(([k, v]) => (v === null || typeof v !== 'object') && this.field(k) !== undefined)
      .filter(([k, v]) => !this.same(k, row[this.field(k)?.name ?? k], v))
      .map(([k]) => this.field(k)?.name ?? k);
    if (differ.length > 0 && !this.opts.force)
      return this.problem(item, 'conflict', {
        code: 'CONFLICT',
        message: `Changed since the run (${differ.join(', ')} no longer ${differ.length === 1 ? 'holds' : 'hold'} what the run wrote; SystemModstamp ${String(row.SystemModstamp)}): left as it is. Add --force to set it back anyway.`,
        fields: differ,
        runValues: Object.fromEntries(differ.map((n) => [n, entry.after[n] ?? null])),
        currentValues: Object.fromEntries(differ.map((n) => [n, row[n] ?? null])),
      });
    return { kind: 'update', item, current: row, values: entry.before };
  }

  /** A record the run deleted that is gone from the Recycle Bin too: created again from its image. */
  private recreate(item: Item, entry: BeforeEntry & { op: 'delete' }): Action | null {
    const values: Row = {};
    for (const [k, v] of Object.entries(entry.record)) {
      const f = this.field(k);
      if (f && f.createable && f.name !== 'Id' && v !== null && v !== undefined) values[f.name] = v;
    }
    if (Object.keys(values).length === 0)
      return this.problem(item, 'failed', {
        code: 'NO_BEFORE_IMAGE',
        message:
          'Purged from the Recycle Bin, and the run could not read the record before deleting it: it cannot be created again.',
      });
    return { kind: 'create', item, values };
  }

  private async apply(actions: Action[]): Promise<void> {
    const of = <K extends Action['kind']>(kind: K): Array<Extract<Action, { kind: K }>> =>
      actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
    const deletes = of('delete');
    const updates = of('update');
    const undeletes = of('undelete');
    const creates = of('create');
    // The undo's own before-images, on disk before its writes are sent.
    for (const a of deletes)
      this.images?.add({
        op: 'delete',
        line: a.item.line,
        id: a.item.entry.id,
        record: a.current,
        seen: typeof a.current.SystemModstamp === 'string' ? a.current.SystemModstamp : null,
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
      });
    }
    for (const a of undeletes) this.images?.add({ op: 'undelete', line: a.item.line, id: a.item.entry.id });
    this.images?.flush();

    const object = this.object.name;
    await this.send(
      deletes,
      'delete',
      () => this.client.delete(deletes.map((a) => a.item.entry.id)),
      'deleted',
    );
    await this.send(
      updates,
      'update',
      () =>
        this.client.update(
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
        this.client.create(
          object,
          creates.map((a) => a.values),
        ),
      'created',
    );
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
    const results = await write();
    actions.forEach((a, i) => {
      const { line, entry } = a.item;
      const r = results[i];
      if (r?.success) {
        if (outcome === 'created' && r.id) {
          this.images?.created(line, r.id);
          this.sink.succeed(line, 'created', r.id, UNDID[entry.op], entry.id);
        } else this.sink.succeed(line, outcome, entry.id, UNDID[entry.op]);
      } else {
        const e = r?.errors[0];
        this.opts.left?.(entry.id);
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
