import fs from 'node:fs';
import { parse } from 'csv-parse';
import type { PlanReference, PlanStep } from '../mapping/plan-types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { keyOf } from './plan-keys.js';
import { isClash } from './plan-key-map.js';
import type { PlanStepResult } from './plan-run.js';
import type { PlanMemory } from './plan-references.js';
import { emptyCounts, type Counts } from './results.js';
import { inQueries } from './soql.js';

/** A record of the second pass that exists already, and the Ids its self-references would be set to. */
interface Known {
  id: string;
  want: Array<[string, string]>;
}

const isPlaceholder = (id: string): boolean => id.startsWith('(');

/** Records whose self-references already hold the Ids they would get are unchanged (not sent), as in a real run. */
async function countKnown(
  known: Known[],
  refs: PlanReference[],
  org: { client: SalesforceClient; object: ObjectInfo },
  counts: Counts,
): Promise<void> {
  const idField = org.object.fields.find((f) => f.name === 'Id');
  if (known.length === 0 || !idField) return;
  const current = new Map<string, Record<string, unknown>>();
  const select = ['Id', ...new Set(refs.map((r) => r.field))];
  for (const q of inQueries(
    org.object.name,
    select,
    idField,
    known.map((k) => k.id),
  ))
    for await (const row of org.client.query(q)) current.set(String(row.Id).slice(0, 15), row);
  for (const k of known) {
    const row = current.get(k.id.slice(0, 15));
    const same =
      row !== undefined && k.want.every(([f, id]) => String(row[f] ?? '').slice(0, 15) === id.slice(0, 15));
    counts[same ? 'unchanged' : 'updated']++;
  }
}

/**
 * A dry run's second pass over a step, counted rather than run (records the plan would create do not exist yet):
 * a record whose self-reference would fail (PARENT_FAILED) fails; one that exists and already refers to the
 * records it would is unchanged (read from the org, a query per 200); the others would be updated.
 */
export async function predictSelf(
  step: PlanStep,
  refs: PlanReference[],
  file: string,
  dir: string,
  memory: PlanMemory,
  keys: FieldInfo[],
  org: { client: SalesforceClient; object: ObjectInfo },
): Promise<PlanStepResult> {
  const counts = emptyCounts();
  let known: Known[] = [];
  const rows = fs.createReadStream(file).pipe(parse({ columns: true }));
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    counts.total++;
    let failed = false;
    let sure = !isPlaceholder(String(row.Id));
    const want: Known['want'] = [];
    refs.forEach((r, i) => {
      const field = keys.find((k) => k.name.toLowerCase() === r.key.toLowerCase());
      const k = field ? keyOf(row, { column: `ref_${i}`, transform: r.transform }, field) : null;
      if (k === null) return;
      const hit = memory.get(step.name, r.key)?.get(k);
      if (typeof hit === 'number' || isClash(hit)) failed = true;
      else if (typeof hit === 'string' && !isPlaceholder(hit)) want.push([r.field, hit]);
      else sure = false;
    });
    if (failed) counts.failed++;
    else if (!sure) counts.updated++;
    else known.push({ id: String(row.Id), want });
    if (known.length >= 200) {
      await countKnown(known, refs, org, counts);
      known = [];
    }
  }
  await countKnown(known, refs, org, counts);
  return {
    step: step.name,
    pass: 'self-references',
    object: step.object,
    operation: 'update',
    results: dir,
    counts,
    ended: 'predicted',
  };
}
