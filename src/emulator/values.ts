import type { FieldDescribe } from './metadata.js';
import { normalizeId } from './ids.js';

export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

/** A per-record error as sObject Collections report it. */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
  /** DUPLICATES_DETECTED: the rule and the records it matched. */
  duplicateResult?: unknown;
}

export function recordError(statusCode: string, message: string, fields: string[] = []): RecordError {
  return { statusCode, message, fields };
}

export const STRING_TYPES = new Set([
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'multipicklist',
  'combobox',
  'encryptedstring',
]);
const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long']);

export function isStringType(field: FieldDescribe): boolean {
  return STRING_TYPES.has(field.type);
}
export function isNumberType(field: FieldDescribe): boolean {
  return NUMBER_TYPES.has(field.type);
}

let lastMs = NaN;
let lastText = '';

/** `2021-11-06T17:38:40.000+0000`, the form Salesforce returns datetimes in. */
export function formatDateTime(ms: number): string {
  // A write stamps a record three times, and a Bulk job stamps thousands within one millisecond.
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString().replace('Z', '+0000');
    lastMs = ms;
  }
  return lastText;
}

const DATETIME_INPUT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DATE_INPUT = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseDateTimeInput(text: string): number | null {
  const m = DATETIME_INPUT.exec(text);
  if (!m) return null;
  const zone = m[8] ?? 'Z';
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}.${(m[7] ?? '0').slice(0, 3).padEnd(3, '0')}${zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

export function isValidDate(text: string): boolean {
  const m = DATE_INPUT.exec(text);
  if (!m) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

function parserError(field: FieldDescribe, kind: string, value: unknown): RecordError {
  const shown =
    typeof value === 'string' ? `VALUE_STRING value ${value}` : `${typeof value} value ${String(value)}`;
  return recordError(
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${kind} from ${shown} or request may be missing a required field`,
    [field.name],
  );
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Turns a JSON value sent by a client into the stored value of a field, or the error Salesforce gives.
 * References are checked for shape only here; the store checks that the record exists.
 */
export function coerceInput(field: FieldDescribe, value: unknown): { value: Value } | { error: RecordError } {
  if (value === null || value === undefined) return { value: null };
  const type = field.type;
  if (type === 'boolean') {
    if (typeof value === 'boolean') return { value };
    if (typeof value === 'string' && /^(true|false)$/i.test(value))
      return { value: value.toLowerCase() === 'true' };
    return { error: parserError(field, 'boolean', value) };
  }
  if (isNumberType(field)) {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value)
          : NaN;
    if (!Number.isFinite(n)) return { error: parserError(field, type === 'int' ? 'int' : 'double', value) };
    if (type === 'int' && !Number.isInteger(n)) return { error: parserError(field, 'int', value) };
    const limit = type === 'int' ? 10 ** (field.digits || 9) : 10 ** (field.precision - field.scale);
    if (Math.abs(n) >= limit) {
      return {
        error: recordError(
          'NUMBER_OUTSIDE_VALID_RANGE',
          `${field.label}: value outside of valid range on numeric field: ${n}`,
          [field.name],
        ),
      };
    }
    return { value: type === 'int' ? n : Number(n.toFixed(field.scale || 10)) };
  }
  if (type === 'date') {
    if (typeof value !== 'string') return { error: parserError(field, 'date', value) };
    const datePart = value.length > 10 && parseDateTimeInput(value) !== null ? value.slice(0, 10) : value;
    if (!isValidDate(datePart)) return { error: parserError(field, 'date', value) };
    return { value: datePart };
  }
  if (type === 'datetime') {
    if (typeof value !== 'string') return { error: parserError(field, 'datetime', value) };
    const ms = isValidDate(value) ? Date.parse(`${value}T00:00:00Z`) : parseDateTimeInput(value);
    if (ms === null) return { error: parserError(field, 'datetime', value) };
    return { value: formatDateTime(ms) };
  }
  if (type === 'reference' || type === 'id') {
    const id = typeof value === 'string' ? normalizeId(value) : null;
    if (id === null) {
      return {
        error: recordError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${String(value)}`, [
          field.name,
        ]),
      };
    }
    return { value: id };
  }
  return coerceText(field, value);
}

/** Text-like types: Salesforce turns JSON numbers and booleans into their text. */
function coerceText(field: FieldDescribe, value: unknown): { value: Value } | { error: RecordError } {
  const type = field.type;
  if (typeof value === 'object') return { error: parserError(field, 'String', value) };
  const text = String(value);
  if (text === '') return { value: null };
  if (text.length > field.length && field.length > 0) {
    return {
      error: recordError(
        'STRING_TOO_LONG',
        `${field.label}: data value too large: ${text} (max length=${field.length})`,
        [field.name],
      ),
    };
  }
  if (type === 'email' && !EMAIL.test(text)) {
    return {
      error: recordError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${text}`, [
        field.name,
      ]),
    };
  }
  if ((type === 'picklist' || type === 'multipicklist') && field.restrictedPicklist) {
    const allowed = new Set(field.picklistValues.filter((p) => p.active).map((p) => p.value));
    const parts = type === 'multipicklist' ? text.split(';') : [text];
    const bad = parts.find((p) => !allowed.has(p));
    if (bad !== undefined) {
      return {
        error: recordError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${bad}`,
          [field.name],
        ),
      };
    }
  }
  return { value: text };
}

/** The key a value is indexed under: equality in SOQL is case-insensitive for text unless the field says otherwise. */
export function indexKey(field: FieldDescribe, value: Value): string | null {
  if (value === null) return null;
  if (typeof value === 'string') {
    if (field.type === 'datetime') return String(Date.parse(value.replace('+0000', 'Z')));
    return field.caseSensitive || field.type === 'id' || field.type === 'reference'
      ? value
      : value.toLowerCase();
  }
  return String(value);
}
