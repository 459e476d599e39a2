import type { MappedRecord } from '../mapping/apply.js';
import type { KeyCensus } from './key-census.js';
import { recordKeys, type MatchIndex, type MatchSpec } from './match.js';

/**
 * A dry run's planned updates of records whose match key repeats in the file. The org is not written, so a later
 * row of the key is compared with what the planned update would have written, as the real run's query of its batch
 * finds it (with the match export the index itself keeps it: MatchIndex.updating). Only repeated keys are kept.
 */
/** A record's Id as its 15 characters; a dry run's placeholder whole. */
const idKey = (id: string): string => (id.startsWith('(') ? id : id.slice(0, 15));

export class PlannedWrites {
  private readonly byId = new Map<string, Record<string, unknown>>();
  /** The planned creates a later row may find unchanged (see created). */
  private readonly creates = new Set<string>();

  /** A planned update of record `id`: what it sends (undefined values are fields already stored). */
  remember(id: string, sends: Record<string, unknown>): void {
    const key = idKey(id);
    const values = this.byId.get(key) ?? {};
    for (const field in sends) if (sends[field] !== undefined && field !== 'Id') values[field] = sends[field];
    this.byId.set(key, values);
  }

  /**
   * Dry run: a record the run would create (line N's), its values for the later rows of its key (see holds). Only
   * when the real run reads each batch's records from the org (finding what it created, with its values); found in
   * an export (`matchIndex`, `matchSpill`), a record it created has no values read, and a later row updates it.
   */
  created(
    line: number,
    payload: Record<string, unknown>,
    from: { matchIndex?: unknown; matchSpill?: unknown },
  ): void {
    if (from.matchIndex !== undefined || from.matchSpill !== undefined) return;
    this.creates.add(`(created by line ${line})`);
    this.remember(`(created by line ${line})`, payload);
  }

  /**
   * Dry run: whether a later row of a record the run would create (`(created by line N)`, its planned values
   * remembered) writes nothing new: the real run finds that record then and leaves it unchanged.
   */
  holds(id: string, payload: Record<string, unknown>): boolean {
    const values = this.creates.has(id) ? this.byId.get(id) : undefined;
    if (!values) return false;
    const blank = (v: unknown): boolean => v === undefined || v === null || v === '';
    const same = (a: unknown, b: unknown): boolean =>
      (blank(a) && blank(b)) || JSON.stringify(a) === JSON.stringify(b);
    return Object.keys(payload).every((f) => f === 'Id' || same(payload[f], values[f]));
  }

  /** The batch's index of the records as the org holds them, with the planned updates of those it matched. */
  applyTo(index: MatchIndex, records: MappedRecord[]): MatchIndex {
    if (this.byId.size === 0) return index;
    for (const ids of index.find(records).values())
      for (const id of ids) {
        const values = this.byId.get(id.slice(0, 15));
        if (values) index.updating(id, values);
      }
    return index;
  }
}

/** Whether a later row may share a key of this one (always, when the keys were not counted). */
export function mayRepeat(
  match: MatchSpec | null | undefined,
  counts: KeyCensus | undefined,
  r: MappedRecord,
): boolean {
  if (!match) return false;
  return !counts || recordKeys(match, r).some((k) => counts.count(k) > 1);
}
