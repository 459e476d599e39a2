import type { MatchOperator } from '../core/sync-types.js';
import type { MappedRecord, Scalar } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { ChangeFields } from './changes.js';
import { ownString } from '../core/own-string.js';
import { inQueries, matchKey } from './soql.js';

/**
 * The record matchers of a run, with each field's describe (which is why this lives here and not in src/core/,
 * which cannot know Salesforce's types): the names and operator alone are in the result (SyncResult).
 */
export interface MatchSpec {
  object: string;
  fields: FieldInfo[];
  operator: MatchOperator;
}

function valueOf(record: MappedRecord, field: FieldInfo): Scalar | null {
  const v = record.payload[field.name];
  return v === undefined || v === null || typeof v === 'object' ? null : (v as Scalar);
}

/** The keys a record is matched by, as text: two records sharing one are processed one after the other. */
export function recordKeys(spec: MatchSpec, record: MappedRecord, asGiven = false): string[] {
  const parts = spec.fields.map((f) => {
    const v = valueOf(record, f);
    // As given, to name it to the user: an Id as written (18 characters when given 18), not its 15-character form.
    const k =
      asGiven && (f.type === 'id' || f.type === 'reference') && v !== null && v !== ''
        ? String(v)
        : matchKey(f, v);
    return k === null ? null : `${f.name}=${k}`;
  });
  if (spec.operator === 'AND') return parts.every((p) => p !== null) ? [parts.join('&')] : [];
  return parts.filter((p): p is string => p !== null);
}

/** recordKeys, each with its text as given (see recordKeys' asGiven): same order, same length. */
export function recordKeysAndTexts(spec: MatchSpec, record: MappedRecord): Array<[string, string]> {
  const keys = recordKeys(spec, record);
  const texts = recordKeys(spec, record, true);
  return keys.map((k, i) => [k, texts[i] ?? k]);
}

async function collect(client: SalesforceClient, queries: string[]): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const q of queries) for await (const row of client.query(q)) rows.push(row);
  return rows;
}

/** Joins an export row's compared values (a character Salesforce text does not hold). */
const SEP = '\u0000';

/**
 * Existing records by match key, and the records each input record matches. Built from the rows of the batched
 * `IN` queries, or once from a Bulk API export of the whole object; one join for both, so they agree.
 */
export class MatchIndex {
  /**
   * OR: field → key → the slots of the records with it. AND: '' → tuple of keys → slots. Records are kept by slot
   * (a small integer), so an export of a whole object costs a map entry and its Id per record, not objects.
   */
  private readonly keys = new Map<string, Map<string, number | number[]>>();
  /** A record's slot by its 15-character Id, and its Id (as read) by slot. */
  private readonly slots = new Map<string, number>();
  private readonly ids: string[] = [];
  /**
   * With change detection: each record's current values, as one 52-bit hash per compared field in a flat array
   * (8 bytes a field), so an export of a whole object stays small.
   */
  private hashes = new Float64Array(0);
  /**
   * The compared fields' values as read (then SystemModstamp), by slot, for the before-images of the records the
   * run updates: kept as they came, since most records are not updated (a rerun updates none), and turned into
   * the image's object only for those that are. An export's row is kept as one string (its cells joined).
   */
  private readonly values: Array<unknown[] | string | undefined> = [];
  /**
   * Where an export's columns are, from its header (read once per page, not per row; the header itself is not
   * kept: its names are cut from the page's text).
   */
  private columns:
    { header: WeakRef<string[]>; index: Map<string, number>; id: number; values: number[] } | undefined;
  /** Matched by Id alone: a record's key is its slot's (the slots map serves as the key map). */
  private readonly byId: boolean;

  constructor(
    private readonly spec: MatchSpec,
    readonly changes?: ChangeFields,
  ) {
    this.byId = spec.fields.length === 1 && spec.fields[0]?.name === 'Id';
  }

  /** Adds a row of Salesforce's (Id, the match fields, and the compared fields). */
  addRow(row: Record<string, unknown>): void {
    const id = row.Id as string;
    this.addKeys(this.rowKeys(row), id);
    if (!this.changes || typeof id !== 'string') return;
    this.keep(id, this.changes.rowHashes(row), this.changes.rowValues(row));
  }

  /**
   * Adds a row of a Bulk export (CSV: a header, then rows of text in its order) without making an object of it:
   * an export brings every record of the object, most of which the run will not change.
   */
  addCsvRow(header: string[], row: string[]): void {
    const at = this.columnsOf(header);
    const id = row[at.id];
    if (id === undefined) return;
    const cell = (name: string): string => {
      const i = at.index.get(name);
      return i === undefined ? '' : (row[i] ?? '');
    };
    this.addKeys(
      this.keysOf((f) => cell(f.name)),
      id,
    );
    if (!this.changes) return;
    // Joined into a string of its own: cells cut from the export's page would keep the whole page in memory.
    this.keep(
      id,
      this.changes.rowHashes(cell),
      at.values.map((i) => (i < 0 ? '' : (row[i] ?? ''))).join(SEP),
    );
  }

  private columnsOf(header: string[]): NonNullable<MatchIndex['columns']> {
    if (this.columns?.header.deref() === header) return this.columns;
    const names = [...(this.changes?.fields.map((f) => f.name) ?? []), 'SystemModstamp'];
    this.columns = {
      header: new WeakRef(header),
      index: new Map(header.map((h, i) => [ownString(h), i])),
      id: header.indexOf('Id'),
      values: this.changes ? names.map((n) => header.indexOf(n)) : [],
    };
    return this.columns;
  }

  /** The record's slot, given one when new; its Id is copied (an export's cell would keep its page alive). */
  private slotOf(id: string): number {
    const short = ownString(id.slice(0, 15));
    let slot = this.slots.get(short);
    if (slot === undefined) {
      slot = this.ids.length;
      this.slots.set(short, slot);
      this.ids.push(id.length === 15 ? short : ownString(id));
    }
    return slot;
  }

  private keep(id: string, hashes: number[], values: unknown[] | string): void {
    const width = (this.changes as ChangeFields).width;
    const slot = this.slotOf(id);
    if ((slot + 1) * width > this.hashes.length) {
      const grown = new Float64Array(Math.max(1024, this.hashes.length * 2, (slot + 1) * width));
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes.set(hashes, slot * width);
    this.values[slot] = values;
  }

  /** The values read of a record's compared fields, with its SystemModstamp; undefined for one not read. */
  valuesOf(id: string): Record<string, unknown> | undefined {
    const slot = this.slots.get(id.slice(0, 15));
    const values = slot === undefined ? undefined : this.values[slot];
    if (values === undefined || !this.changes) return undefined;
    if (typeof values !== 'string') return this.changes.valuesObject(values);
    // An export's cells, in the header's order: a column the export lacked reads as null.
    const at = this.columns?.values ?? [];
    return this.changes.valuesObject(values.split(SEP).map((v, i) => ((at[i] ?? -1) < 0 ? null : v)));
  }

  /** The current values (hashed) of a record read by this index; undefined for one it did not read. */
  current(id: string): Float64Array | undefined {
    const slot = this.slots.get(id.slice(0, 15));
    if (slot === undefined || !this.changes || this.values[slot] === undefined) return undefined;
    const width = this.changes.width;
    return this.hashes.subarray(slot * width, (slot + 1) * width);
  }

  /** The keys a record is found by, to add it with `addKeys` once it has an Id. */
  recordKeys(record: MappedRecord): Array<[string, string]> {
    return this.keysOf((f) => valueOf(record, f));
  }

  addKeys(keys: Array<[string, string]>, id: string): void {
    if (keys.length === 0) return;
    const slot = this.slotOf(id);
    if (this.byId) return;
    for (const [field, key] of keys) {
      let byKey = this.keys.get(field);
      if (!byKey) this.keys.set(field, (byKey = new Map<string, number | number[]>()));
      const seen = byKey.get(key);
      if (seen === undefined) byKey.set(ownString(key), slot);
      else if (typeof seen === 'number') {
        if (seen !== slot) byKey.set(key, [seen, slot]);
      } else if (!seen.includes(slot)) seen.push(slot);
    }
  }

  /** The Ids each record matches: none, one, or several (ambiguous). */
  find(records: MappedRecord[]): Map<MappedRecord, string[]> {
    const result = new Map<MappedRecord, string[]>();
    for (const r of records) {
      const ids = new Set<string>();
      for (const [field, key] of this.recordKeys(r)) {
        const found = this.byId ? this.slots.get(key) : this.keys.get(field)?.get(key);
        for (const slot of typeof found === 'number' ? [found] : (found ?? []))
          ids.add(this.ids[slot] as string);
      }
      result.set(r, [...ids]);
    }
    return result;
  }

  private rowKeys(row: Record<string, unknown>): Array<[string, string]> {
    return this.keysOf((f) => row[f.name]);
  }

  /** A record's keys, from its value of each match field. */
  private keysOf(valueOfField: (f: FieldInfo) => unknown): Array<[string, string]> {
    const keys = this.spec.fields.map((f) => matchKey(f, valueOfField(f)));
    if (this.spec.operator === 'AND') return keys.every((k) => k !== null) ? [['', keys.join('\u0000')]] : [];
    const out: Array<[string, string]> = [];
    this.spec.fields.forEach((f, i) => {
      const k = keys[i];
      if (k !== null && k !== undefined) out.push([f.name, k]);
    });
    return out;
  }
}

/**
 * Finds the existing records each input record matches, with as few queries as the URL budget allows:
 * one `IN (…)` list per match field (OR), or on the first field then filtered (AND).
 */
export async function findMatches(
  client: SalesforceClient,
  spec: MatchSpec,
  records: MappedRecord[],
): Promise<Map<MappedRecord, string[]>> {
  return (await queryMatches(client, spec, records)).find(records);
}

/** The index of the existing records the records match, with their current values when `changes` is given. */
export async function queryMatches(
  client: SalesforceClient,
  spec: MatchSpec,
  records: MappedRecord[],
  changes?: ChangeFields,
): Promise<MatchIndex> {
  const index = new MatchIndex(spec, changes);
  const select = matchSelect(spec, changes);
  const fields = spec.operator === 'AND' ? spec.fields.slice(0, 1) : spec.fields;
  const candidates =
    spec.operator === 'AND'
      ? records.filter((r) => spec.fields.every((f) => valueOf(r, f) !== null))
      : records;
  for (const field of fields) {
    const values = new Map<string, Scalar>();
    for (const r of candidates) {
      const v = valueOf(r, field);
      const k = matchKey(field, v);
      if (k !== null) values.set(k, v as Scalar);
    }
    if (values.size > 0)
      for (const row of await collect(client, inQueries(spec.object, select, field, [...values.values()])))
        index.addRow(row);
  }
  return index;
}

/** Id, the match fields and the compared fields: what a match query, or the export, selects. */
export function matchSelect(spec: MatchSpec, changes?: ChangeFields): string[] {
  const names = ['Id'];
  const seen = new Set(['id']);
  for (const name of [...spec.fields.map((f) => f.name), ...(changes?.selects ?? [])])
    if (!seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      names.push(name);
    }
  return names;
}
