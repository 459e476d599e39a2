import type { SyncOperation } from '../core/sync-options.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { isRequiredOnCreate } from '../salesforce/types.js';
import { didYouMean, shortName } from './did-you-mean.js';
import type { FieldSource, Mapping, NullPolicy } from './types.js';

/** One Salesforce value the mapping produces for each record. */
export interface CompiledField {
  /** Key in the payload: a field name, or a relationship name for a parent given by external ID. */
  target: string;
  kind: 'field' | 'parentRef' | 'lookup';
  /** The field whose type the value takes: the field itself, or the parent's key field. */
  valueField: FieldInfo;
  /** The reference field a lookup or parent reference fills (AccountId). */
  referenceField?: FieldInfo;
  /** For lookups: the parent object and field to search. */
  lookup?: { object: string; field: FieldInfo };
  source: FieldSource;
  nulls: NullPolicy;
}

export interface MappingProblem {
  /** Where: `fields.Email`, `column Emial`, `--match`. */
  where: string;
  message: string;
}

export interface CompiledMapping {
  object: ObjectInfo;
  /** The operation it was compiled for: a create can tell which required fields a record leaves empty. */
  operation?: SyncOperation;
  fields: CompiledField[];
  problems: MappingProblem[];
  warnings: MappingProblem[];
  /**
   * NDJSON without a mapping: the keys the fields were compiled from (the first record's). A record with a value
   * under any other key is refused (KEY_NOT_MAPPED) rather than written without it.
   */
  onlyKeys?: ReadonlySet<string>;
}

export type DescribeFn = (object: string) => Promise<ObjectInfo>;

function fieldByName(object: ObjectInfo, name: string): FieldInfo | undefined {
  const lower = name.toLowerCase();
  return object.fields.find((f) => f.name.toLowerCase() === lower);
}

function relationship(object: ObjectInfo, name: string): FieldInfo | undefined {
  const lower = name.toLowerCase();
  return object.fields.find((f) => f.relationshipName?.toLowerCase() === lower);
}

export function unknownFieldMessage(object: ObjectInfo, name: string): string {
  const guess = didYouMean(name, object.fields);
  return `${object.name} has no field "${shortName(name)}"${guess ? `; did you mean ${guess}?` : ''}`;
}

/** Parent keys Salesforce resolves by itself inside a record body. */
function isParentKey(field: FieldInfo): boolean {
  return field.externalId || (field.idLookup && !field.custom) || field.name === 'Id';
}

/** What compiling one mapping entry adds to: the fields compiled so far and every problem and warning found. */
interface Compiling {
  object: ObjectInfo;
  operation: SyncOperation;
  describe: DescribeFn;
  fields: CompiledField[];
  problems: MappingProblem[];
  warnings: MappingProblem[];
}

/**
 * Checks a mapping against the object's describe and turns it into the steps applied to each record.
 * Every problem is collected, so a user sees them all at once.
 */
export async function compileMapping(
  mapping: Mapping,
  object: ObjectInfo,
  operation: SyncOperation,
  columns: string[] | null,
  describe: DescribeFn,
): Promise<CompiledMapping> {
  const c: Compiling = { object, operation, describe, fields: [], problems: [], warnings: [] };
  const entries: Array<[string, FieldSource, string]> = mapping.fields
    ? Object.entries(mapping.fields).map(([name, source]) => [name, source, `fields.${shortName(name)}`])
    : (columns ?? []).map((col) => [col, { column: col, transform: [] }, `column "${shortName(col)}"`]);
  for (const [name, source, where] of entries) {
    const nulls = source.nulls ?? mapping.nulls;
    // `Account.External_Id__c` or `Account.AccountNumber`: a parent by one of its fields.
    const dotted = !mapping.fields && name.includes('.') ? name.split('.') : null;
    if (dotted && dotted.length === 2)
      await compileDotted(c, dotted as [string, string], source, nulls, where);
    else if (source.externalId || source.lookup) await compileReference(c, name, source, nulls, where);
    else compilePlain(c, name, source, nulls, where);
  }
  requireCreateFields(c);
  const { fields, problems, warnings } = c;
  return { object, operation, fields, problems, warnings };
}

/** A column `Relationship.Field`: the parent found by that field (by Salesforce, or by a query when it is not a key). */
async function compileDotted(
  c: Compiling,
  [relName, parentFieldName]: [string, string],
  source: FieldSource,
  nulls: NullPolicy,
  where: string,
): Promise<void> {
  const { object, problems } = c;
  const ref = relationship(object, relName);
  const parentName = ref?.referenceTo[0];
  if (!ref || !parentName) {
    problems.push({ where, message: `${object.name} has no relationship "${shortName(relName)}"` });
    return;
  }
  const parent = await c.describe(parentName);
  const parentField = fieldByName(parent, parentFieldName);
  if (!parentField) {
    problems.push({ where, message: unknownFieldMessage(parent, parentFieldName) });
    return;
  }
  compileParent(c.fields, problems, {
    target: ref.relationshipName as string,
    ref,
    parentField,
    parentName,
    source,
    nulls,
    where,
    mode: isParentKey(parentField) ? 'parentRef' : 'lookup',
  });
}

/** A mapping entry with `externalId:` or `lookup:`: the parent by its external ID, or found by a query. */
async function compileReference(
  c: Compiling,
  name: string,
  source: FieldSource,
  nulls: NullPolicy,
  where: string,
): Promise<void> {
  const { object, problems } = c;
  const ref = source.externalId
    ? (relationship(object, name) ?? fieldByName(object, name))
    : fieldByName(object, name);
  const parentName = source.lookup?.object ?? ref?.referenceTo[0];
  if (!ref || ref.type !== 'reference' || !parentName) {
    problems.push({
      where,
      message: `${object.name} has no lookup field or relationship "${shortName(name)}"`,
    });
    return;
  }
  const parent = await c.describe(parentName);
  const keyName = source.externalId ?? source.lookup?.field ?? '';
  const parentField = fieldByName(parent, keyName);
  if (!parentField) {
    problems.push({ where, message: unknownFieldMessage(parent, keyName) });
    return;
  }
  if (source.externalId && !isParentKey(parentField)) {
    problems.push({
      where,
      message: `${parent.name}.${parentField.name} is not an external ID field; use lookup: {object: ${parent.name}, field: ${parentField.name}} instead`,
    });
    return;
  }
  compileParent(c.fields, problems, {
    target: source.externalId ? (ref.relationshipName as string) : ref.name,
    ref,
    parentField,
    parentName,
    source,
    nulls,
    where,
    mode: source.externalId ? 'parentRef' : 'lookup',
  });
}

/** A field of the object itself, which the operation must be able to write. */
function compilePlain(
  c: Compiling,
  name: string,
  source: FieldSource,
  nulls: NullPolicy,
  where: string,
): void {
  const { object, operation, problems } = c;
  const field = fieldByName(object, name);
  if (!field) {
    // Guesses cost an edit distance per field: past the first hundred problems nobody reads them.
    problems.push({
      where,
      message:
        problems.length < 100
          ? unknownFieldMessage(object, name)
          : `${object.name} has no field "${shortName(name)}"`,
    });
    return;
  }
  if (operation !== 'delete') {
    const writable =
      operation === 'create'
        ? field.createable
        : operation === 'update'
          ? field.updateable
          : field.createable || field.updateable;
    if (!writable && !(field.name === 'Id' && operation !== 'create')) {
      problems.push({
        where,
        message: `${object.name}.${field.name} cannot be ${operation === 'create' ? 'set on create' : operation === 'update' ? 'updated' : 'written'}${field.calculated ? ' (it is a formula field)' : ''}`,
      });
      return;
    }
    if (operation === 'upsert' && field.createable !== field.updateable && field.name !== 'Id') {
      c.warnings.push({
        where,
        message: `${object.name}.${field.name} can be ${field.createable ? 'set on create but not updated' : 'updated but not set on create'}`,
      });
    }
  }
  c.fields.push({ target: field.name, kind: 'field', valueField: field, source, nulls });
}

/** Create (a problem) and upsert (a warning): the fields a new record needs that nothing maps to. */
function requireCreateFields(c: Compiling): void {
  const { object, operation } = c;
  if (operation !== 'create' && operation !== 'upsert') return;
  const covered = new Set(c.fields.map((f) => (f.referenceField ?? f.valueField).name.toLowerCase()));
  const missing = object.fields.filter((f) => isRequiredOnCreate(f) && !covered.has(f.name.toLowerCase()));
  for (const f of missing) {
    const entry = {
      where: f.name,
      message: `${object.name}.${f.name} is required to create a record, and nothing maps to it`,
    };
    if (operation === 'create') c.problems.push(entry);
    else c.warnings.push({ ...entry, message: `${entry.message}: records that match nothing will fail` });
  }
}

function compileParent(
  fields: CompiledField[],
  problems: MappingProblem[],
  p: {
    target: string;
    ref: FieldInfo;
    parentField: FieldInfo;
    parentName: string;
    source: FieldSource;
    nulls: NullPolicy;
    where: string;
    mode: 'parentRef' | 'lookup';
  },
): void {
  if (p.mode === 'lookup' && !p.parentField.filterable) {
    problems.push({
      where: p.where,
      message: `${p.parentName}.${p.parentField.name} cannot be searched (not filterable), so it cannot find the parent`,
    });
    return;
  }
  fields.push({
    target: p.mode === 'lookup' ? p.ref.name : p.target,
    kind: p.mode,
    valueField: p.parentField,
    referenceField: p.ref,
    lookup: p.mode === 'lookup' ? { object: p.parentName, field: p.parentField } : undefined,
    source: p.source,
    nulls: p.nulls,
  });
}
