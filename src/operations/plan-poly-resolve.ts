import type { MappedRecord, PendingLookup, Scalar } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { FailureDetail } from './results.js';
import type { CheckedPoly, CheckedTarget } from './plan-poly-check.js';
import type { PlanMemory } from './plan-references.js';
import { inQueries, matchKey, soqlLiteral } from './soql.js';

/** What one value was found as: Ids (with the object each is of), and the failed records of the run it names. */
interface Found {
  ids: Map<string, string>;
  failed: Array<{ step: string; key: string; line: number }>;
}

interface Pending {
  record: MappedRecord;
  lookup: PendingLookup;
  poly: CheckedPoly;
  found: Found;
}

function targetName(t: CheckedTarget): string {
  return t.kind === 'queue' ? 'queue' : t.object;
}

/** The run's own records first: each step target's key maps. */
function fromMemory(poly: CheckedPoly, value: Scalar, memory: PlanMemory): Found {
  const found: Found = { ids: new Map(), failed: [] };
  for (const t of poly.targets) {
    if (!t.step) continue;
    for (const key of t.keys) {
      const hit = memory.get(t.step, key.name)?.get(matchKey(key, value) ?? '');
      if (typeof hit === 'string') found.ids.set(hit, t.object);
      else if (typeof hit === 'number') found.failed.push({ step: t.step, key: key.name, line: hit });
    }
  }
  return found;
}

/** One query (or a few, for long lists) per object and key field for the whole batch, never one per record. */
async function fromOrg(pending: Pending[], client: SalesforceClient): Promise<void> {
  const groups = new Map<string, { target: CheckedTarget; key: FieldInfo; values: Map<string, Scalar> }>();
  for (const p of pending)
    for (const target of p.poly.targets)
      for (const key of target.keys) {
        const k = matchKey(key, p.lookup.value);
        if (k === null || !fits(key, p.lookup.value)) continue;
        const id = `${target.kind === 'queue' ? 'queue' : target.object}.${key.name}`;
        const g = groups.get(id) ?? { target, key, values: new Map() };
        g.values.set(k, p.lookup.value);
        groups.set(id, g);
      }
  const index = new Map<string, Map<string, Set<string>>>();
  for (const [id, g] of groups) {
    const byValue = new Map<string, Set<string>>();
    const queue = g.target.kind === 'queue';
    const select = ['Id', g.key.name, ...(queue && g.key.name !== 'Type' ? ['Type'] : [])];
    for (const q of inQueries(g.target.object, select, g.key, [...g.values.values()]))
      for await (const row of client.query(q)) {
        if (queue && row.Type !== 'Queue') continue;
        const k = matchKey(g.key, row[g.key.name]);
        if (k === null) continue;
        const set = byValue.get(k) ?? new Set<string>();
        set.add(String(row.Id));
        byValue.set(k, set);
      }
    index.set(id, byValue);
  }
  for (const p of pending)
    for (const target of p.poly.targets)
      for (const key of target.keys) {
        const id = `${target.kind === 'queue' ? 'queue' : target.object}.${key.name}`;
        for (const found of index.get(id)?.get(matchKey(key, p.lookup.value) ?? '') ?? [])
          p.found.ids.set(found, targetName(target));
      }
}

/** A value the key's field can be compared with (a text key takes anything; a number key needs a number). */
function fits(key: FieldInfo, value: Scalar): boolean {
  try {
    soqlLiteral(key, value);
    return true;
  } catch {
    return false;
  }
}

function searched(poly: CheckedPoly): string {
  return poly.targets
    .flatMap((t) => t.keys.map((k) => `${t.kind === 'queue' ? 'queue ' : `${t.object}.`}${k.name}`))
    .join(', ');
}

function outcome(p: Pending, files: Map<string, string>): FailureDetail | string {
  const { field } = p.poly.ref;
  const value = String(p.lookup.value);
  const ids = [...p.found.ids];
  if (ids.length === 1) return (ids[0] as [string, string])[0];
  if (ids.length > 1)
    return {
      code: 'LOOKUP_AMBIGUOUS',
      status: 300,
      message: `${field}: ${value} names ${ids.length} records (${ids.map(([id, o]) => `${o} ${id}`).join(', ')}); not written`,
      fields: [field],
      matchedIds: ids.map(([id]) => id),
    };
  const failed = p.found.failed[0];
  if (failed)
    return {
      code: 'PARENT_FAILED',
      message: `${field}: the ${failed.step} record with ${failed.key} = ${value} (${files.get(failed.step) ?? failed.step} line ${failed.line}) failed, so this record was not sent`,
      fields: [field],
    };
  return {
    code: 'LOOKUP_NOT_FOUND',
    message: `${field}: no record has ${value} (searched ${searched(p.poly)})`,
    fields: [field],
  };
}

/**
 * Fills a batch's polymorphic references: from the run's memory when one of its steps wrote or found the key, else
 * from the org. A key found on two records (two objects, two users) is ambiguous: the record is not written.
 */
export async function resolvePoly(
  records: MappedRecord[],
  polys: CheckedPoly[],
  memory: PlanMemory,
  files: Map<string, string>,
  client: SalesforceClient | null,
): Promise<Map<MappedRecord, FailureDetail>> {
  const byField = new Map(polys.map((p) => [p.ref.field.toLowerCase(), p]));
  const pending: Pending[] = [];
  const toOrg: Pending[] = [];
  for (const record of records) {
    const left: PendingLookup[] = [];
    for (const lookup of record.lookups) {
      const poly = byField.get(lookup.target.toLowerCase());
      if (!poly) {
        left.push(lookup);
        continue;
      }
      const p: Pending = { record, lookup, poly, found: fromMemory(poly, lookup.value, memory) };
      pending.push(p);
      if (p.found.ids.size === 0 && p.found.failed.length === 0) toOrg.push(p);
    }
    record.lookups = left;
  }
  if (toOrg.length > 0 && client) await fromOrg(toOrg, client);
  const failures = new Map<MappedRecord, FailureDetail>();
  for (const p of pending) {
    if (failures.has(p.record)) continue;
    const r = outcome(p, files);
    if (typeof r === 'string') p.record.payload[p.lookup.target] = r;
    else failures.set(p.record, r);
  }
  return failures;
}
