import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import { readPath } from '../mapping/apply.js';
import { applyTransforms } from '../mapping/coerce.js';
import type { PlanStep } from '../mapping/plan-types.js';
import type { CheckedPart, CompositeKey } from './plan-composite-check.js';
import { isClash, KeyMap, type Clash } from './plan-key-map.js';
import { keyOf, outcomesOf } from './plan-keys.js';
import type { PlanMemory } from './plan-references.js';

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
 * book). A record whose part the run does not know (found in the org) is left out: a reference to it is then looked
 * up in the org.
 */
export async function scanComposites(
  step: PlanStep,
  dir: string | undefined,
  dryRun: boolean,
  keys: CompositeKey[],
  memory: PlanMemory,
  seed?: ReadonlyMap<number, string>,
): Promise<Map<string, KeyMap>> {
  const outcomes = await outcomesOf(step.name, dir, dryRun, seed);
  const maps = new Map(keys.map((k) => [k.name, new KeyMap()]));
  const format = formatFromFile(step.file, step.format);
  for await (const chunk of readRecords({ file: step.file, format })) {
    for (const r of chunk) {
      const outcome = outcomes.get(r.line);
      if (!r.values || outcome === undefined) continue;
      for (const k of keys) {
        const parts = k.parts.map((p) => partValue(p, r.values, memory).value);
        const key = compositeOf(parts.map((v) => (isClash(v) ? undefined : v)));
        const map = maps.get(k.name) as KeyMap;
        if (key !== null && (typeof outcome === 'string' || !map.found(key))) map.set(key, outcome, r.line);
      }
    }
  }
  return maps;
}
