import type { MappedRecord } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { CheckedComposite, CheckedPart } from './plan-composite-check.js';
import { compositeOf, idKey, literalValue, partValue, type PartValue } from './plan-composite-keys.js';
import { isClash } from './plan-key-map.js';
import type { PlanMemory } from './plan-references.js';
import { clashLines } from './plan-references.js';
import type { FailureDetail } from './results.js';
import { inQueries, soqlLiteral } from './soql.js';

const ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
/** Composite keys asked of the org per query: `(A = 'x' AND B = 'y') OR ...` stays well under the URI limit. */
const PER_QUERY = 40;

interface Pending {
  record: MappedRecord;
  c: CheckedComposite;
  values: PartValue[];
  keys: Array<string | undefined>;
  /** Each part's value as the file has it, for messages. */
  shown: Array<string | undefined>;
}

/** What to do when a product has no price in the book a line item names. */
const PRICE_HINT =
  ': add a PricebookEntry for that product in that price book (the product needs one in the standard price book first, with its standard price), then run again';

function describe(p: Pending): string {
  return p.c.key.parts
    .map((part, i) => {
      const v = p.values[i];
      const id = typeof v === 'string' ? v : '?';
      return part.ref
        ? `${part.field} = ${id} (${part.ref.key.name} ${p.shown[i] ?? ''})`
        : `${part.field} = ${id}`;
    })
    .join(' and ');
}

/** The parts the plan's memory does not have, found in the org: one query per object and key field per batch. */
async function partsFromOrg(pending: Pending[], client: SalesforceClient): Promise<void> {
  const groups = new Map<string, { part: CheckedPart; keys: Set<string> }>();
  for (const p of pending)
    p.c.key.parts.forEach((part, i) => {
      const key = p.keys[i];
      if (!part.ref || p.values[i] !== undefined || key === undefined) return;
      const id = `${part.ref.object}.${part.ref.key.name}`;
      const g = groups.get(id) ?? { part, keys: new Set<string>() };
      g.keys.add(key);
      groups.set(id, g);
    });
  const found = new Map<string, string[]>();
  for (const [id, { part, keys }] of groups) {
    const ref = part.ref as NonNullable<CheckedPart['ref']>;
    const values = [...keys].map((k) => literalValue(ref.key, k));
    for (const q of inQueries(ref.object, ['Id', ref.key.name], ref.key, values))
      for await (const row of client.query(q)) {
        const k = `${id}\u0000${String(row[ref.key.name]).toLowerCase()}`;
        found.set(k, [...(found.get(k) ?? []), String(row.Id)]);
      }
  }
  for (const p of pending)
    p.c.key.parts.forEach((part, i) => {
      if (!part.ref || p.values[i] !== undefined || p.keys[i] === undefined) return;
      const ids = found.get(`${part.ref.object}.${part.ref.key.name}\u0000${p.keys[i].toLowerCase()}`) ?? [];
      p.values[i] = ids.length === 1 ? ids[0] : ids.length === 0 ? null : { ids, lines: [] };
    });
}

/** Why a part fails the record, or undefined when every part is an Id (or a dry run's placeholder). */
function partFailure(p: Pending, files: Map<string, string>): FailureDetail | undefined {
  const field = p.c.ref.field;
  for (const [i, part] of p.c.key.parts.entries()) {
    const v = p.values[i];
    const key = p.shown[i];
    const what = part.ref ? `${part.ref.object} with ${part.ref.key.name} = ${key ?? '(empty)'}` : part.field;
    if (typeof v === 'number' && part.ref)
      return {
        code: 'PARENT_FAILED',
        message: `${field}: the ${part.ref.step} record with ${part.ref.key.name} = ${key ?? ''} (${files.get(part.ref.step) ?? part.ref.step} line ${v}) failed, so this record was not sent`,
        fields: [field],
      };
    if (isClash(v))
      return {
        code: 'LOOKUP_AMBIGUOUS',
        status: 300,
        message: `${field}: ${v.ids.length} records are the ${what} (a part of its key); not written`,
        fields: [field],
        matchedIds: v.ids.filter((id) => !id.startsWith('(')),
      };
    if (typeof v !== 'string')
      return {
        code: 'LOOKUP_NOT_FOUND',
        message:
          key === undefined && part.kind !== 'constant'
            ? `${field}: ${part.field} is empty (column ${part.ref?.column ?? part.column ?? ''}), so no ${p.c.object} can be found`
            : `${field}: no ${what} (a part of its key), so no ${p.c.object} can be found`,
        fields: [field],
      };
  }
  return undefined;
}

/** The composite keys the plan's memory does not have, asked of the org: `(A = x AND B = y) OR ...`. */
async function compositesFromOrg(
  pending: Pending[],
  client: SalesforceClient,
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const byObject = new Map<string, { c: CheckedComposite; keys: Map<string, string[]> }>();
  for (const p of pending) {
    const ids = p.values as string[];
    // A dry run's record to be created, or a column's value that is no Id: not in the org.
    if (ids.some((id) => !ID.test(id))) continue;
    const g = byObject.get(p.c.key.name + p.c.object) ?? { c: p.c, keys: new Map() };
    g.keys.set(compositeOf(ids), ids);
    byObject.set(p.c.key.name + p.c.object, g);
  }
  for (const { c, keys } of byObject.values()) {
    const fields = c.key.parts.map((part) => part.field);
    const list = [...keys.values()];
    for (let at = 0; at < list.length; at += PER_QUERY) {
      const where = list
        .slice(at, at + PER_QUERY)
        .map(
          (ids) =>
            `(${fields.map((f, i) => `${f} = ${soqlLiteral({ name: f, type: 'reference' } as FieldInfo, ids[i] as string)}`).join(' AND ')})`,
        )
        .join(' OR ');
      for await (const row of client.query(
        `SELECT Id, ${fields.join(', ')} FROM ${c.object} WHERE ${where}`,
      )) {
        const k = `${c.key.name}\u0000${fields.map((f) => idKey(String(row[f]))).join(',')}`;
        found.set(k, [...(found.get(k) ?? []), String(row.Id)]);
      }
    }
  }
  return found;
}

/**
 * The plan's resolver for references by a composite key: each part resolved first (from the plan's memory, else
 * the org), then the record whose parts are those Ids (from the memory of the step that wrote it, else the org).
 * It always settles the field: the lookup it was compiled as never reaches the org lookup.
 */
export async function resolveComposites(
  records: MappedRecord[],
  composites: CheckedComposite[],
  memory: PlanMemory,
  files: Map<string, string>,
  client: SalesforceClient | null,
): Promise<Map<MappedRecord, FailureDetail>> {
  const failures = new Map<MappedRecord, FailureDetail>();
  const byField = new Map(composites.map((c) => [c.ref.field.toLowerCase(), c]));
  const pending: Pending[] = [];
  for (const record of records) {
    for (const l of record.lookups) {
      const c = byField.get(l.target.toLowerCase());
      if (!c) continue;
      const parts = c.key.parts.map((part) => partValue(part, record.input, memory));
      pending.push({
        record,
        c,
        values: parts.map((p) => p.value),
        keys: parts.map((p) => p.key),
        shown: parts.map((p) => p.shown),
      });
    }
    record.lookups = record.lookups.filter((l) => !byField.has(l.target.toLowerCase()));
  }
  if (client) await partsFromOrg(pending, client);
  const ready: Pending[] = [];
  for (const p of pending) {
    const failure = failures.has(p.record) ? undefined : partFailure(p, files);
    if (failure) failures.set(p.record, failure);
    else ready.push(p);
  }
  const missing: Pending[] = [];
  for (const p of ready) {
    const hit = memory.get(p.c.ref.step, p.c.key.name)?.get(compositeOf(p.values) as string);
    if (typeof hit === 'string') p.record.payload[p.c.ref.field] = hit;
    else if (typeof hit === 'number')
      failures.set(p.record, {
        code: 'PARENT_FAILED',
        message: `${p.c.ref.field}: the ${p.c.ref.step} record with ${describe(p)} (${files.get(p.c.ref.step) ?? p.c.ref.step} line ${hit}) failed, so this record was not sent`,
        fields: [p.c.ref.field],
      });
    else if (isClash(hit))
      failures.set(p.record, {
        code: 'LOOKUP_AMBIGUOUS',
        status: 300,
        message: `${p.c.ref.field}: ${describe(p)} names ${hit.ids.length} ${p.c.ref.step} records (${clashLines(hit, p.c.ref.step, files)}); not written`,
        fields: [p.c.ref.field],
        matchedIds: hit.ids.filter((id) => !id.startsWith('(')),
      });
    else missing.push(p);
  }
  const found =
    client && missing.length > 0 ? await compositesFromOrg(missing, client) : new Map<string, string[]>();
  for (const p of missing) {
    if (failures.has(p.record)) continue;
    const ids = found.get(`${p.c.key.name}\u0000${compositeOf(p.values) as string}`) ?? [];
    if (ids.length === 1) p.record.payload[p.c.ref.field] = ids[0];
    else
      failures.set(p.record, {
        code: ids.length === 0 ? 'LOOKUP_NOT_FOUND' : 'LOOKUP_AMBIGUOUS',
        status: ids.length > 1 ? 300 : undefined,
        message:
          ids.length === 0
            ? `${p.c.ref.field}: no ${p.c.object} has ${describe(p)}${p.c.object === 'PricebookEntry' ? PRICE_HINT : ''}`
            : `${p.c.ref.field}: ${ids.length} ${p.c.object} records have ${describe(p)}`,
        fields: [p.c.ref.field],
        matchedIds: ids.length > 1 ? ids : undefined,
      });
  }
  return failures;
}
