import type { MappedRecord } from '../mapping/apply.js';
import type { PlanReference } from '../mapping/plan-types.js';
import type { ReferenceResolver } from './engine-options.js';
import type { FailureDetail } from './results.js';
import type { CheckedPoly } from './plan-poly-check.js';
import { OrgCache, resolvePoly } from './plan-poly-resolve.js';
import { isClash, type Clash, type KeyMap } from './plan-key-map.js';
import { matchKey } from './soql.js';
import type { CheckedComposite } from './plan-composite-check.js';
import { resolveComposites } from './plan-composite-resolve.js';

/** The key maps of the steps run so far, by step and key field. */
export class PlanMemory {
  private readonly maps = new Map<string, KeyMap>();

  static id(step: string, key: string): string {
    return `${step}\u0000${key.toLowerCase()}`;
  }

  set(step: string, key: string, map: KeyMap): void {
    this.maps.set(PlanMemory.id(step, key), map);
  }

  get(step: string, key: string): KeyMap | undefined {
    return this.maps.get(PlanMemory.id(step, key));
  }

  /** Entries held, for the plan summary. */
  get size(): number {
    let n = 0;
    for (const m of this.maps.values()) n += m.size;
    return n;
  }
}

/** Where a clash's records are: `contacts.csv lines 2 and 3`. */
export function clashLines(clash: Clash, step: string, files: Map<string, string>): string {
  const lines = clash.lines;
  const list =
    lines.length === 2 ? lines.join(' and ') : `${lines.slice(0, -1).join(', ')} and ${lines.at(-1)}`;
  return `${files.get(step) ?? step} lines ${list}`;
}

/** A reference whose key two of the run's records share: not written, as a lookup the org finds twice is not. */
function ambiguous(
  field: string,
  value: unknown,
  clash: Clash,
  step: string,
  files: Map<string, string>,
): FailureDetail {
  return {
    code: 'LOOKUP_AMBIGUOUS',
    status: 300,
    message: `${field}: ${String(value)} names ${clash.ids.length} ${step} records (${clashLines(clash, step, files)}); not written: make the key unique, or refer by another key`,
    fields: [field],
    matchedIds: clash.ids.filter((id) => !id.startsWith('(')),
  };
}

/**
 * The engine hook of a step: each reference compiled as a lookup of the parent's key is filled from the parent
 * step's map when the key is there; a key whose record failed fails the child (PARENT_FAILED, naming the
 * parent's step and line); a key the run does not have is left to the org lookup, as a single run does.
 */
export function referenceResolver(
  refs: PlanReference[],
  memory: PlanMemory,
  files: Map<string, string>,
  poly: CheckedPoly[] = [],
  composites: CheckedComposite[] = [],
): ReferenceResolver {
  const byField = new Map(refs.map((r) => [r.field.toLowerCase(), r]));
  const cache = new OrgCache();
  return (records, client) => {
    const failures = new Map<MappedRecord, FailureDetail>();
    for (const record of records) {
      if (record.lookups.length === 0) continue;
      const left: MappedRecord['lookups'] = [];
      for (const l of record.lookups) {
        const ref = byField.get(l.target.toLowerCase());
        const lookup = l.compiled.lookup;
        const map = ref && lookup ? memory.get(ref.step, ref.key) : undefined;
        const found = map && lookup ? map.get(matchKey(lookup.field, l.value) ?? '') : undefined;
        if (typeof found === 'string') record.payload[l.target] = found;
        else if (isClash(found) && ref) {
          failures.set(record, ambiguous(l.target, l.value, found, ref.step, files));
          break;
        } else if (typeof found === 'number' && ref) {
          failures.set(record, {
            code: 'PARENT_FAILED',
            message: `${l.target}: the ${ref.step} record with ${ref.key} = ${String(l.value)} (${files.get(ref.step) ?? ref.step} line ${found}) failed, so this record was not sent`,
            fields: [l.target],
          });
          break;
        } else left.push(l);
      }
      record.lookups = left;
    }
    if (poly.length === 0 && composites.length === 0) return failures;
    return (async () => {
      for (const resolve of [
        composites.length > 0 &&
          ((rest: MappedRecord[]) => resolveComposites(rest, composites, memory, files, client)),
        poly.length > 0 && ((rest: MappedRecord[]) => resolvePoly(rest, poly, memory, files, client, cache)),
      ]) {
        if (!resolve) continue;
        for (const [r, detail] of await resolve(records.filter((r) => !failures.has(r))))
          failures.set(r, detail);
      }
      return failures;
    })();
  };
}
