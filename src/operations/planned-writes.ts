import type { MappedRecord } from '../mapping/apply.js';
import type { MatchIndex } from './match.js';

/**
 * A dry run's planned updates of records whose match key repeats in the file. The org is not written, so a later
 * row of the key is compared with what the planned update would have written, as the real run's query of its batch
 * finds it (with the match export the index itself keeps it: MatchIndex.updating). Only repeated keys are kept.
 */
export class PlannedWrites {
  private readonly byId = new Map<string, Record<string, unknown>>();

  /** A planned update of record `id`: what it sends (undefined values are fields already stored). */
  remember(id: string, sends: Record<string, unknown>): void {
    const key = id.slice(0, 15);
    const values = this.byId.get(key) ?? {};
    for (const field in sends) if (sends[field] !== undefined && field !== 'Id') values[field] = sends[field];
    this.byId.set(key, values);
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
