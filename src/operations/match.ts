import type { MatchOperator } from '../core/sync-types.js';
import type { MappedRecord, Scalar } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { ChangeFields } from './changes.js';
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

/**
 * Existing records by match key, and the records each input record matches. Built from the rows of the batched
 * `IN` queries, or once from a Bulk API export of the whole object; one join for both, so they agree.
 */
export class MatchIndex {
  /** OR: field → key → Ids. AND: '' → tuple of keys → Ids. */
  private readonly keys = new Map<string, Map<string, string | string[]>>();
  /**
   * With change detection: each record's current values, as one 52-bit hash per compared field in a flat array
   * (8 bytes a field), so an export of a whole object stays small; `slots` gives a record's place by its Id.
   */
  private readonly slots = new Map<string, number>();
  private hashes = new Float64Array(0);
  /**
   * The compared fields' values as read (then SystemModstamp), for the before-images of the records the run
   * updates: kept as they came, since most records are not updated (a rerun updates none), and turned into the
   * image's object only for those that are.
   */
  private readonly values = new Map<string, unknown[]>();
  /** Where an export's columns are, from its header (read once, not per row). */
  private columns: { header: string[]; index: Map<string, number>; id: number; values: number[] } | undefined;

  constructor(
    private readonly spec: MatchSpec,
    readonly changes?: ChangeFields,
  ) {}

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
    this.keep(
      id,
      this.changes.rowHashes(cell),
      at.values.map((i) => (i < 0 ? null : (row[i] ?? ''))),
    );
  }

  private columnsOf(header: string[]): NonNullable<MatchIndex['columns']> {
    if (this.columns?.header === header) return this.columns;
    const names = [...(this.changes?.fields.map((f) => f.name) ?? []), 'SystemModstamp'];
    this.columns = {
      header,
      index: new Map(header.map((h, i) => [h, i])),
      id: header.indexOf('Id'),
      values: this.changes ? names.map((n) => header.indexOf(n)) : [],
    };
    return this.columns;
  }

  private keep(id: string, hashes: number[], values: unknown[]): void {
    const width = (this.changes as ChangeFields).width;
    const key = id.slice(0, 15);
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(key, slot);
    }
    if ((slot + 1) * width > this.hashes.length) {
      const grown = new Float64Array(Math.max(1024, this.hashes.length * 2, (slot + 1) * width));
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes.set(hashes, slot * width);
    this.values.set(key, values);
  }

  /** The values read of a record's compared fields, with its SystemModstamp; undefined for one not read. */
  valuesOf(id: string): Record<string, unknown> | undefined {
    const values = this.values.get(id.slice(0, 15));
    if (values === undefined || !this.changes) return undefined;
    return this.changes.valuesObject(values);
  }

  /** The current values (hashed) of a record read by this index; undefined for one it did not read. */
  current(id: string): Float64Array | undefined {
    const slot = this.slots.get(id.slice(0, 15));
    if (slot === undefined || !this.changes) return undefined;
    const width = this.changes.width;
    return this.hashes.subarray(slot * width, (slot + 1) * width);
  }

  /** The keys a record is found by, to add it with `addKeys` once it has an Id. */
  recordKeys(record: MappedRecord): Array<[string, string]> {
    return this.keysOf((f) => valueOf(record, f));
  }

  addKeys(keys: Array<[string, string]>, id: string): void {
    for (const [field, key] of keys) {
      const byKey = this.keys.get(field) ?? new Map<string, string | string[]>();
      this.keys.set(field, byKey);
      const seen = byKey.get(key);
      if (seen === undefined) byKey.set(key, id);
      else if (typeof seen === 'string') {
        if (seen.slice(0, 15) !== id.slice(0, 15)) byKey.set(key, [seen, id]);
      } else if (!seen.some((s) => s.slice(0, 15) === id.slice(0, 15))) seen.push(id);
    }
  }

  /** The Ids each record matches: none, one, or several (ambiguous). */
  find(records: MappedRecord[]): Map<MappedRecord, string[]> {
    const result = new Map<MappedRecord, string[]>();
    for (const r of records) {
      const ids = new Set<string>();
      for (const [field, key] of this.recordKeys(r)) {
        const found = this.keys.get(field)?.get(key);
        if (typeof found === 'string') ids.add(found);
        else for (const id of found ?? []) ids.add(id);
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
