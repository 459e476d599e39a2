import type { InputRecord } from '../input/types.js';
import { applyMapping, type MappedRecord } from '../mapping/apply.js';
import type { CompiledField, CompiledMapping } from '../mapping/compile.js';

/** Lookups whose parents are not locked by saving a child: owners, users, queues, record types. */
const NOT_PARENTS = new Set(['user', 'group', 'recordtype', 'profile']);

/** The mapped field that names each record's parent (AccountId, a parent by external ID, a lookup), or null. */
export function parentField(compiled: CompiledMapping): CompiledField | null {
  return (
    compiled.fields.find((f) => {
      const ref = f.referenceField ?? (f.valueField.type === 'reference' ? f.valueField : undefined);
      return (
        ref && ref.referenceTo.length > 0 && !ref.referenceTo.some((t) => NOT_PARENTS.has(t.toLowerCase()))
      );
    }) ?? null
  );
}

/** The record's parent as text: the same text for every record of one parent. */
function parentKey(field: CompiledField, r: MappedRecord): string | null {
  const lookup = r.lookups.find((l) => l.target === field.target);
  const value = lookup ? lookup.value : r.payload[field.target];
  if (value === undefined || value === null || value === '') return null;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A 15- and an 18-character Id of one record are one parent.
  return field.kind === 'field' && /^[0-9A-Za-z]{18}$/.test(text) ? text.slice(0, 15) : text.toLowerCase();
}

export interface GroupingOptions {
  compiled: CompiledMapping;
  field: CompiledField;
  zone?: string;
  /** Writes in flight at once: REST calls (--concurrency), or Bulk jobs. */
  lanes: number;
  /** Records per write: a REST call's batch, or a Bulk job. */
  unit: number;
  /** Records gathered before they are reordered (bounds memory); rounded down to whole units. */
  window: number;
  /** The match keys of a record: records sharing one keep their order (they go to one lane). */
  keysOf?: (r: MappedRecord) => string[];
}

/**
 * Reorders the input so that the writes in flight at one time touch different parents: each window of records is
 * split into `lanes` lanes, every parent's records in one lane, and the output takes `unit` records from each lane
 * in turn. The engine cuts batches of `unit` in that order and runs `lanes` of them at once, so parallel batches
 * (or Bulk jobs) hold disjoint parents and do not wait on each other's row locks. Within a lane, input order is
 * kept; records sharing a match key go to one lane, so they are still written in file order.
 */
export async function* groupByParent(
  chunks: AsyncIterable<InputRecord[]>,
  o: GroupingOptions,
): AsyncIterable<InputRecord[]> {
  // Whole units per window: a window that ended mid-batch would shift every batch of the next one across lanes.
  const size = Math.max(o.unit, Math.floor(o.window / o.unit) * o.unit);
  let window: InputRecord[] = [];
  for await (const chunk of chunks)
    for (const input of chunk) {
      window.push(input);
      if (window.length >= size) {
        yield* arrange(window, o);
        window = [];
      }
    }
  if (window.length > 0) yield* arrange(window, o);
}

function* arrange(records: InputRecord[], o: GroupingOptions): Iterable<InputRecord[]> {
  if (o.lanes <= 1) {
    yield records;
    return;
  }
  // Groups of records that must share a lane: one parent, or joined by a shared match key (union-find).
  const groupOf: number[] = [];
  const up: number[] = [];
  const find = (g: number): number => {
    while (up[g] !== g) g = up[g] = up[up[g] as number] as number;
    return g;
  };
  const byParent = new Map<string, number>();
  const byKey = new Map<string, number>();
  for (const input of records) {
    let group = -1;
    let keys: string[] = [];
    if (input.values) {
      const mapped = applyMapping(o.compiled, input.line, input.values, o.zone);
      const parent = mapped.error ? null : parentKey(o.field, mapped);
      if (parent !== null) group = byParent.get(parent) ?? -1;
      if (group < 0) {
        group = up.length;
        up.push(group);
        if (parent !== null) byParent.set(parent, group);
      }
      keys = !mapped.error && o.keysOf ? o.keysOf(mapped) : [];
    } else {
      group = up.length;
      up.push(group);
    }
    for (const k of keys) {
      const other = byKey.get(k);
      if (other === undefined) byKey.set(k, group);
      else up[find(group)] = find(other);
    }
    groupOf.push(group);
  }
  const members = new Map<number, number[]>();
  groupOf.forEach((g, i) => {
    const root = find(g);
    const list = members.get(root);
    if (list) list.push(i);
    else members.set(root, [i]);
  });
  // Largest groups first, each to the lightest lane: lanes end about equal.
  const lanes: number[][] = Array.from({ length: o.lanes }, () => []);
  for (const list of [...members.values()].sort((a, b) => b.length - a.length)) {
    const lightest = lanes.reduce((best, lane) => (lane.length < best.length ? lane : best));
    lightest.push(...list);
  }
  for (const lane of lanes) lane.sort((a, b) => a - b);
  // Every write gets exactly `unit` records (the engine cuts batches by count): a lane that runs out mid-write is
  // topped up from the next one, so the writes after it stay one lane each.
  const at = lanes.map(() => 0);
  let left = records.length;
  let l = 0;
  while (left > 0) {
    const slot: InputRecord[] = [];
    while (slot.length < o.unit && left > 0) {
      while ((at[l] as number) >= (lanes[l] as number[]).length) l = (l + 1) % lanes.length;
      const lane = lanes[l] as number[];
      const from = at[l] as number;
      const take = Math.min(o.unit - slot.length, lane.length - from);
      for (let i = from; i < from + take; i++) slot.push(records[lane[i] as number] as InputRecord);
      at[l] = from + take;
      left -= take;
    }
    l = (l + 1) % lanes.length;
    yield slot;
  }
}
