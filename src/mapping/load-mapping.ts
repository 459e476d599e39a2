import fs from 'node:fs';
import { DateTime } from 'luxon';
import YAML from 'yaml';
import { DEFAULT_API_VERSION, normalizeApiVersion } from '../core/api-version.js';
import { SfsyncError } from '../errors.js';
import { normalizeDateFormat } from './date-format.js';
import { editDistance } from './did-you-mean.js';
import { schemaProblem } from './mapping-schema.js';
import { TRANSFORMS, type FieldSource, type Mapping, type NullPolicy, type Transform } from './types.js';

const TOP_KEYS = [
  '$schema',
  'object',
  'operation',
  'match',
  'matchOperator',
  'nulls',
  'timezone',
  'apiVersion',
  'fields',
];
const FIELD_KEYS = [
  'column',
  'value',
  'template',
  'transform',
  'format',
  'timezone',
  'nulls',
  'lookup',
  'externalId',
];

function problem(file: string, where: string, message: string, hint: string): SfsyncError {
  return new SfsyncError('MAPPING_INVALID', `${file}: ${where}: ${message}`, { hint });
}

function isZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

function closest(word: string, candidates: string[]): string | undefined {
  const ranked = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return ranked && ranked.d <= 3 ? ranked.c : undefined;
}

function unknownKeys(file: string, where: string, spec: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(spec)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    throw problem(
      file,
      where ? `${where}.${key}` : key,
      'unknown key',
      guess ? `Did you mean "${guess}"?` : `Allowed keys: ${allowed.join(', ')}.`,
    );
  }
}

/** Exactly one of column, value and template. */
function readSource(file: string, where: string, spec: Record<string, unknown>, field: FieldSource): void {
  const sources = ['column', 'value', 'template'].filter((k) => k in spec);
  if (sources.length !== 1) {
    throw problem(
      file,
      where,
      `needs exactly one of column, value or template (found ${sources.length === 0 ? 'none' : sources.join(' and ')})`,
      'For example {column: email} or {value: Web}.',
    );
  }
  if ('column' in spec) {
    if (typeof spec.column !== 'string' || spec.column === '')
      throw problem(file, `${where}.column`, 'must be a column name', 'For example column: email');
    field.column = spec.column;
  }
  if ('value' in spec) {
    const v = spec.value;
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v))
      throw problem(file, `${where}.value`, 'must be text, a number, true/false or null', '');
    field.value = v as FieldSource['value'];
  }
  if ('template' in spec) {
    if (typeof spec.template !== 'string' || !/\{[^}]+\}/.test(spec.template)) {
      throw problem(
        file,
        `${where}.template`,
        'must be text with {column} placeholders',
        'For example template: "{first_name} {last_name}"',
      );
    }
    field.template = spec.template;
  }
}

function readTransforms(file: string, where: string, raw: unknown): Transform[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((t) => {
    if (!TRANSFORMS.includes(t as Transform))
      throw problem(
        file,
        `${where}.transform`,
        `unknown transform "${String(t)}"`,
        `Transforms: ${TRANSFORMS.join(', ')}.`,
      );
    return t as Transform;
  });
}

function readZone(file: string, where: string, raw: unknown): string {
  if (typeof raw !== 'string' || !isZone(raw))
    throw problem(
      file,
      where,
      `"${String(raw)}" is not a time zone`,
      'Use an IANA name such as Europe/Paris or UTC.',
    );
  return raw;
}

/** How dates and datetimes are read: format, time zone, what an empty value does. */
function readValueOptions(
  file: string,
  where: string,
  spec: Record<string, unknown>,
  field: FieldSource,
): void {
  if (spec.format !== undefined) {
    if (typeof spec.format !== 'string')
      throw problem(file, `${where}.format`, 'must be text', 'For example format: dd/MM/yyyy');
    const normalized = normalizeDateFormat(spec.format);
    if ('error' in normalized)
      throw problem(
        file,
        `${where}.format`,
        normalized.error,
        'Formats use Luxon tokens; MM/DD/YYYY and YYYY-MM-DD are read too.',
      );
    field.format = normalized.format;
  }
  if (spec.timezone !== undefined) field.timezone = readZone(file, `${where}.timezone`, spec.timezone);
  if (spec.nulls !== undefined) field.nulls = readNulls(file, `${where}.nulls`, spec.nulls);
}

const LOOKUP_KEYS = ['object', 'field'];

/** A parent found by sfsync (lookup) or by Salesforce (externalId), not both. */
function readParent(file: string, where: string, spec: Record<string, unknown>, field: FieldSource): void {
  if (spec.lookup !== undefined) {
    const l = spec.lookup as Record<string, unknown> | null;
    const example = 'For example lookup: {object: Account, field: AccountNumber}';
    if (!l || typeof l !== 'object' || Array.isArray(l))
      throw problem(file, `${where}.lookup`, 'needs object and field', example);
    unknownKeys(file, `${where}.lookup`, l, LOOKUP_KEYS);
    if (typeof l.object !== 'string' || typeof l.field !== 'string')
      throw problem(file, `${where}.lookup`, 'needs object and field', example);
    field.lookup = { object: l.object, field: l.field };
  }
  if (spec.externalId !== undefined) {
    if (typeof spec.externalId !== 'string')
      throw problem(
        file,
        `${where}.externalId`,
        'must be a field name',
        'For example externalId: External_Id__c',
      );
    if (field.lookup) throw problem(file, where, 'use either lookup or externalId, not both', '');
    field.externalId = spec.externalId;
  }
}

function readField(file: string, name: string, raw: unknown): FieldSource {
  const where = `fields.${name}`;
  if (typeof raw === 'string') return { column: raw, transform: [] };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw problem(
      file,
      where,
      'expected a column name or an object such as {column: email, transform: [trim, lower]}',
      'See the mapping guide in the README.',
    );
  }
  const spec = raw as Record<string, unknown>;
  unknownKeys(file, where, spec, FIELD_KEYS);
  const field: FieldSource = { transform: [] };
  readSource(file, where, spec, field);
  field.transform = readTransforms(file, where, spec.transform);
  readValueOptions(file, where, spec, field);
  readParent(file, where, spec, field);
  return field;
}

function readNulls(file: string, where: string, raw: unknown): NullPolicy {
  if (raw !== 'keep' && raw !== 'clear')
    throw problem(
      file,
      where,
      'must be keep or clear',
      'keep: an empty value leaves the field as it is; clear: it empties the field.',
    );
  return raw;
}

const MATCH_KEYS = ['fields', 'allowSharedKeys', 'createWhenKeyEmpty'];

/** `match: Email`, `match: [Email, Phone]`, or `match: {fields: [LastName], allowSharedKeys: true}`. */
function readMatch(file: string, raw: unknown, mapping: Mapping): void {
  let fields: unknown = raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const spec = raw as Record<string, unknown>;
    unknownKeys(file, 'match', spec, MATCH_KEYS);
    for (const flag of ['allowSharedKeys', 'createWhenKeyEmpty'] as const) {
      if (spec[flag] === undefined) continue;
      if (typeof spec[flag] !== 'boolean')
        throw problem(file, `match.${flag}`, 'must be true or false', `For example ${flag}: true`);
      mapping[flag] = spec[flag];
    }
    fields = spec.fields;
    if (fields === undefined) return;
  }
  const list = typeof fields === 'string' ? fields.split(',').map((s) => s.trim()) : fields;
  if (!Array.isArray(list) || list.length === 0 || list.some((f) => typeof f !== 'string' || f === '')) {
    throw problem(
      file,
      raw === fields ? 'match' : 'match.fields',
      'must be a field name or a list of field names',
      'For example match: [Email], or match: {fields: [Email], allowSharedKeys: false}',
    );
  }
  mapping.match = list as string[];
}

function parseDocument(file: string, text: string): unknown {
  const json = /\.json$/i.test(file);
  try {
    return json ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new SfsyncError(
      'MAPPING_INVALID',
      `${file}: not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      {
        hint: 'Fix the syntax at the position shown.',
      },
    );
  }
}

/** The keys that say what the mapping is for: object, operation, how records match, API version. */
function readTarget(file: string, m: Record<string, unknown>, mapping: Mapping): void {
  if (m.$schema !== undefined && typeof m.$schema !== 'string')
    throw problem(file, '$schema', 'must be the path or URL of mapping.schema.json', '');
  if (m.object !== undefined) {
    if (typeof m.object !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(m.object))
      throw problem(file, 'object', 'must be an object API name', 'For example object: Contact');
    mapping.object = m.object;
  }
  if (m.operation !== undefined) {
    if (!['create', 'update', 'upsert', 'delete'].includes(m.operation as string))
      throw problem(file, 'operation', 'must be create, update, upsert or delete', '');
    mapping.operation = m.operation as Mapping['operation'];
  }
  if (m.match !== undefined) readMatch(file, m.match, mapping);
  if (m.matchOperator !== undefined) {
    const op = typeof m.matchOperator === 'string' ? m.matchOperator.toUpperCase() : '';
    if (op !== 'OR' && op !== 'AND') throw problem(file, 'matchOperator', 'must be OR or AND', '');
    mapping.matchOperator = op;
  }
  if (m.apiVersion !== undefined) {
    const version =
      typeof m.apiVersion === 'string' || typeof m.apiVersion === 'number'
        ? normalizeApiVersion(m.apiVersion)
        : null;
    if (!version)
      throw problem(
        file,
        'apiVersion',
        `"${String(m.apiVersion)}" is not an API version`,
        `For example apiVersion: "${DEFAULT_API_VERSION}"`,
      );
    mapping.apiVersion = version;
  }
}

function readFields(file: string, raw: unknown): Record<string, FieldSource> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw problem(
      file,
      'fields',
      'expected Salesforce field names, each with its source',
      'For example fields: {LastName: last_name}',
    );
  }
  // Built from entries: a field named `__proto__` stays a key (the org then says it has no such field).
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).map(([name, value]) => [
      name,
      readField(file, name, value),
    ]),
  );
}

/**
 * The hand checks of a parsed mapping document: messages that say where and what to do (with a did-you-mean for
 * a misspelt key), and what a schema cannot say (a time zone or a date format that does not exist).
 */
export function checkMapping(file: string, doc: unknown): Mapping {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw problem(
      file,
      'top level',
      'expected keys such as object, operation, match and fields',
      'See the mapping guide in the README.',
    );
  }
  const m = doc as Record<string, unknown>;
  unknownKeys(file, '', m, TOP_KEYS);
  const mapping: Mapping = {
    file,
    nulls: m.nulls === undefined ? 'keep' : readNulls(file, 'nulls', m.nulls),
    fields: null,
  };
  readTarget(file, m, mapping);
  if (m.timezone !== undefined) mapping.timezone = readZone(file, 'timezone', m.timezone);
  if (m.fields !== undefined) mapping.fields = readFields(file, m.fields);
  return mapping;
}

/**
 * Reads a mapping file's text and checks it: first by hand (the messages people need), then against the shipped
 * schemas/mapping.schema.json, so that nothing the schema refuses gets through. Its fields are checked against
 * the org later.
 */
export function parseMapping(file: string, text: string): Mapping {
  const doc = parseDocument(file, text);
  const mapping = checkMapping(file, doc);
  const broken = schemaProblem(doc);
  if (broken)
    throw problem(
      file,
      broken.where,
      broken.message,
      'schemas/mapping.schema.json in the sfsync package describes every key.',
    );
  return mapping;
}

export function loadMapping(file: string): Mapping {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new SfsyncError('MAPPING_NOT_FOUND', `Mapping file ${file} does not exist.`, {
      hint: 'Check the path given to --mapping, or create one with "sfsync mapping init FILE".',
    });
  }
  return parseMapping(file, text);
}

export { implicitMapping } from './implicit-mapping.js';
