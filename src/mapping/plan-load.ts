import fs from 'node:fs';
import path from 'node:path';
import YAML, { LineCounter } from 'yaml';
import type { SyncOperation } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import { loadMapping, parseMapping } from './load-mapping.js';
import type { Plan, PlanReference, PlanStep } from './plan-types.js';
import { isPolySpec, polySteps, readPoly } from './plan-poly.js';
import { compositeSteps, isCompositeSpec, readComposite, takeComposite } from './plan-composite.js';
import { checkKeys, closest, isObject, Where } from './plan-where.js';
import { TRANSFORMS, type Transform } from './types.js';

const TOP_KEYS = ['$schema', 'steps'];
const STEP_KEYS = ['name', 'file', 'object', 'operation', 'match', 'mapping', 'references', 'format', 'rows'];
const REFERENCE_KEYS = ['step', 'key', 'column', 'transform'];
const OPERATIONS: SyncOperation[] = ['create', 'update', 'upsert', 'delete'];

/** Reads and checks a plan file's structure; its files, objects and fields are checked by `plan check` and `run`. */
export function loadPlan(file: string): Plan {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new SfsyncError('PLAN_NOT_FOUND', `Plan file ${file} does not exist.`, {
      hint: 'Check the path; a plan is a YAML file listing steps (see README "Plans").',
    });
  }
  return parsePlan(file, text);
}

export function parsePlan(file: string, text: string): Plan {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0)
    throw new SfsyncError('PLAN_INVALID', `${file}: not valid YAML: ${doc.errors[0]?.message ?? ''}`, {
      hint: 'Fix the syntax at the position shown.',
    });
  const where = new Where(file, doc, lines);
  const top: unknown = doc.toJS();
  if (!isObject(top) || !Array.isArray(top.steps) || top.steps.length === 0)
    throw where.error(
      [],
      'a plan needs a list of steps',
      'For example steps: [{name: accounts, file: accounts.csv, object: Account, operation: upsert}]',
    );
  checkKeys(where, [], top, TOP_KEYS, 'top level');
  const dir = path.dirname(file);
  const steps = top.steps.map((raw, i) => readStep(where, dir, i, raw));
  const names = new Set<string>();
  for (const [i, s] of steps.entries()) {
    if (names.has(s.name))
      throw where.error(
        ['steps', i, 'name'],
        `two steps are named "${s.name}"`,
        'Give each step its own name.',
      );
    names.add(s.name);
  }
  for (const [i, s] of steps.entries())
    for (const r of [
      ...s.references.map((ref) => ({ field: ref.field, step: ref.step })),
      ...s.polymorphic.flatMap((p) => polySteps(p).map((step) => ({ field: p.field, step, poly: true }))),
      ...(s.composites ?? []).flatMap((c) =>
        compositeSteps(c).map((step) => ({ field: c.field, step, poly: true })),
      ),
    ]) {
      if (!names.has(r.step)) {
        const guess = closest(r.step, [...names]);
        throw where.error(
          ['steps', i],
          `step "${s.name}": ${r.field} refers to step "${r.step}", which the plan does not have`,
          guess ? `Did you mean "${guess}"?` : `Steps: ${[...names].join(', ')}.`,
        );
      }
      if ('poly' in r && r.step === s.name)
        throw where.error(
          ['steps', i],
          `step "${s.name}": ${r.field} refers to its own step: a reference among several steps, or by a composite key, cannot`,
          'Refer to the step itself with {step, key, column} (set in a second pass), or refer to other steps.',
        );
    }
  return { file, dir, steps };
}

function text(where: Where, at: Array<string | number>, v: unknown, what: string, example: string): string {
  if (typeof v !== 'string' || v.trim() === '')
    throw where.error(at, `${what} must be text`, `For example ${example}`);
  return v.trim();
}

function readStep(where: Where, dir: string, i: number, raw: unknown): PlanStep {
  const at = ['steps', i];
  if (!isObject(raw))
    throw where.error(
      at,
      `step ${i + 1} must be a map of name, file, object, operation`,
      'For example - {name: accounts, file: accounts.csv, object: Account, operation: upsert}',
    );
  checkKeys(where, at, raw, STEP_KEYS, `step ${i + 1}`);
  const name = text(where, [...at, 'name'], raw.name, `step ${i + 1}: name`, 'name: accounts');
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name))
    throw where.error(
      [...at, 'name'],
      `step "${name}": a name is letters, digits, - and _`,
      "It names the step's results folder, for example name: accounts",
    );
  const label = `step "${name}"`;
  const fileAsWritten = text(where, [...at, 'file'], raw.file, `${label}: file`, 'file: accounts.csv');
  const object = text(where, [...at, 'object'], raw.object, `${label}: object`, 'object: Account');
  const operation = raw.operation as SyncOperation;
  if (!OPERATIONS.includes(operation))
    throw where.error(
      [...at, 'operation'],
      `${label}: operation must be ${OPERATIONS.join(', ')}`,
      'For example operation: upsert',
    );
  if (raw.format !== undefined && raw.format !== 'csv' && raw.format !== 'ndjson')
    throw where.error(
      [...at, 'format'],
      `${label}: format must be csv or ndjson`,
      'Or leave it out: the file name tells.',
    );
  const { mapping, references, polymorphic, recordTypes, composites, standardPriceBook } = readMapping(
    where,
    dir,
    at,
    label,
    raw.mapping,
  );
  if (raw.references !== undefined)
    readReferences(where, at, label, raw.references, { references, polymorphic, composites });
  const matchRaw = raw.match;
  let match: string[] | undefined;
  if (matchRaw !== undefined) {
    const list = typeof matchRaw === 'string' ? matchRaw.split(',').map((s) => s.trim()) : matchRaw;
    if (!Array.isArray(list) || list.length === 0 || list.some((f) => typeof f !== 'string' || f === ''))
      throw where.error(
        [...at, 'match'],
        `${label}: match must be a field name or a list of them`,
        'For example match: External_Id__c',
      );
    match = list as string[];
  }
  mapping.object ??= object;
  return {
    name,
    line: where.line(at),
    file: path.resolve(dir, fileAsWritten),
    fileAsWritten,
    object,
    operation,
    match: match ?? mapping.match,
    format: raw.format,
    mapping: { ...mapping, operation: undefined },
    references,
    polymorphic,
    recordTypes,
    composites,
    standardPriceBook,
    rows: readRows(where, [...at, 'rows'], label, raw.rows),
  };
}

/** The `references:` of a step whose mapping is a file (which cannot hold them). */
function readReferences(
  where: Where,
  at: Array<string | number>,
  label: string,
  raw: unknown,
  into: Required<Pick<PlanStep, 'references' | 'polymorphic' | 'composites'>>,
): void {
  if (!isObject(raw))
    throw where.error(
      [...at, 'references'],
      `${label}: references must map fields to {step, key, column}`,
      'For example references: {AccountId: {step: accounts, key: AccountNumber, column: account}}',
    );
  for (const [field, spec] of Object.entries(raw)) {
    const fieldAt = [...at, 'references', field];
    if (isCompositeSpec(spec))
      into.composites.push(readComposite(where, fieldAt, label, field, spec, readReference));
    else if (isPolySpec(spec)) into.polymorphic.push(readPoly(where, fieldAt, label, field, spec));
    else into.references.push(readReference(where, fieldAt, label, field, spec));
  }
}

/** `rows: {column: kind, equals: contact}` (or a list of values): the section of the file the step reads. */
function readRows(where: Where, at: Array<string | number>, label: string, raw: unknown): PlanStep['rows'] {
  if (raw === undefined) return undefined;
  const example = 'For example rows: {column: kind, equals: contact}, or equals: [contact, lead]';
  if (!isObject(raw)) throw where.error(at, `${label}: rows must be {column, equals}`, example);
  checkKeys(where, at, raw, ['column', 'equals'], `${label}: rows`);
  const column = text(where, [...at, 'column'], raw.column, `${label}: rows.column`, 'column: kind');
  const list = Array.isArray(raw.equals) ? (raw.equals as unknown[]) : [raw.equals];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' && typeof v !== 'number'))
    throw where.error(
      [...at, 'equals'],
      `${label}: rows.equals must be a value or a list of values`,
      example,
    );
  return { column, values: list.map(String) };
}

/** The step's mapping (a file, or inline), with the fields that refer to a step taken out as references. */
function readMapping(
  where: Where,
  dir: string,
  at: Array<string | number>,
  label: string,
  raw: unknown,
): Pick<PlanStep, 'mapping' | 'references' | 'polymorphic' | 'recordTypes'> &
  Required<Pick<PlanStep, 'composites' | 'standardPriceBook'>> {
  const recordTypes: PlanStep['recordTypes'] = [];
  const polymorphic: PlanStep['polymorphic'] = [];
  const more: Required<Pick<PlanStep, 'composites' | 'standardPriceBook'>> = {
    composites: [],
    standardPriceBook: [],
  };
  const none = { references: [], polymorphic, recordTypes, ...more };
  if (raw === undefined) return { mapping: { file: null, nulls: 'keep', fields: null }, ...none };
  if (typeof raw === 'string') {
    try {
      return { mapping: loadMapping(path.resolve(dir, raw)), ...none };
    } catch (err) {
      if (err instanceof SfsyncError)
        throw where.error([...at, 'mapping'], `${label}: ${err.message}`, err.hint ?? '');
      throw err;
    }
  }
  if (!isObject(raw))
    throw where.error(
      [...at, 'mapping'],
      `${label}: mapping must be a mapping file's path or a mapping`,
      'For example mapping: accounts.mapping.yaml, or mapping: {fields: {Name: name}}',
    );
  const references: PlanReference[] = [];
  const fields = isObject(raw.fields) ? { ...raw.fields } : raw.fields;
  if (isObject(fields))
    for (const [field, spec] of Object.entries(fields)) {
      const fieldAt = [...at, 'mapping', 'fields', field];
      if (takeComposite(where, fieldAt, label, field, spec, more, readReference)) {
        delete fields[field];
        continue;
      }
      if (isObject(spec) && 'recordType' in spec) {
        checkKeys(where, fieldAt, spec, ['recordType'], `${label}: ${field}`);
        const name = text(
          where,
          [...fieldAt, 'recordType'],
          spec.recordType,
          `${label}: ${field}: recordType`,
          'recordType: Business',
        );
        recordTypes.push({ field, name, line: where.line(fieldAt) });
        delete fields[field];
      }
      if (isPolySpec(spec)) {
        polymorphic.push(readPoly(where, [...at, 'mapping', 'fields', field], label, field, spec));
        delete fields[field];
      }
      if (!isObject(spec) || !('step' in spec)) continue;
      references.push(readReference(where, [...at, 'mapping', 'fields', field], label, field, spec));
      delete fields[field];
    }
  const source = `${where.file}:${where.line([...at, 'mapping'])} (${label}, mapping)`;
  try {
    return {
      mapping: { ...parseMapping(`${source}.json`, JSON.stringify({ ...raw, fields })), file: null },
      references,
      polymorphic,
      recordTypes,
      ...more,
    };
  } catch (err) {
    if (err instanceof SfsyncError)
      throw new SfsyncError('PLAN_INVALID', err.message.replace(`${source}.json`, source), {
        hint: err.hint,
      });
    throw err;
  }
}

function readReference(
  where: Where,
  at: Array<string | number>,
  label: string,
  field: string,
  spec: unknown,
): PlanReference {
  const example = `${field}: {step: accounts, key: AccountNumber, column: account_number}`;
  if (!isObject(spec))
    throw where.error(at, `${label}: ${field} must be {step, key, column}`, `For example ${example}`);
  checkKeys(where, at, spec, REFERENCE_KEYS, `${label}: ${field}`);
  for (const k of ['step', 'key', 'column'])
    if (typeof spec[k] !== 'string' || spec[k] === '')
      throw where.error([...at, k], `${label}: ${field} needs ${k}`, `For example ${example}`);
  const list =
    spec.transform === undefined ? [] : Array.isArray(spec.transform) ? spec.transform : [spec.transform];
  for (const t of list)
    if (!TRANSFORMS.includes(t as Transform))
      throw where.error(
        [...at, 'transform'],
        `${label}: ${field}: unknown transform "${String(t)}"`,
        `Transforms: ${TRANSFORMS.join(', ')}.`,
      );
  return {
    field,
    step: spec.step as string,
    key: spec.key as string,
    column: spec.column as string,
    transform: list as Transform[],
    line: where.line(at),
  };
}
