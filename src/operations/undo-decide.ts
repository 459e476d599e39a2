import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import type { BeforeEntry } from './before-images.js';
import { storedForm } from './changes.js';
import type { UndoProblem, UndoSink } from './undo-results.js';
import type { UndoerOptions } from './undo.js';

export type Row = Record<string, unknown>;
export type Item = { line: number; entry: BeforeEntry };

/** What taking back one write does to its record. */
export type Action =
  | { kind: 'delete'; item: Item; current: Row }
  | { kind: 'update'; item: Item; current: Row; values: Row }
  | { kind: 'undelete'; item: Item }
  | { kind: 'create'; item: Item; values: Row };

/** The verb each kind of write is taken back with, for the results. */
export const UNDID: Record<BeforeEntry['op'], string> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  undelete: 'undelete',
};

function stampOf(value: unknown): number {
  return typeof value === 'string' ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
}

/**
 * How long after the second a write was answered in (the org's Date header has whole seconds) a SystemModstamp
 * must be to be someone else's change: the write's own stamp is before the end of that second, and one more
 * second allows for the clocks of Salesforce's servers. A change closer than that is judged by values alone.
 */
const STAMP_SLACK_MS = 2000;

/**
 * Decides what taking back each write needs, from the record as it is now: nothing (unchanged), a conflict (someone
 * changed it since the run, by its values or its SystemModstamp), or the write that takes it back. Outcomes decided
 * here are recorded in the sink.
 */
export class UndoDecider {
  /** Records an update of the run touched: their later SystemModstamp is the run's own doing. */
  private readonly touchedByRun: Set<string>;
  /**
   * By record, when its latest write already taken back or checked was answered (the run's, or this undo's own):
   * a SystemModstamp before that is no one else's.
   */
  private readonly lastWrite = new Map<string, number>();
  private readonly byName = new Map<string, FieldInfo>();

  private readonly force: boolean;

  constructor(
    private readonly sink: UndoSink,
    private readonly object: ObjectInfo,
    private readonly opts: Pick<
      UndoerOptions,
      'force' | 'touched' | 'keep' | 'deletedNext' | 'left' | 'undone' | 'laterUndone'
    >,
  ) {
    this.force = opts.force;
    this.touchedByRun = opts.touched ?? new Set();
    for (const f of object.fields) this.byName.set(f.name.toLowerCase(), f);
  }

  /**
   * Records whose later writes were taken back by an undo this one resumes: their SystemModstamp may be that
   * undo's, at a time not known here, so they are judged by their values alone.
   */
  private readonly blind = new Set<string>();
  /** The record being decided has such a write (see decide). */
  private unknownLater = false;

  /**
   * Updates whose record is deleted, by record, until the run's own create of it is reached (older, so decided
   * later): a record the run created and that is gone needs its updates no more (as after an undo that deleted it).
   */
  private readonly gone = new Map<string, Item[]>();

  private waitForCreate(item: Item): null {
    const key = item.entry.id.slice(0, 15);
    this.gone.set(key, [...(this.gone.get(key) ?? []), item]);
    return null;
  }

  private createdByRun(key: string): void {
    for (const item of this.gone.get(key) ?? []) this.unchanged(item);
    this.gone.delete(key);
  }

  /** The end of the before-images: an update whose deleted record the run did not create failed. */
  finish(): void {
    for (const items of this.gone.values())
      for (const item of items)
        this.problem(item, 'failed', {
          code: 'ENTITY_IS_DELETED',
          message: 'The record was deleted since the run: its fields cannot be set back.',
        });
    this.gone.clear();
  }

  /** A write taken back before the interrupted undo this one resumes stopped. */
  settled(entry: BeforeEntry): void {
    const key = entry.id.slice(0, 15);
    if (entry.op === 'create') this.createdByRun(key);
    this.blind.add(key);
    if (entry.op === 'update') this.touchedByRun.add(key);
  }

  field(name: string): FieldInfo | undefined {
    return this.byName.get(name.toLowerCase());
  }

  private same(name: string, a: unknown, b: unknown): boolean {
    const f = this.field(name);
    if (!f) return true;
    return storedForm(f, a) === storedForm(f, b);
  }

  private unchanged(item: Item): null {
    this.sink.succeed(item.line, 'unchanged', item.entry.id, UNDID[item.entry.op]);
    return null;
  }

  private problem(item: Item, outcome: 'conflict' | 'failed' | 'skipped', problem: UndoProblem): null {
    this.opts.left?.(item.entry.id);
    this.sink.fail(item.line, outcome, item.entry.id, UNDID[item.entry.op], {
      ...problem,
      runLine: item.entry.line,
    });
    return null;
  }

  /**
   * The SystemModstamp of a record someone changed after the run's last write to it (and after this undo's own),
   * with the time that write was answered; null when the stamp says nothing (or the write's time is unknown).
   */
  private changedAfter(item: Item, row: Row): { stamp: string; written: string } | null {
    const key = item.entry.id.slice(0, 15);
    if (this.unknownLater) return null;
    const own = item.entry.at === undefined ? NaN : Date.parse(item.entry.at);
    const later = this.opts.laterUndone?.get(key) ?? -Infinity;
    const written = Math.max(
      Number.isNaN(own) ? -Infinity : own,
      this.lastWrite.get(key) ?? -Infinity,
      later,
    );
    if (!Number.isNaN(own)) this.lastWrite.set(key, written);
    if (!Number.isFinite(written)) return null;
    return stampOf(row.SystemModstamp) >= written + STAMP_SLACK_MS
      ? { stamp: String(row.SystemModstamp), written: new Date(written).toISOString() }
      : null;
  }

  /** A write of this undo answered by `t` (the org's clock): a SystemModstamp up to then is its own. */
  wrote(id: string, t: number | null): void {
    const key = id.slice(0, 15);
    if (t !== null && t > (this.lastWrite.get(key) ?? -Infinity)) this.lastWrite.set(key, t);
  }

  /** What taking back one write needs, or null when its outcome is already decided (recorded here). */
  decide(item: Item, row: Row | undefined): Action | null {
    const { entry } = item;
    const key = entry.id.slice(0, 15);
    // A later write to the record whose time is not known here (another step of a plan, an undo this one resumes)
    // may have stamped it: its SystemModstamp tells nothing, and its values decide.
    this.unknownLater = this.blind.has(key) || (this.touchedByRun.has(key) && !this.lastWrite.has(key));
    const live = row !== undefined && row.IsDeleted !== true;
    switch (entry.op) {
      case 'create':
        this.createdByRun(key);
        return row && live ? this.decideCreate(item, row) : this.unchanged(item);
      case 'update':
        this.touchedByRun.add(entry.id.slice(0, 15));
        if (this.opts.deletedNext?.has(entry.id.slice(0, 15))) return this.unchanged(item);
        // Taken back by an earlier undo of the same folder, and deleted since (by that undo, or after): done.
        if ((!row || !live) && this.opts.undone?.has(item.line)) return this.unchanged(item);
        if (!row || !live) return this.waitForCreate(item);
        return this.decideUpdate(item, entry, row);
      case 'delete':
        if (live) return this.unchanged(item);
        // A record of an object Salesforce cannot undelete (CampaignMember) is created again, as a purged one is.
        return row && this.object.undeletable !== false
          ? { kind: 'undelete', item }
          : this.recreate(item, entry);
      case 'undelete':
        return row && live ? this.decideRedelete(item, row) : this.unchanged(item);
    }
  }

  /**
   * A record the run created: deleted, unless someone changed it since: its SystemModstamp is after the run's last
   * write to it, or (to the millisecond, where the org keeps them) after its CreatedDate while no later write of
   * the run touched it (a create it resent did).
   */
  private decideCreate(item: Item, row: Row): Action | null {
    const kept = this.opts.keep?.(item.entry.id);
    if (kept) return this.problem(item, 'skipped', kept);
    const key = item.entry.id.slice(0, 15);
    const after = this.changedAfter(item, row);
    const changed =
      after !== null ||
      (!this.touchedByRun.has(key) &&
        !this.opts.laterUndone?.has(key) &&
        !(item.entry.op === 'create' && item.entry.resent) &&
        stampOf(row.SystemModstamp) > stampOf(row.CreatedDate));
    if (changed && !this.force)
      return this.problem(item, 'conflict', {
        code: 'CONFLICT',
        message: `Changed since the run created it (SystemModstamp ${String(row.SystemModstamp)}, ${after ? `the run's last write answered at ${after.written}` : `created ${String(row.CreatedDate)}`}): not deleted. Add --force to delete it anyway.`,
        fields: ['SystemModstamp'],
        runValues: { SystemModstamp: after?.written ?? row.CreatedDate },
        currentValues: { SystemModstamp: row.SystemModstamp },
      });
    return { kind: 'delete', item, current: row };
  }

  /** A record an undo brought back: deleted again, unless someone changed it since. */
  private decideRedelete(item: Item, row: Row): Action | null {
    const after = this.changedAfter(item, row);
    if (after && !this.force)
      return this.problem(item, 'conflict', {
        code: 'CONFLICT',
        message: `Changed since the undo brought it back (SystemModstamp ${after.stamp}, undeleted by ${after.written}): not deleted. Add --force to delete it anyway.`,
        fields: ['SystemModstamp'],
        runValues: { SystemModstamp: after.written },
        currentValues: { SystemModstamp: after.stamp },
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
    const after = this.changedAfter(item, row);
    if (Object.keys(entry.before).every((n) => this.same(n, row[n], entry.before[n])))
      return this.unchanged(item);
    const differ = Object.entries(entry.after)
      .filter(([k, v]) => (v === null || typeof v !== 'object') && this.field(k) !== undefined)
      .filter(([k, v]) => !this.same(k, row[this.field(k)?.name ?? k], v))
      .map(([k]) => this.field(k)?.name ?? k);
    if ((differ.length > 0 || after) && !this.force) return this.updateConflict(item, row, differ, after);
    return { kind: 'update', item, current: row, values: entry.before };
  }

  /** A record the run updated that someone changed since: by its values, its SystemModstamp, or both. */
  private updateConflict(
    item: Item,
    row: Row,
    differ: string[],
    after: { stamp: string; written: string } | null,
  ): null {
    const entry = item.entry as BeforeEntry & { op: 'update' };
    const why = [
      ...(differ.length > 0
        ? [`${differ.join(', ')} no longer ${differ.length === 1 ? 'holds' : 'hold'} what the run wrote`]
        : []),
      after
        ? `SystemModstamp ${after.stamp} is after the run's write, answered at ${after.written}`
        : `SystemModstamp ${String(row.SystemModstamp)}`,
    ];
    const fields = after ? [...differ, 'SystemModstamp'] : differ;
    // Only the stamp says so: the record was written since (by someone, or by another sfsync run or undo of it),
    // and the fields this run wrote still hold its values.
    const message =
      differ.length === 0 && after
        ? `Changed since the run, by someone or by another sfsync run or undo (${why.join('; ')}); the fields this run wrote still hold its values: left as it is. Add --force to set them back.`
        : `Changed since the run (${why.join('; ')}): left as it is. Add --force to set it back anyway.`;
    return this.problem(item, 'conflict', {
      code: 'CONFLICT',
      message,
      fields,
      runValues: {
        ...Object.fromEntries(differ.map((n) => [n, entry.after[n] ?? null])),
        ...(after ? { SystemModstamp: after.written } : {}),
      },
      currentValues: {
        ...Object.fromEntries(differ.map((n) => [n, row[n] ?? null])),
        ...(after ? { SystemModstamp: after.stamp } : {}),
      },
    });
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
}
