import type { MappedRecord, PendingLookup, Scalar } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { FailureDetail } from './results.js';
import type { CheckedPoly, CheckedTarget } from './plan-poly-check.js';
import type { PlanMemory } from './plan-references.js';
import { isClash } from './plan-key-map.js';
import { inQueries, matchKey, soqlLiteral } from './soql.js';

/** What one value was found as: Ids (with the object each is of), and the failed records of the run it names. */
interface Found {
  ids: Map<string, string>;
  /** Where the run's own records are (`contacts.csv line 3`), by Id. */
  where: Map<string, string>;
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
function fromMemory(poly: CheckedPoly, value: Scalar, memory: PlanMemory, files: Map<string, string>): Found {
  const found: Found = { ids: new Map(), where: new Map(), failed: [] };
  for (const t of poly.targets) {
    if (!t.step) continue;
    for (const key of t.keys) {
      const hit = memory.get(t.step, key.name)?.get(matchKey(key, value) ?? '');
      const file = files.get(t.step) ?? t.step;
      if (typeof hit === 'string') found.ids.set(hit, t.object);
      else if (isClash(hit))
        hit.ids.forEach((id, i) => {
          found.ids.set(id, t.object);
          found.where.set(id, `${file} line ${hit.lines[i]}`);
        });
      else if (typeof hit === 'number') found.failed.push({ step: t.step, key: key.name, line: hit });
    }
  }
  return found;
}

/**
 * What the org answered for each (target, key field, value) this pass asked about: a value asked in an earlier batch
 * (the same owner on every task) is not asked again. Bounded: past OrgCache.MAX entries it starts afresh.
 */
export class OrgCache {
  static readonly MAX = 20_000;
  private readonly answers = new Map<string, string[]>();

  get(id: string): string[] | undefined {
    return this.answers.get(id);
  }

  set(id: string, ids: string[]): void {
    if (this.answers.size >= OrgCache.MAX) this.answers.clear();
    this.answers.set(id, ids);
  }
}

const groupOf = (t: CheckedTarget, key: FieldInfo): string =>
  `${t.kind === 'queue' ? 'queue' : t.object}.${key.name}`;

/** One query (or a few, for long lists) per object and key field for the whole batch, never one per record. */
async function fromOrg(pending: Pending[], client: SalesforceClient, cache: OrgCache): Promise<void> {
  const groups = new Map<string, { target: CheckedTarget; key: FieldInfo; values: Map<string, Scalar> }>();
  for (const p of pending)
    for (const target of p.poly.targets)
      for (const key of target.keys) {
        const k = matchKey(key, p.lookup.value);
        const id = groupOf(target, key);
        if (k === null || !fits(key, p.lookup.value) || cache.get(`${id}\u0000${k}`)) continue;
        const g = groups.get(id) ?? { target, key, values: new Map() };
        g.values.set(k, p.lookup.value);
        groups.set(id, g);
      }
  for (const [id, g] of groups) {
    const byValue = new Map<string, string[]>([...g.values.keys()].map((k) => [k, []]));
    const queue = g.target.kind === 'queue';
    const select = ['Id', g.key.name, ...(queue && g.key.name !== 'Type' ? ['Type'] : [])];
    for (const q of inQueries(g.target.object, select, g.key, [...g.values.values()]))
      for await (const row of client.query(q)) {
        if (queue && row.Type !== 'Queue') continue;
        const k = matchKey(g.key, row[g.key.name]);
        if (k !== null) byValue.get(k)?.push(String(row.Id));
      }
    for (const [k, ids] of byValue) cache.set(`${id}\u0000${k}`, ids);
  }
  for (const p of pending)
    for (const target of p.poly.targets)
      for (const key of target.keys) {
        const k = matchKey(key, p.lookup.value);
        for (const found of (k !== null && cache.get(`${groupOf(target, key)}\u0000${k}`)) || [])
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

function whereOf(found: Found, id: string): string {
  const where = found.where.get(id);
  return where && !id.startsWith('(') ? ` at ${where}` : '';
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
      message: `${field}: ${value} names ${ids.length} records (${ids.map(([id, o]) => `${o} ${id}${whereOf(p.found, id)}`).join(', ')}); not written`,
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
  cache: OrgCache,
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
      const p: Pending = { record, lookup, poly, found: fromMemory(poly, lookup.value, memory, files) };
      pending.push(p);
      if (p.found.ids.size === 0 && p.found.failed.length === 0) toOrg.push(p);
    }
    record.lookups = left;
  }
  if (toOrg.length > 0 && client) await fromOrg(toOrg, client, cache);
  const failures = new Map<MappedRecord, FailureDetail>();
  for (const p of pending) {
    if (failures.has(p.record)) continue;
    const r = outcome(p, files);
    if (typeof r === 'string') p.record.payload[p.lookup.target] = r;
    else failures.set(p.record, r);
  }
  return failures;
}
