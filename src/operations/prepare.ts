import type { SyncOptions } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import type { InputRecord } from '../input/types.js';
import { didYouMean } from '../mapping/did-you-mean.js';
import { compileMapping, type CompiledMapping, type MappingProblem } from '../mapping/compile.js';
import type { Mapping } from '../mapping/types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import type { MatchStrategy } from './engine.js';
import { guessObjectOffline, inferObject, type ObjectSource } from './infer-object.js';
import type { MatchSpec } from './match.js';

/** The first record and the stream with it put back, so a header can be read before the run starts. */
export async function peek(
  chunks: AsyncGenerator<InputRecord[]>,
): Promise<{ first: InputRecord | undefined; all: AsyncIterable<InputRecord[]> }> {
  const head = await chunks.next();
  const firstChunk = head.done ? [] : head.value;
  async function* all(): AsyncGenerator<InputRecord[]> {
    if (firstChunk.length > 0) yield firstChunk;
    yield* chunks;
  }
  // The first record that reads: an unreadable first line must not leave the run with no columns.
  return { first: firstChunk.find((r) => r.values !== undefined) ?? firstChunk[0], all: all() };
}

export async function resolveObject(
  opts: Pick<SyncOptions, 'object' | 'file'>,
  mapping: Mapping,
  client: SalesforceClient | null,
): Promise<{ name: string; source: ObjectSource }> {
  if (opts.object) return { name: opts.object, source: '--object' };
  if (mapping.object) return { name: mapping.object, source: 'mapping' };
  if (!client) return { name: guessObjectOffline(opts.file), source: 'file name' };
  return { name: inferObject(opts.file, await client.describeGlobal()), source: 'file name' };
}

/**
 * Offline, the org's describe is unknown: every named field is taken as text, relationship columns as
 * lookups, and only the mapping's structure, the file and the value formats are checked.
 */
export function offlineObject(name: string, mapping: Mapping, columns: string[]): ObjectInfo {
  const field = (n: string, extra: Partial<FieldInfo> = {}): FieldInfo => ({
    name: n,
    label: n,
    type: 'string',
    length: 0,
    precision: 0,
    scale: 0,
    digits: 0,
    nillable: true,
    createable: true,
    updateable: true,
    defaultedOnCreate: false,
    filterable: true,
    externalId: false,
    idLookup: n === 'Id',
    unique: false,
    caseSensitive: false,
    custom: n.endsWith('__c'),
    calculated: false,
    referenceTo: [],
    relationshipName: null,
    restrictedPicklist: false,
    picklistValues: [],
    ...extra,
  });
  const fields = new Map<string, FieldInfo>([['id', field('Id', { type: 'id' })]]);
  const add = (f: FieldInfo): void =>
    void fields.set(f.name.toLowerCase(), fields.get(f.name.toLowerCase()) ?? f);
  const reference = (rel: string, fieldName?: string): FieldInfo => {
    const parent = rel.endsWith('__r') ? rel.replace(/__r$/, '__c') : rel;
    return field(fieldName ?? (rel.endsWith('__r') ? parent : `${rel}Id`), {
      type: 'reference',
      referenceTo: [parent],
      relationshipName: rel,
    });
  };
  for (const [key, source] of Object.entries(mapping.fields ?? {})) {
    if (source.externalId) {
      add(reference(key));
      add(field(source.externalId, { externalId: true }));
    } else if (source.lookup) {
      add(field(key, { type: 'reference', referenceTo: [source.lookup.object] }));
      add(field(source.lookup.field));
    } else add(field(key));
  }
  for (const c of mapping.fields ? [] : columns) {
    const [rel, parentField] = c.split('.');
    if (parentField !== undefined && rel) {
      add(reference(rel));
      add(field(parentField));
    } else add(field(c));
  }
  for (const m of mapping.match ?? []) add(field(m));
  return {
    name,
    label: name,
    labelPlural: name,
    custom: name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    fields: [...fields.values()],
  };
}

/** What matching is asked: the operation, and --match / --match-operator when given (they win over the mapping). */
export type MatchRequest = Pick<SyncOptions, 'operation' | 'match' | 'matchOperator'>;

export interface MatchPlan {
  spec: MatchSpec | null;
  strategy: MatchStrategy;
}

/**
 * The record matchers: every field must exist, be filterable and be produced by the mapping; a lone unique
 * external ID on upsert lets Salesforce match natively; a lone Id needs no query at all.
 */
export function planMatching(
  opts: MatchRequest,
  mapping: Mapping,
  compiled: CompiledMapping,
  offline: boolean,
): { plan: MatchPlan; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const object = compiled.object;
  if (opts.operation === 'create') return { plan: { spec: null, strategy: 'none' }, problems };
  const produced = new Set(
    compiled.fields.filter((f) => f.kind === 'field').map((f) => f.target.toLowerCase()),
  );
  let names = opts.match ?? mapping.match;
  if (!names) {
    if (!produced.has('id')) {
      problems.push({
        where: '--match',
        message: `${opts.operation} needs record matchers: pass --match FIELD (e.g. --match Email), set match: in the mapping, or include an Id column`,
      });
      return { plan: { spec: null, strategy: 'none' }, problems };
    }
    names = ['Id'];
  }
  const fields: FieldInfo[] = [];
  for (const name of names) {
    const field = object.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!field) {
      const guess = didYouMean(name, object.fields);
      problems.push({
        where: `--match ${name}`,
        message: `${object.name} has no field "${name}" to match on${guess ? `; did you mean ${guess}?` : ''}`,
      });
      continue;
    }
    if (!field.filterable) {
      problems.push({
        where: `--match ${name}`,
        message: `${object.name}.${field.name} cannot be used as a record matcher: Salesforce cannot filter on it (type ${field.type})`,
      });
      continue;
    }
    if (!produced.has(field.name.toLowerCase())) {
      problems.push({
        where: `--match ${name}`,
        message: `the match field ${field.name} gets no value: map a column to it`,
      });
      continue;
    }
    fields.push(field);
  }
  const operator = opts.matchOperator ?? mapping.matchOperator ?? 'OR';
  const spec: MatchSpec = { object: object.name, fields, operator };
  const only = fields.length === 1 ? fields[0] : undefined;
  let strategy: MatchStrategy = 'query';
  if (only?.name === 'Id') strategy = 'id';
  else if (!offline && opts.operation === 'upsert' && only && only.externalId && only.unique)
    strategy = 'native-upsert';
  return { plan: { spec, strategy }, problems };
}

export function problemsError(problems: MappingProblem[], source: string, beforeWrite = true): SfsyncError {
  // A file with thousands of unknown columns gets the first few listed, not a wall of text.
  const lines = problems.slice(0, 25).map((p) => `  - ${p.where}: ${p.message}`);
  if (problems.length > 25) lines.push(`  … and ${problems.length - 25} more`);
  return new SfsyncError(
    'MAPPING_INVALID',
    `${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}${beforeWrite ? '; nothing was written' : ''}:\n${lines.join('\n')}`,
    {
      hint: 'Fix them and run again; "sfsync describe OBJECT" lists the fields of the object.',
    },
  );
}

export { compileMapping };
