import fs from 'node:fs';
import { parse } from 'csv-parse';
import type { PlanReference, PlanStep } from '../mapping/plan-types.js';
import type { FieldInfo } from '../salesforce/types.js';
import { keyOf } from './plan-keys.js';
import type { PlanStepResult } from './plan-run.js';
import type { PlanMemory } from './plan-references.js';
import { emptyCounts } from './results.js';

/**
 * A dry run's second pass over a step, counted rather than run (its records do not exist yet): each record with
 * a self-reference would be updated, unless the record it refers to would fail (PARENT_FAILED).
 */
export async function predictSelf(
  step: PlanStep,
  refs: PlanReference[],
  file: string,
  dir: string,
  memory: PlanMemory,
  keys: FieldInfo[],
): Promise<PlanStepResult> {
  const counts = emptyCounts();
  const rows = fs.createReadStream(file).pipe(parse({ columns: true }));
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    counts.total++;
    const failed = refs.some((r, i) => {
      const field = keys.find((k) => k.name.toLowerCase() === r.key.toLowerCase());
      const k = field ? keyOf(row, { column: `ref_${i}`, transform: r.transform }, field) : null;
      return k !== null && typeof memory.get(step.name, r.key)?.get(k) === 'number';
    });
    counts[failed ? 'failed' : 'updated']++;
  }
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
