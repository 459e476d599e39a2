import fs from 'node:fs';
import { SfsyncError } from '../errors.js';
import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import { compileMapping } from '../mapping/compile.js';
import { caseClash, missingColumns } from '../mapping/missing-columns.js';
import { planOrder } from '../mapping/plan-order.js';
import { stepMapping } from '../mapping/plan-mapping.js';
import type { Plan, PlanStep } from '../mapping/plan-types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { keySource } from './plan-keys.js';
import { checkPolymorphic, compileAs, type CheckedPoly } from './plan-poly-check.js';
import {
  checkCompositeFields,
  standardPriceBookOf,
  type CheckedComposite,
  type CompositeContext,
  type CompositeKey,
} from './plan-composite-check.js';
import { planMatching } from './prepare.js';

export interface PlanProblem {
  step: string;
  line: number;
  where: string;
  message: string;
}

/** A plan checked against its files and the org: its steps in the order they run, and the key fields of each. */
export interface CheckedPlan {
  plan: Plan;
  order: PlanStep[];
  objects: Map<string, ObjectInfo>;
  /** Step → the key fields later steps (or its own second pass) refer to its records by. */
  keys: Map<string, FieldInfo[]>;
  columns: Map<string, string[]>;
  /** Step → field → the Id of the record type it names, or of the standard price book. */
  recordTypes: Map<string, Record<string, string>>;
  /** Step → its polymorphic references, with the objects and key fields they search. */
  poly: Map<string, CheckedPoly[]>;
  /** Step → its references by a composite key (optional: plans checked before them have none). */
  composites?: Map<string, CheckedComposite[]>;
  /** Step → the composite keys later steps find its records by. */
  compositeKeys?: Map<string, CompositeKey[]>;
}

/** The columns of a file (its CSV header, or the first record's keys), or null when it has no records. */
export async function fileColumns(step: PlanStep): Promise<string[]> {
  let header: string[] | undefined;
  const chunks = readRecords({
    file: step.file,
    format: formatFromFile(step.file, step.format),
    onHeader: (h) => (header = h),
  });
  let first: Record<string, unknown> | undefined;
  for await (const chunk of chunks) {
    first = chunk.find((r) => r.values)?.values;
    if (first || header) break;
  }
  await chunks.return(undefined);
  return header ?? Object.keys(first ?? {});
}

/**
 * The columns of a step's file; a header that cannot be read (a column named twice, one with no name) is a problem
 * said with the rest (null), and so is a `rows:` column the file lacks.
 */
async function stepColumns(
  step: PlanStep,
  at: (where: string, message: string) => void,
): Promise<string[] | null> {
  let cols: string[];
  try {
    cols = await fileColumns(step);
  } catch (err) {
    if (!(err instanceof SfsyncError)) throw err;
    at('file', err.message.replace(step.file, step.fileAsWritten));
    return null;
  }
  // Without mapped fields the columns are the fields: two names one to Salesforce cannot both be written.
  const clash = step.mapping.fields === null && step.format !== 'ndjson' ? caseClash(cols) : null;
  if (clash) {
    at(
      'file',
      `${step.fileAsWritten}, line 1: the header names "${clash.first}" (column ${clash.at[0]}) and "${clash.second}" (column ${clash.at[1]}), one name to Salesforce, which ignores case; rename one, or map the step's fields`,
    );
    return null;
  }
  const rows = step.rows;
  if (rows && step.format !== 'ndjson' && !rows.column.includes('.') && !cols.includes(rows.column))
    at('rows', `${step.fileAsWritten} has no column ${rows.column} (rows.column)`);
  return cols;
}

/**
 * Everything wrong with a plan before anything is written, all at once: missing files, unknown objects and
 * fields, columns the files lack, references to keys a step does not map or to the wrong object, and cycles.
 */
export async function checkPlan(plan: Plan, client: SalesforceClient): Promise<CheckedPlan> {
  const order = planOrder(plan);
  const problems: PlanProblem[] = [];
  const objects = new Map<string, ObjectInfo>();
  const columns = new Map<string, string[]>();
  const recordTypes = new Map<string, Record<string, string>>();
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  for (const step of plan.steps) {
    const at = (where: string, message: string): number =>
      problems.push({ step: step.name, line: step.line, where, message });
    if (!fs.existsSync(step.file)) {
      at('file', `${step.fileAsWritten} does not exist`);
      continue;
    }
    try {
      objects.set(step.name, await client.describe(step.object));
    } catch (err) {
      const hint = (err as SfsyncError).hint;
      at('object', hint ? `${(err as Error).message} ${hint}` : (err as Error).message);
      continue;
    }
    const cols = await stepColumns(step, (where, message) => at(where, message));
    if (!cols) continue;
    columns.set(step.name, cols);
    if (step.recordTypes.length > 0)
      recordTypes.set(step.name, await findRecordTypes(step, client, problems));
  }
  const keys = new Map<string, FieldInfo[]>();
  const poly = new Map<string, CheckedPoly[]>();
  const composites = new Map<string, CheckedComposite[]>();
  const ctx: CompositeContext = {
    byName,
    objects,
    client,
    keys,
    compositeKeys: new Map(),
    problems,
    standardPriceBook: standardPriceBookOf(client),
  };
  for (const step of plan.steps) {
    const object = objects.get(step.name);
    const cols = columns.get(step.name);
    if (!object || !cols) continue;
    poly.set(step.name, await checkPolymorphic(step, object, byName, objects, client, keys, problems));
    const own = await checkCompositeFields(ctx, step, object, recordTypes, cols);
    composites.set(step.name, own);
    checkReferences(step, object, byName, objects, keys, problems);
    const as = Object.fromEntries((poly.get(step.name) ?? []).map((p) => [p.ref.field, compileAs(p)]));
    await checkStepMapping(
      step,
      object,
      cols,
      byName,
      client,
      problems,
      objects,
      recordTypes.get(step.name),
      as,
      {
        composites: Object.fromEntries(own.map((c) => [c.ref.field, c.as])),
      },
    );
  }
  if (problems.length > 0) throw planProblems(plan, problems);
  const compositeKeys = ctx.compositeKeys;
  return { plan, order, objects, keys, columns, recordTypes, poly, composites, compositeKeys };
}

/** A step's references by one key: each a reference field to the parent step's object, found by a key it maps. */
function checkReferences(
  step: PlanStep,
  object: ObjectInfo,
  byName: Map<string, PlanStep>,
  objects: Map<string, ObjectInfo>,
  keys: Map<string, FieldInfo[]>,
  problems: PlanProblem[],
): void {
  for (const r of step.references) {
    const at = (message: string): number =>
      problems.push({ step: step.name, line: r.line, where: r.field, message });
    const parent = byName.get(r.step) as PlanStep;
    const parentObject = objects.get(parent.name);
    if (!parentObject) continue;
    const field = object.fields.find((f) => f.name.toLowerCase() === r.field.toLowerCase());
    if (!field || field.type !== 'reference') at(`${step.object} has no reference field ${r.field}`);
    else if (!field.referenceTo.includes(parentObject.name))
      at(
        `${r.field} refers to ${field.referenceTo.join(' or ')}, not to ${parentObject.name} (step "${r.step}")`,
      );
    const key = parentObject.fields.find((f) => f.name.toLowerCase() === r.key.toLowerCase());
    if (!key) at(`${parentObject.name} has no field ${r.key} (the key of step "${r.step}")`);
    else if (!keySource(parent, r.key))
      at(`step "${r.step}" does not map ${r.key}, so its records cannot be found by it`);
    else {
      const list = keys.get(parent.name) ?? [];
      if (!list.some((k) => k.name === key.name)) list.push(key);
      keys.set(parent.name, list);
    }
  }
}

async function checkStepMapping(
  step: PlanStep,
  object: ObjectInfo,
  cols: string[],
  byName: Map<string, PlanStep>,
  client: SalesforceClient,
  problems: PlanProblem[],
  objects: Map<string, ObjectInfo>,
  recordTypes: Record<string, string> | undefined,
  polyAs: Parameters<typeof stepMapping>[5],
  more: { composites: Parameters<typeof stepMapping>[6] },
): Promise<void> {
  // A reference to a step whose object is unknown is already reported there: not looked up again.
  const refs = step.references.filter((r) => objects.has(r.step));
  const objectOf = (s: string): string => byName.get(s)?.object ?? s;
  const mapping = stepMapping(step, refs, objectOf, cols, recordTypes, polyAs, more.composites);
  const compiled = await compileMapping(mapping, object, step.operation, cols, (n) => client.describe(n));
  const matching = planMatching({ operation: step.operation }, mapping, compiled, false);
  const header = Object.fromEntries(cols.map((c) => [c, '']));
  for (const p of [...missingColumns(mapping, header), ...compiled.problems, ...matching.problems])
    problems.push({ step: step.name, line: step.line, where: p.where, message: p.message });
}

/** The Ids of the record types a step names, by DeveloperName, among its object's. */
async function findRecordTypes(
  step: PlanStep,
  client: SalesforceClient,
  problems: PlanProblem[],
): Promise<Record<string, string>> {
  const found = new Map<string, string>();
  const names: string[] = [];
  for await (const row of client.query(
    `SELECT Id, DeveloperName FROM RecordType WHERE SobjectType = '${step.object}'`,
  )) {
    names.push(String(row.DeveloperName));
    found.set(String(row.DeveloperName).toLowerCase(), String(row.Id));
  }
  const ids: Record<string, string> = {};
  for (const rt of step.recordTypes) {
    const id = found.get(rt.name.toLowerCase());
    if (id) ids[rt.field] = id;
    else
      problems.push({
        step: step.name,
        line: rt.line,
        where: rt.field,
        message: `${step.object} has no record type ${rt.name}${found.size > 0 ? ` (it has: ${names.join(', ')})` : ' (it has none)'}`,
      });
  }
  return ids;
}

export function planProblems(plan: Plan, problems: PlanProblem[]): SfsyncError {
  const lines = problems.map((p) => `  ${plan.file}:${p.line}: step "${p.step}": ${p.where}: ${p.message}`);
  return new SfsyncError(
    'PLAN_INVALID',
    `${plan.file} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}; nothing was written:\n${lines.join('\n')}`,
    { hint: `Fix them, then check again with: sfsync plan check ${plan.file}` },
  );
}
