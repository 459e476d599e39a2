import fs from 'node:fs';
import { DateTime } from 'luxon';
import YAML from 'yaml';
import { SfsyncError } from '../errors.js';
import { normalizeDateFormat } from './date-format.js';
import { editDistance } from './did-you-mean.js';
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

/** Every key of `spec` must be one of `allowed`; a near miss is named. */
function refuseUnknownKeys(
  file: string,
  prefix: string,
  spec: Record<string, unknown>,
  allowed: string[],
): void {
  for (const key of Object.keys(spec)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    throw problem(
      file,
      `${prefix}${key}`,
      'unknown key',
      guess ? `Did you mean "${guess}"?` : `Allowed keys: ${allowed.join(', ')}.`,
    );
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
  refuseUnknownKeys(file, `${where}.`, spec, FIELD_KEYS);
  const sources = ['column', 'value', 'template'].filter((k) => k in spec);
  if (sources.length !== 1) {
    throw problem(
      file,
      where,
      `needs exactly one of column, value or template (found ${sources.length === 0 ? 'none' : sources.join(' and ')})`,
      'For example {column: email} or {value: Web}.',
    );
  }
  const transformRaw =
    spec.transform === undefined ? [] : Array.isArray(spec.transform) ? spec.transform : [spec.transform];
  const transform: Transform[] = transformRaw.map((t) => {
    if (!TRANSFORMS.includes(t as Transform)) {
      throw problem(
        file,
        `${where}.transform`,
        `unknown transform "${String(t)}"`,
        `Transforms: ${TRANSFORMS.join(', ')}.`,
      );
    }
    return t as Transform;
  });
  const field: FieldSource = { transform };
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
  readDates(file, where, spec, field);
  if (spec.nulls !== undefined) field.nulls = readNulls(file, `${where}.nulls`, spec.nulls);
  readParent(file, where, spec, field);
  return field;
}

/** `format:` (Luxon tokens, or the common Excel-like spellings) and `timezone:` of a date field. */
function readDates(file: string, where: string, spec: Record<string, unknown>, field: FieldSource): void {
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
  if (spec.timezone !== undefined) {
    if (typeof spec.timezone !== 'string' || !isZone(spec.timezone)) {
      throw problem(
        file,
        `${where}.timezone`,
        `"${String(spec.timezone)}" is not a time zone`,
        'Use an IANA name such as Europe/Paris or UTC.',
      );
    }
    field.timezone = spec.timezone;
  }
}

/** `lookup:` (a parent found by a query) or `externalId:` (a parent Salesforce finds by its external ID). */
function readParent(file: string, where: string, spec: Record<string, unknown>, field: FieldSource): void {
  if (spec.lookup !== undefined) {
    const l = spec.lookup as Record<string, unknown> | null;
    if (!l || typeof l.object !== 'string' || typeof l.field !== 'string') {
      throw problem(
        file,
        `${where}.lookup`,
        'needs object and field',
        'For example lookup: {object: Account, field: AccountNumber}',
      );
    }
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
    refuseUnknownKeys(file, 'match.', spec, MATCH_KEYS);
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

/** The mapping file's top level as an object of known keys, or the syntax error at its position. */
function readDocument(file: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new SfsyncError(
      'MAPPING_INVALID',
      `${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      {
        hint: 'Fix the syntax at the position shown.',
      },
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw problem(
      file,
      'top level',
      'expected keys such as object, operation, match and fields',
      'See the mapping guide in the README.',
    );
  }
  const m = doc as Record<string, unknown>;
  refuseUnknownKeys(file, '', m, TOP_KEYS);
  return m;
}

/** Reads and checks a mapping file's structure; its fields are checked against the org later. */
export function parseMapping(file: string, text: string): Mapping {
  const m = readDocument(file, text);
  const mapping: Mapping = {
    file,
    nulls: m.nulls === undefined ? 'keep' : readNulls(file, 'nulls', m.nulls),
    fields: null,
  };
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
    const op = String(m.matchOperator).toUpperCase();
    if (op !== 'OR' && op !== 'AND') throw problem(file, 'matchOperator', 'must be OR or AND', '');
    mapping.matchOperator = op;
  }
  if (m.timezone !== undefined) {
    if (typeof m.timezone !== 'string' || !isZone(m.timezone))
      throw problem(
        file,
        'timezone',
        `"${String(m.timezone)}" is not a time zone`,
        'Use an IANA name such as Europe/Paris or UTC.',
      );
    mapping.timezone = m.timezone;
  }
  if (m.apiVersion !== undefined) mapping.apiVersion = String(m.apiVersion);
  if (m.fields !== undefined) {
    if (m.fields === null || typeof m.fields !== 'object' || Array.isArray(m.fields)) {
      throw problem(
        file,
        'fields',
        'expected Salesforce field names, each with its source',
        'For example fields: {LastName: last_name}',
      );
    }
    // Built from entries: a field named `__proto__` stays a key (the org then says it has no such field).
    mapping.fields = Object.fromEntries(
      Object.entries(m.fields as Record<string, unknown>).map(([name, raw]) => [
        name,
        readField(file, name, raw),
      ]),
    );
  }
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

/** Without a mapping file: columns (or top-level NDJSON keys) are field API names as they are. */
export function implicitMapping(): Mapping {
  return { file: null, nulls: 'keep', fields: null };
}
