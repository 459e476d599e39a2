import { compositeColumns } from './plan-composite.js';
import type { PlanReference, PlanStep } from './plan-types.js';
import type { FieldSource, Mapping } from './types.js';

/**
 * The mapping a step's run is given: the step's own, with each reference as a lookup of the parent's key (the
 * run fills it from the plan's memory, else the org finds it as any lookup). Without mapping fields, the file's
 * columns are the fields, less the columns the references read.
 */
export function stepMapping(
  step: PlanStep,
  refs: PlanReference[],
  objectOf: (step: string) => string,
  columns: string[],
  recordTypes: Record<string, string> = {},
  polyAs: Record<string, { object: string; field: string } | undefined> = {},
  compositeAs: Record<string, { object: string; field: string } | undefined> = {},
): Mapping {
  const used = new Set(
    [...[...step.references, ...step.polymorphic].map((r) => r.column), ...compositeColumns(step)].map((c) =>
      c.toLowerCase(),
    ),
  );
  const own: Record<string, FieldSource> =
    step.mapping.fields ??
    Object.fromEntries(
      columns.filter((c) => !used.has(c.toLowerCase())).map((c) => [c, { column: c, transform: [] }]),
    );
  const fields: Record<string, FieldSource> = { ...own };
  for (const [field, id] of Object.entries(recordTypes)) fields[field] = { value: id, transform: [] };
  for (const r of refs)
    fields[r.field] = {
      column: r.column,
      transform: r.transform,
      lookup: { object: objectOf(r.step), field: r.key },
    };
  // Compiled as a lookup of one of its targets (which types the value: see compileAs), else of its first; the
  // plan's resolver searches them all.
  for (const p of step.polymorphic) {
    const first = p.targets[0];
    if (!first) continue;
    fields[p.field] = {
      column: p.column,
      transform: p.transform,
      lookup: polyAs[p.field] ?? {
        object: first.kind === 'step' ? objectOf(first.name) : first.name,
        field: first.keys[0] ?? '',
      },
    };
  }
  // A composite reference waits as a lookup of its first column (the plan's resolver reads the other parts from the
  // record's input, and always settles it: the org lookup never sees it).
  for (const c of step.composites ?? []) {
    const first = c.parts.find((p) => p.ref ?? p.column);
    const as = compositeAs[c.field];
    if (!first || !as) continue;
    fields[c.field] = {
      column: first.ref?.column ?? first.column,
      transform: first.ref?.transform ?? [],
      lookup: as,
    };
  }
  return {
    ...step.mapping,
    object: step.object,
    operation: step.operation,
    match: step.match,
    fields:
      step.mapping.fields ||
      refs.length > 0 ||
      used.size > 0 ||
      step.recordTypes.length > 0 ||
      step.polymorphic.length > 0 ||
      (step.composites?.length ?? 0) > 0 ||
      (step.standardPriceBook?.length ?? 0) > 0
        ? fields
        : null,
  };
}

/** The mapping of the second pass over a step: each record found by its Id, its self-references set. */
export function selfMapping(step: PlanStep, refs: PlanReference[]): Mapping {
  const fields: Record<string, FieldSource> = { Id: { column: 'Id', transform: [] } };
  refs.forEach((r, i) => {
    fields[r.field] = {
      column: `ref_${i}`,
      transform: r.transform,
      lookup: { object: step.object, field: r.key },
    };
  });
  return { file: null, object: step.object, operation: 'update', nulls: 'keep', fields };
}

/** A mapping as a mapping file holds it (the step's run reads it like any --mapping). */
export function mappingDocument(m: Mapping): Record<string, unknown> {
  const flags = m.allowSharedKeys !== undefined || m.createWhenKeyEmpty !== undefined;
  return {
    object: m.object,
    operation: m.operation,
    match:
      m.match && flags
        ? { fields: m.match, allowSharedKeys: m.allowSharedKeys, createWhenKeyEmpty: m.createWhenKeyEmpty }
        : m.match,
    matchOperator: m.matchOperator,
    nulls: m.nulls,
    timezone: m.timezone,
    apiVersion: m.apiVersion,
    fields: m.fields
      ? Object.fromEntries(
          Object.entries(m.fields).map(([name, f]) => [
            name,
            { ...f, transform: f.transform.length > 0 ? f.transform : undefined },
          ]),
        )
      : undefined,
  };
}
