import type { MatchOperator } from '../core/sync-types.js';
import type { MappedRecord, Scalar } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { ChangeFields } from './changes.js';
import { ownString } from '../core/own-string.js';
import { MatchSlots } from './match-slots.js';
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

/** A key's records: a slot (0 or more), or several, as -1 - their place in `MatchIndex.several`. */
type KeySlots = Map<string, number>;

/**
 * Existing records by match key, and the records each input record matches. Built from the rows of the batched
 * `IN` queries, or once from a Bulk API export of the whole object; one join for both, so they agree.
 * Compact, as an export brings every record of the object: a key maps to a record's slot (a small integer), and
 * the records are kept by slot in buffers and typed arrays (MatchSlots), with no object per record.
 */
export class MatchIndex {
  /** OR: field → key → slot. AND: '' → tuple of keys → slot. */
  private readonly keys = new Map<string, KeySlots>();
  /** Keys that several records share: their slots. */
  private readonly several: number[][] = [];
  private readonly records = new MatchSlots();
  /**
   * The records whose values were read, by the first 15 characters of their Ids. For an index matched on Id (the
   * update of a plan's second pass) it is also the key map of the Id field: the same keys to the same slots.
   */
  private readonly slots: KeySlots = new Map<string, number>();
  /**
   * With change detection: each record's current values, as one 52-bit hash per compared field in a flat array
   * (8 bytes a field), by slot.
   */
  private hashes = new Float64Array(0);
  /** Where an export's columns are, from its header (read once, not per row). */
  private columns: ExportColumns | undefined;

  constructor(
    private readonly spec: MatchSpec,
    readonly changes?: ChangeFields,
  ) {}

  /** Adds a row of Salesforce's (Id, the match fields, and the compared fields). */
  addRow(row: Record<string, unknown>): void {
    const id = row.Id;
    if (typeof id !== 'string') {
      this.addKeys(this.rowKeys(row), String(id));
      return;
    }
    const slot = this.slotOf(id);
    this.addSlotKeys(this.rowKeys(row), slot);
    if (!this.changes) return;
    this.changes.rowHashes(row).forEach((h, i) => ((this.hashes[slot * this.width + i] as number) = h));
    this.records.setValues(slot, JSON.stringify(this.changes.rowValues(row)));
  }

  /**
   * Adds a row of a Bulk export (CSV: a header, then rows of text in its order) without making an object of it, nor
   * keeping the row: an export brings every record of the object, most of which the run will not change.
   */
  addCsvRow(header: string[], row: string[]): void {
    const at = this.columnsOf(header);
    const id = row[at.id];
    if (id === undefined) return;
    const slot = this.slotOf(id);
    const key = at.key;
    if (key) {
      const k = matchKey(key.field, key.column < 0 ? '' : (row[key.column] ?? ''));
      if (k !== null) this.addKey(key.map, k, slot);
    } else
      this.addSlotKeys(
        this.keysOf((f) => cellOf(at, row, f.name)),
        slot,
      );
    if (!this.changes) return;
    this.changes.hashCells(row, at.hashed, this.hashes, slot * this.width);
    this.records.setValues(slot, JSON.stringify(at.values.map((i) => (i < 0 ? null : (row[i] ?? '')))));
  }

  private get width(): number {
    return this.changes?.width ?? 0;
  }

  private columnsOf(header: string[]): ExportColumns {
    if (this.columns?.header === header) return this.columns;
    const names = [...(this.changes?.fields.map((f) => f.name) ?? []), 'SystemModstamp'];
    const index = new Map(header.map((h, i) => [h, i]));
    const field = this.spec.fields.length === 1 ? this.spec.fields[0] : undefined;
    this.columns = {
      header,
      index,
      id: header.indexOf('Id'),
      values: this.changes ? names.map((n) => header.indexOf(n)) : [],
      key: field && {
        field,
        column: index.get(field.name) ?? -1,
        map: this.keyMap(this.spec.operator === 'AND' ? '' : field.name),
      },
      hashed: this.changes?.cellColumns(index) ?? [],
    };
    return this.columns;
  }

  /** The slot of a record read from the org, found by its Id (a record read twice has one slot). */
  private slotOf(id: string): number {
    const known = this.slots.get(id.slice(0, 15));
    if (known !== undefined && known >= 0) return known;
    const slot = this.records.add(id);
    // The key is read back from the slot: the Id given may be a slice of an export's page.
    if (known === undefined) this.slots.set(this.records.id15(slot), slot);
    // Values are hashed only for records read (a record the run creates has none): room up to this slot.
    const width = this.width;
    if ((slot + 1) * width > this.hashes.length) {
      const grown = new Float64Array(Math.max(1024, this.hashes.length * 2, (slot + 1) * width));
      grown.set(this.hashes);
      this.hashes = grown;
    }
    return slot;
  }

  /** The slot of a record whose values were read, or undefined. */
  private readSlot(id: string): number | undefined {
    const slot = this.slots.get(id.slice(0, 15));
    return slot !== undefined && slot >= 0 ? slot : undefined;
  }

  /** The values read of a record's compared fields, with its SystemModstamp; undefined for one not read. */
  valuesOf(id: string): Record<string, unknown> | undefined {
    const slot = this.readSlot(id);
    const text = slot === undefined || !this.changes ? undefined : this.records.values(slot);
    return text === undefined ? undefined : this.changes?.valuesObject(JSON.parse(text) as unknown[]);
  }

  /** The current values (hashed) of the records this index read, by `currentAt`. */
  get current(): Float64Array {
    return this.hashes;
  }

  /** Where a record's current values start in `current`; -1 for a record this index did not read (or forgot). */
  currentAt(id: string): number {
    const slot = this.readSlot(id);
    return slot === undefined || !this.changes || !this.records.known(slot) ? -1 : slot * this.changes.width;
  }

  /**
   * The run sends an update of a record: its values become those the update writes, for the later rows of the run
   * with its key (see `forget` for a write that fails).
   */
  updating(id: string, payload: Record<string, unknown>): void {
    const at = this.currentAt(id);
    if (at >= 0) this.changes?.storeHashes(payload, this.hashes, at);
  }

  /**
   * A write of a row with these keys failed, or its outcome is unknown: the values of the records it matches are
   * no longer known, and a later row of the run with its key is sent whole.
   */
  forget(keys: Array<[string, string]>): void {
    for (const [field, key] of keys)
      this.eachSlot(this.keys.get(field)?.get(key), (s) => this.records.forget(s));
  }

  /** The keys a record is found by, to add it with `addKeys` once it has an Id. */
  recordKeys(record: MappedRecord): Array<[string, string]> {
    return this.keysOf((f) => valueOf(record, f));
  }

  /** A record the run created: found by its keys from now on (its values were not read). */
  addKeys(keys: Array<[string, string]>, id: string): void {
    if (keys.length > 0) this.addSlotKeys(keys, this.records.add(id));
  }

  private addSlotKeys(keys: Array<[string, string]>, slot: number): void {
    for (const [field, key] of keys) this.addKey(this.keyMap(field), key, slot);
  }

  private keyMap(field: string): KeySlots {
    let byKey = this.keys.get(field);
    if (!byKey) {
      const idField = this.spec.fields.find((f) => f.name === field)?.type === 'id';
      this.keys.set(
        field,
        (byKey = idField && this.spec.operator === 'OR' ? this.slots : new Map<string, number>()),
      );
    }
    return byKey;
  }

  private addKey(byKey: KeySlots, key: string, slot: number): void {
    const seen = byKey.get(key);
    if (seen === slot) return;
    if (seen === undefined) {
      byKey.set(ownString(key), slot);
      return;
    }
    const id = this.records.id15(slot);
    if (seen >= 0) {
      if (this.records.id15(seen) === id) return;
      this.several.push([seen, slot]);
      byKey.set(key, -this.several.length);
      return;
    }
    const slots = this.several[-1 - seen] as number[];
    if (!slots.some((s) => this.records.id15(s) === id)) slots.push(slot);
  }

  private eachSlot(found: number | undefined, each: (slot: number) => void): void {
    if (found === undefined) return;
    if (found >= 0) each(found);
    else for (const s of this.several[-1 - found] ?? []) each(s);
  }

  /** The Ids a key's records have. */
  private idsOf(found: number | undefined): string[] {
    if (found === undefined) return [];
    if (found >= 0) return [this.records.id(found)];
    return (this.several[-1 - found] ?? []).map((s) => this.records.id(s));
  }

  /** The Ids each record matches: none, one, or several (ambiguous). */
  find(records: MappedRecord[]): Map<MappedRecord, string[]> {
    const result = new Map<MappedRecord, string[]>();
    const field = this.spec.fields.length === 1 ? this.spec.fields[0] : undefined;
    if (field) {
      // One match field (most runs): its key alone, with no array of keys or set of Ids per record.
      const byKey = this.keys.get(this.spec.operator === 'AND' ? '' : field.name);
      for (const r of records) {
        const k = matchKey(field, valueOf(r, field));
        result.set(r, this.idsOf(k === null ? undefined : byKey?.get(k)));
      }
      return result;
    }
    for (const r of records) {
      const ids = new Set<string>();
      for (const [field, key] of this.recordKeys(r))
        for (const id of this.idsOf(this.keys.get(field)?.get(key))) ids.add(id);
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

/** Where an export's columns are, from its header. */
interface ExportColumns {
  header: string[];
  index: Map<string, number>;
  id: number;
  /** The compared fields' columns, then SystemModstamp's (-1 when absent). */
  values: number[];
  /** A single match field: its column and its map of keys, read without a closure or an array per row. */
  key: { field: FieldInfo; column: number; map: KeySlots } | undefined;
  /** The columns ChangeFields.hashCells reads. */
  hashed: number[];
}

/** An export row's value of a column by name ('' when the export has no such column). */
function cellOf(at: ExportColumns, row: string[], name: string): string {
  const i = at.index.get(name);
  return i === undefined ? '' : (row[i] ?? '');
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
