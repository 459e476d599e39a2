import type { MappedRecord, Scalar } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import { inQueries, matchKey } from './soql.js';
import type { FailureDetail } from '../core/sync-types.js';
import type { ReferenceResolver } from './engine-options.js';

/**
 * A batch's parents: a plan's references from memory first, then the lookups left, in the org (when there is
 * one). Returns the records that go on; the others have failed (`fail`).
 */
export async function resolveParents(
  client: SalesforceClient | null,
  records: MappedRecord[],
  references: ReferenceResolver | undefined,
  fail: (record: MappedRecord, detail: FailureDetail) => void,
): Promise<MappedRecord[]> {
  let pending = records;
  for (const step of [
    references && ((batch: MappedRecord[]) => Promise.resolve(references(batch, client))),
    client && ((batch: MappedRecord[]) => resolveLookups(client, batch)),
  ]) {
    if (!step || !pending.some((r) => r.lookups.length > 0)) continue;
    const failures = await step(pending);
    for (const [r, detail] of failures) fail(r, detail);
    if (failures.size > 0) pending = pending.filter((r) => !failures.has(r));
  }
  return pending;
}

/**
 * Resolves every pending parent lookup of a batch (AccountId from Account.AccountNumber) with one query per
 * lookup field, and fills the payloads. Records whose parent is missing or ambiguous get a failure.
 */
export async function resolveLookups(
  client: SalesforceClient,
  records: MappedRecord[],
): Promise<Map<MappedRecord, FailureDetail>> {
  const failures = new Map<MappedRecord, FailureDetail>();
  const groups = new Map<
    string,
    { object: string; field: MappedRecord['lookups'][number]['compiled']; values: Map<string, Scalar> }
  >();
  for (const r of records) {
    for (const l of r.lookups) {
      const lookup = l.compiled.lookup;
      if (!lookup) continue;
      const key = `${lookup.object}.${lookup.field.name}`;
      const group = groups.get(key) ?? { object: lookup.object, field: l.compiled, values: new Map() };
      const k = matchKey(lookup.field, l.value);
      if (k !== null) group.values.set(k, l.value);
      groups.set(key, group);
    }
  }
  const found = new Map<string, Map<string, Set<string>>>();
  for (const [key, group] of groups) {
    const field = group.field.lookup?.field;
    if (!field) continue;
    const index = new Map<string, Set<string>>();
    for (const q of inQueries(group.object, ['Id', field.name], field, [...group.values.values()])) {
      for await (const row of client.query(q)) {
        const k = matchKey(field, row[field.name]);
        if (k === null) continue;
        const set = index.get(k) ?? new Set<string>();
        set.add(row.Id as string);
        index.set(k, set);
      }
    }
    found.set(key, index);
  }
  for (const r of records) {
    for (const l of r.lookups) {
      const lookup = l.compiled.lookup;
      if (!lookup) continue;
      const ids = [
        ...(found.get(`${lookup.object}.${lookup.field.name}`)?.get(matchKey(lookup.field, l.value) ?? '') ??
          []),
      ];
      if (ids.length === 1) {
        r.payload[l.target] = ids[0];
      } else {
        failures.set(r, {
          code: ids.length === 0 ? 'LOOKUP_NOT_FOUND' : 'LOOKUP_AMBIGUOUS',
          message:
            ids.length === 0
              ? `${l.target}: no ${lookup.object} has ${lookup.field.name} = ${String(l.value)}`
              : `${l.target}: ${ids.length} ${lookup.object} records have ${lookup.field.name} = ${String(l.value)}`,
          fields: [l.target],
          matchedIds: ids.length > 1 ? ids : undefined,
        });
        break;
      }
    }
  }
  return failures;
}
