import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import { readPath } from '../mapping/apply.js';
import { applyTransforms } from '../mapping/coerce.js';
import type { PlanStep } from '../mapping/plan-types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { CheckedPart, CompositeKey } from './plan-composite-check.js';
import { inQueries, matchKey } from './soql.js';
import { isClash, KeyMap, type Clash } from './plan-key-map.js';
import { keyOf, outcomesOf } from './plan-keys.js';
import type { PlanMemory } from './plan-references.js';

const NUMERIC = ['int', 'long', 'double', 'currency', 'percent'];

/** A part's key (as matched) back to a value SOQL can compare: numbers and booleans unquoted. */
export function literalValue(field: FieldInfo, key: string): string | number | boolean {
  if (NUMERIC.includes(field.type)) return Number(key);
  if (field.type === 'boolean') return key === 'true';
  return key;
}

const ID18 = /^[A-Za-z0-9]{18}$/;

/** An Id as the key compares it (15 characters; a dry run's placeholder as it is). */
export function idKey(id: string): string {
  return ID18.test(id) ? id.slice(0, 15) : id;
}

/**
 * A part's value for a record: an Id (or a dry run's placeholder), a failed parent's line (a number), a key two
 * records share (a Clash), `undefined` when the plan's memory does not have it (the org may), or null when empty.
 */
export type PartValue = string | number | Clash | undefined | null;

export function partValue(
  part: CheckedPart,
  values: Record<string, unknown>,
  memory: PlanMemory,
  zone?: string,
): { value: PartValue; key?: string; shown?: string } {
  if (part.kind === 'constant') return { value: part.value ?? null };
  if (part.kind === 'column') {
    const raw = readPath(values, part.column ?? '');
    const text = raw === undefined || raw === null ? '' : String(raw).trim();
    return { value: text === '' ? null : text };
  }
  const ref = part.ref;
  if (!ref) return { value: null };
  const key = keyOf(values, { column: ref.column, transform: ref.transform }, ref.key, zone);
  if (key === null) return { value: null };
  const shown = String(applyTransforms(readPath(values, ref.column), ref.transform));
  return { value: memory.get(ref.step, ref.key.name)?.get(key), key, shown };
}

/** The composite key of Ids, or null when a part is not an Id the run knows. */
export function compositeOf(ids: PartValue[]): string | null {
  if (!ids.every((v): v is string => typeof v === 'string')) return null;
  return ids.map(idKey).join(',');
}

/**
 * Reads a finished step back into a key map for each composite key later steps find its records by: each record's
 * parts resolved as the step resolved them (its references from the plan's memory, its columns, the standard price
 * book); a part the memory does not have is found in the org, as the step's run found it.
 */
export async function scanComposites(
  step: PlanStep,
  dir: string | undefined,
  dryRun: boolean,
  keys: CompositeKey[],
  memory: PlanMemory,
  seed?: ReadonlyMap<number, string>,
  client?: SalesforceClient,
): Promise<Map<string, KeyMap>> {
  const outcomes = await outcomesOf(step.name, dir, dryRun, seed);
  const maps = new Map(keys.map((k) => [k.name, new KeyMap()]));
  const format = formatFromFile(step.file, step.format);
  const org = client ? await orgParts(step, keys, memory, client) : new Map<string, string>();
  const valueOf = (p: CheckedPart, values: Record<string, unknown>): PartValue => {
    const { value, key } = partValue(p, values, memory);
    return value === undefined && p.ref && key !== undefined ? org.get(partId(p, key)) : value;
  };
  for await (const chunk of readRecords({ file: step.file, format })) {
    for (const r of chunk) {
      const outcome = outcomes.get(r.line);
      if (!r.values || outcome === undefined) continue;
      for (const k of keys) {
        const parts = k.parts.map((p) => valueOf(p, r.values));
        const key = compositeOf(parts.map((v) => (isClash(v) ? undefined : v)));
        const map = maps.get(k.name) as KeyMap;
        if (key !== null && (typeof outcome === 'string' || !map.found(key))) map.set(key, outcome, r.line);
      }
    }
  }
  return maps;
}

const partId = (p: CheckedPart, key: string): string =>
  `${p.ref?.object ?? ''}.${p.ref?.key.name ?? ''}\u0000${key}`;

/**
 * The parts of the step's records that the plan's memory does not have, as the step's own run found them: in the
 * org, by their keys (one query per object and key field for up to a few hundred values). Only keys found once
 * count. Held as key → Id for the keys asked, which the step's records name (not one entry per record).
 */
async function orgParts(
  step: PlanStep,
  keys: CompositeKey[],
  memory: PlanMemory,
  client: SalesforceClient,
): Promise<Map<string, string>> {
  const want = new Map<string, { part: CheckedPart; keys: Set<string> }>();
  for await (const chunk of readRecords({ file: step.file, format: formatFromFile(step.file, step.format) }))
    for (const r of chunk)
      for (const p of keys.flatMap((k) => k.parts)) {
        if (!r.values || !p.ref) continue;
        const { value, key } = partValue(p, r.values, memory);
        if (value !== undefined || key === undefined) continue;
        const group = `${p.ref.object}.${p.ref.key.name}`;
        const g = want.get(group) ?? { part: p, keys: new Set<string>() };
        g.keys.add(key);
        want.set(group, g);
      }
  const found = new Map<string, string[]>();
  for (const { part, keys: asked } of want.values()) {
    const ref = part.ref as NonNullable<CheckedPart['ref']>;
    const values = [...asked].map((k) => literalValue(ref.key, k));
    for (const q of inQueries(ref.object, ['Id', ref.key.name], ref.key, values))
      for await (const row of client.query(q)) {
        const k = matchKey(ref.key, row[ref.key.name]);
        if (k !== null) found.set(partId(part, k), [...(found.get(partId(part, k)) ?? []), String(row.Id)]);
      }
  }
  const ids = new Map<string, string>();
  for (const [k, list] of found) if (list.length === 1) ids.set(k, list[0] as string);
  return ids;
}
