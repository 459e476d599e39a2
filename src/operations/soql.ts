import type { FieldInfo } from '../salesforce/types.js';

const STRING_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A SOQL string literal: every character SOQL reserves is escaped, so a value can never end the literal. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => STRING_ESCAPES[c] as string)}'`;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A value as a literal of the field's type: numbers, booleans, dates and datetimes unquoted (and checked,
 * since they are not quoted), text and ids quoted and escaped.
 */
export function soqlLiteral(field: FieldInfo, value: string | number | boolean): string {
  switch (field.type) {
    case 'boolean':
      return value === true || String(value).toLowerCase() === 'true' ? 'true' : 'false';
    case 'int':
    case 'long':
    case 'double':
    case 'currency':
    case 'percent': {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${field.name}: ${String(value)} is not a number`);
      return String(n);
    }
    case 'date':
      if (!DATE.test(String(value))) throw new Error(`${field.name}: ${String(value)} is not a date`);
      return String(value);
    case 'datetime':
      if (!DATETIME.test(String(value))) throw new Error(`${field.name}: ${String(value)} is not a datetime`);
      return String(value);
    default:
      return soqlString(String(value));
  }
}

/** Budget for one query's percent-encoded WHERE list: Salesforce refuses URIs past 16,384 bytes (414). */
export const MAX_ENCODED_QUERY = 12_000;

/**
 * `SELECT … WHERE field IN (…)` statements covering every value, each within the URL budget.
 */
export function inQueries(
  object: string,
  select: string[],
  field: FieldInfo,
  values: Array<string | number | boolean>,
): string[] {
  const head = `SELECT ${select.join(', ')} FROM ${object} WHERE ${field.name} IN (`;
  const queries: string[] = [];
  let literals: string[] = [];
  let size = encodeURIComponent(head).length + 3;
  for (const v of values) {
    const lit = soqlLiteral(field, v);
    const cost = encodeURIComponent(lit).length + 3;
    if (literals.length > 0 && size + cost > MAX_ENCODED_QUERY) {
      queries.push(`${head}${literals.join(',')})`);
      literals = [];
      size = encodeURIComponent(head).length + 3;
    }
    literals.push(lit);
    size += cost;
  }
  if (literals.length > 0) queries.push(`${head}${literals.join(',')})`);
  return queries;
}

/** How Salesforce compares a field's values in SOQL equality: text ignores case unless the field says not. */
export function matchKey(field: FieldInfo, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (field.type === 'id' || field.type === 'reference') return String(value).slice(0, 15);
  if (field.type === 'datetime') return String(Date.parse(String(value)));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (['int', 'long', 'double', 'currency', 'percent'].includes(field.type)) return String(Number(value));
  return field.caseSensitive ? String(value) : String(value).toLowerCase();
}
