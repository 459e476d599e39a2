import type { MappedRecord, Scalar } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import { inQueries, matchKey } from './soql.js';

export interface MatchSpec {
  object: string;
  fields: FieldInfo[];
  operator: 'OR' | 'AND';
}

function valueOf(record: MappedRecord, field: FieldInfo): Scalar | null {
  const v = record.payload[field.name];
  return v === undefined || v === null || typeof v === 'object' ? null : (v as Scalar);
}

/** The keys a record is matched by, as text: two records sharing one are processed one after the other. */
export function recordKeys(spec: MatchSpec, record: MappedRecord): string[] {
  const parts = spec.fields.map((f) => {
    const k = matchKey(f, valueOf(record, f));
    return k === null ? null : `${f.name}=${k}`;
  });
  if (spec.operator === 'AND') return parts.every((p) => p !== null) ? [parts.join('&')] : [];
  return parts.filter((p): p is string => p !== null);
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

  constructor(private readonly spec: MatchSpec) {}

  /** Adds a row of Salesforce's (Id and the match fields). */
  addRow(row: Record<string, unknown>): void {
    this.addKeys(this.rowKeys(row), row.Id as string);
  }

  /** The keys a record is found by, to add it with `addKeys` once it has an Id. */
  recordKeys(record: MappedRecord): Array<[string, string]> {
    return this.rowKeys(Object.fromEntries(this.spec.fields.map((f) => [f.name, valueOf(record, f)])));
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
    const keys = this.spec.fields.map((f) => matchKey(f, row[f.name]));
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
  const index = new MatchIndex(spec);
  const select = matchSelect(spec);
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
  return index.find(records);
}

/** Id and the match fields: what a match query, or the export, selects. */
export function matchSelect(spec: MatchSpec): string[] {
  return ['Id', ...spec.fields.filter((f) => f.name !== 'Id').map((f) => f.name)];
}
