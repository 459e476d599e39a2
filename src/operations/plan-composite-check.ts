import type { CompositeReference, KeyPart, PlanStep } from '../mapping/plan-types.js';
import type { Transform } from '../mapping/types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import type { PlanProblem } from './plan-check.js';
import { keySource } from './plan-keys.js';

/** How a record gives one part of a composite key: a reference resolved first, a column, or a fixed Id. */
export interface CheckedPart {
  field: string;
  kind: 'ref' | 'column' | 'constant';
  /** For a reference: the step and key it is found by, that key's field and the step's object. */
  ref?: { step: string; key: FieldInfo; column: string; transform: Transform[]; object: string };
  column?: string;
  value?: string;
}

/** A composite key: the name its key map is held under in the plan's memory, and how a record gives its parts. */
export interface CompositeKey {
  name: string;
  parts: CheckedPart[];
}

/** A step's reference by a composite key, checked: the parent's object, the key, and how it is compiled. */
export interface CheckedComposite {
  ref: CompositeReference;
  object: string;
  key: CompositeKey;
  /** The lookup the field waits as until the plan's resolver settles it (a text field of the parent object). */
  as: { object: string; field: string };
}

/** The name of a composite key in the plan's memory: its fields, lower-cased, in order. */
export function compositeName(parts: Array<{ field: string }>): string {
  return parts.map((p) => p.field.toLowerCase()).join('+');
}

type Problem = (message: string) => void;
type Fields = (object: ObjectInfo | undefined, name: string) => FieldInfo | undefined;
const fieldOf: Fields = (object, name) =>
  object?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());

export interface CompositeContext {
  byName: Map<string, PlanStep>;
  objects: Map<string, ObjectInfo>;
  client: SalesforceClient;
  /** Step → key fields its records are found by (a part's reference adds its key there). */
  keys: Map<string, FieldInfo[]>;
  /** Step → the composite keys later steps find its records by. */
  compositeKeys: Map<string, CompositeKey[]>;
  problems: PlanProblem[];
  standardPriceBook: () => Promise<string | undefined>;
}

function addKey(keys: Map<string, FieldInfo[]>, step: string, key: FieldInfo): void {
  const list = keys.get(step) ?? [];
  if (!list.some((k) => k.name === key.name)) list.push(key);
  keys.set(step, list);
}

/** A reference part (of the referring step or of the parent's own reference): its step's object and key field. */
function refPart(
  ctx: CompositeContext,
  part: { field: string; ref: NonNullable<KeyPart['ref']> },
  target: FieldInfo | undefined,
  problem: Problem,
): CheckedPart | undefined {
  const { ref } = part;
  const stepObject = ctx.objects.get(ref.step);
  if (!stepObject) return undefined;
  if (target && !target.referenceTo.includes(stepObject.name))
    problem(
      `${part.field} refers to ${target.referenceTo.join(' or ')}, not to ${stepObject.name} (step "${ref.step}")`,
    );
  const key = fieldOf(stepObject, ref.key);
  if (!key) return void problem(`${stepObject.name} has no field ${ref.key} (the key of step "${ref.step}")`);
  if (!keySource(ctx.byName.get(ref.step) as PlanStep, ref.key))
    return void problem(`step "${ref.step}" does not map ${ref.key}, so its records cannot be found by it`);
  addKey(ctx.keys, ref.step, key);
  return {
    field: part.field,
    kind: 'ref',
    ref: { step: ref.step, key, column: ref.column, transform: ref.transform, object: stepObject.name },
  };
}

/** How the parent step's own records give a part: its reference, its standard price book, or a mapped column. */
async function parentPart(
  ctx: CompositeContext,
  parent: PlanStep,
  field: FieldInfo,
  problem: Problem,
): Promise<CheckedPart | undefined> {
  const lower = field.name.toLowerCase();
  const ref = parent.references.find((r) => r.field.toLowerCase() === lower && r.step !== parent.name);
  if (ref) return refPart(ctx, { field: field.name, ref }, undefined, () => undefined);
  if (parent.standardPriceBook?.some((s) => s.field.toLowerCase() === lower)) {
    const value = await ctx.standardPriceBook();
    return value ? { field: field.name, kind: 'constant', value } : undefined;
  }
  const source = keySource(parent, field.name);
  if (source?.column !== undefined) return { field: field.name, kind: 'column', column: source.column };
  if (typeof source?.value === 'string') return { field: field.name, kind: 'constant', value: source.value };
  return void problem(
    `step "${parent.name}" does not set ${field.name}, so its records cannot be found by it (its key: ${field.name})`,
  );
}

/** Checks one composite reference of a step, and keeps the parent's composite key for the run to build. */
export async function checkComposite(
  ctx: CompositeContext,
  step: PlanStep,
  object: ObjectInfo,
  c: CompositeReference,
): Promise<CheckedComposite | undefined> {
  const problem: Problem = (message) =>
    void ctx.problems.push({ step: step.name, line: c.line, where: c.field, message });
  const parent = ctx.byName.get(c.step) as PlanStep;
  const parentObject = ctx.objects.get(c.step);
  if (!parentObject) return undefined;
  const field = fieldOf(object, c.field);
  if (!field || field.type !== 'reference')
    return void problem(`${step.object} has no reference field ${c.field}`);
  if (!field.referenceTo.includes(parentObject.name))
    return void problem(
      `${c.field} refers to ${field.referenceTo.join(' or ')}, not to ${parentObject.name} (step "${c.step}")`,
    );
  const mine: CheckedPart[] = [];
  const theirs: CheckedPart[] = [];
  for (const part of c.parts) {
    const target = fieldOf(parentObject, part.field);
    if (!target) {
      problem(`${parentObject.name} has no field ${part.field} (a part of the key of step "${c.step}")`);
      continue;
    }
    const own = await childPart(ctx, { ...part, field: target.name }, target, problem);
    const other = await parentPart(ctx, parent, target, problem);
    if (!own || !other) continue;
    mine.push(own);
    theirs.push(other);
  }
  if (mine.length !== c.parts.length) return undefined;
  const name = compositeName(mine);
  const list = ctx.compositeKeys.get(c.step) ?? [];
  if (!list.some((k) => k.name === name)) list.push({ name, parts: theirs });
  ctx.compositeKeys.set(c.step, list);
  const text = parentObject.fields.find((f) => f.type === 'string' && f.filterable) ?? parentObject.fields[0];
  return {
    ref: c,
    object: parentObject.name,
    key: { name, parts: mine },
    as: { object: parentObject.name, field: text?.name ?? 'Id' },
  };
}

async function childPart(
  ctx: CompositeContext,
  part: KeyPart,
  target: FieldInfo,
  problem: Problem,
): Promise<CheckedPart | undefined> {
  if (part.ref) return refPart(ctx, { field: part.field, ref: part.ref }, target, problem);
  if (part.column !== undefined) return { field: part.field, kind: 'column', column: part.column };
  if (!target.referenceTo.includes('Pricebook2'))
    return void problem(
      `${part.field} refers to ${target.referenceTo.join(' or ') || 'no object'}, not to a price book`,
    );
  const value = await ctx.standardPriceBook();
  return value ? { field: part.field, kind: 'constant', value } : undefined;
}

/** The org's standard price book, found once (every org has one: Pricebook2 with IsStandard = true). */
export function standardPriceBookOf(client: SalesforceClient): () => Promise<string | undefined> {
  let found: Promise<string | undefined> | undefined;
  return () =>
    (found ??= (async () => {
      for await (const row of client.query('SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1'))
        return String(row.Id);
      return undefined;
    })());
}

/** A step's composite references, and its fields set to the standard price book (kept with its record types). */
export async function checkCompositeFields(
  ctx: CompositeContext,
  step: PlanStep,
  object: ObjectInfo,
  constants: Map<string, Record<string, string>>,
  cols: string[],
): Promise<CheckedComposite[]> {
  for (const s of step.standardPriceBook ?? []) {
    const problem = (message: string): number =>
      ctx.problems.push({ step: step.name, line: s.line, where: s.field, message });
    const field = object.fields.find((f) => f.name.toLowerCase() === s.field.toLowerCase());
    if (!field || !field.referenceTo.includes('Pricebook2')) {
      problem(`${step.object} has no reference field ${s.field} to a price book (Pricebook2)`);
      continue;
    }
    const id = await ctx.standardPriceBook();
    if (!id) problem('the org has no standard price book (no Pricebook2 with IsStandard = true)');
    else constants.set(step.name, { ...constants.get(step.name), [field.name]: id });
  }
  const checked: CheckedComposite[] = [];
  const have = new Set(cols.map((c) => c.toLowerCase()));
  for (const c of step.composites ?? []) {
    // The first column is the one the field is compiled from: the mapping check says when it is missing.
    for (const column of c.parts.flatMap((p) => p.ref?.column ?? p.column ?? []).slice(1))
      if (step.format !== 'ndjson' && !column.includes('.') && !have.has(column.toLowerCase()))
        ctx.problems.push({
          step: step.name,
          line: c.line,
          where: c.field,
          message: `${step.fileAsWritten} has no column ${column} (a part of the key of ${c.field})`,
        });
    const one = await checkComposite(ctx, step, object, c);
    if (one) checked.push(one);
  }
  return checked;
}
