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
 * Finds the existing records each input record matches, with as few queries as the URL budget allows:
 * one `IN (…)` list per match field (OR), or on the first field then filtered (AND).
 */
export async function findMatches(
  client: SalesforceClient,
  spec: MatchSpec,
  records: MappedRecord[],
): Promise<Map<MappedRecord, string[]>> {
  const result = new Map<MappedRecord, string[]>();
  const select = ['Id', ...spec.fields.filter((f) => f.name !== 'Id').map((f) => f.name)];
  if (spec.operator === 'AND') {
    const complete = records.filter((r) => spec.fields.every((f) => valueOf(r, f) !== null));
    const first = spec.fields[0] as FieldInfo;
    const values = [
      ...new Map(
        complete.map((r) => [matchKey(first, valueOf(r, first)), valueOf(r, first) as Scalar]),
      ).values(),
    ];
    const rows =
      values.length > 0 ? await collect(client, inQueries(spec.object, select, first, values)) : [];
    const byTuple = new Map<string, Set<string>>();
    for (const row of rows) {
      const key = spec.fields.map((f) => matchKey(f, row[f.name])).join('\u0000');
      const set = byTuple.get(key) ?? new Set<string>();
      set.add(row.Id as string);
      byTuple.set(key, set);
    }
    for (const r of records) {
      const key = spec.fields.map((f) => matchKey(f, valueOf(r, f))).join('\u0000');
      result.set(r, complete.includes(r) ? [...(byTuple.get(key) ?? [])] : []);
    }
    return result;
  }
  const indexes = new Map<string, Map<string, Set<string>>>();
  for (const field of spec.fields) {
    const values = new Map<string, Scalar>();
    for (const r of records) {
      const v = valueOf(r, field);
      const k = matchKey(field, v);
      if (k !== null) values.set(k, v as Scalar);
    }
    const index = new Map<string, Set<string>>();
    if (values.size > 0) {
      for (const row of await collect(client, inQueries(spec.object, select, field, [...values.values()]))) {
        const k = matchKey(field, row[field.name]);
        if (k === null) continue;
        const set = index.get(k) ?? new Set<string>();
        set.add(row.Id as string);
        index.set(k, set);
      }
    }
    indexes.set(field.name, index);
  }
  for (const r of records) {
    const ids = new Set<string>();
    for (const field of spec.fields) {
      const k = matchKey(field, valueOf(r, field));
      if (k !== null) for (const id of indexes.get(field.name)?.get(k) ?? []) ids.add(id);
    }
    result.set(r, [...ids]);
  }
  return result;
}
