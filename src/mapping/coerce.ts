import { DateTime } from 'luxon';
import type { FieldInfo } from '../salesforce/types.js';
import { NUMBER_STYLES, numberShape, parseNumber, type NumberStyle } from './parse-number.js';
import type { FieldSource, Transform } from './types.js';

export interface ValueError {
  code: string;
  message: string;
  /** The fields at fault, as Salesforce lists them. */
  fields?: string[];
  /** Every problem of a record failing for several, each counted under its own code. */
  causes?: ValueError[];
}

export type Coerced = { value: string | number | boolean } | { error: ValueError };

const TRUE = new Set(['true', 'yes', 'y', '1', 'on', 't']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'f']);
/** Every word the boolean transform (and a boolean field) reads. */
export const BOOLEAN_WORDS: ReadonlySet<string> = new Set([...TRUE, ...FALSE]);
const ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const NUMBER_TYPES: ReadonlySet<string> = new Set(['int', 'double', 'currency', 'percent', 'long']);

/** A value a `number` transform could not read whole: the record fails with this, nothing is sent. */
export class NumberUnreadable {
  constructor(
    readonly value: string,
    readonly style: NumberStyle,
  ) {}

  error(target: string): ValueError {
    return {
      code: 'VALUE_INVALID',
      message: `${target}: ${shown(this.value)} is not ${numberShape(this.style)}`,
    };
  }
}

export function applyTransforms(value: unknown, transforms: Transform[]): unknown {
  let v = value;
  for (const t of transforms) {
    if (typeof v !== 'string') {
      if (t === 'number' || t === 'number-comma' || t === 'boolean') continue;
      v = v === undefined || v === null ? v : String(v);
      if (typeof v !== 'string') continue;
    }
    const s = v;
    switch (t) {
      case 'trim':
        v = s.trim();
        break;
      case 'lower':
        v = s.toLowerCase();
        break;
      case 'upper':
        v = s.toUpperCase();
        break;
      case 'title':
        v = s
          .toLowerCase()
          .replace(/(^|[\s'-])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
        break;
      case 'digits':
        v = s.replace(/\D/g, '');
        break;
      case 'number':
      case 'number-comma': {
        if (s.trim() === '') {
          v = '';
          break;
        }
        const parsed = parseNumber(s, NUMBER_STYLES[t]);
        if (parsed === null) return new NumberUnreadable(s, NUMBER_STYLES[t]);
        v = parsed;
        break;
      }
      case 'boolean':
        v = TRUE.has(s.trim().toLowerCase()) ? 'true' : FALSE.has(s.trim().toLowerCase()) ? 'false' : s;
        break;
      default:
        break;
    }
  }
  return v;
}

function shown(value: unknown): string {
  return typeof value === 'string'
    ? `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`
    : JSON.stringify(value);
}

function invalid(field: FieldInfo, value: unknown, expected: string): { error: ValueError } {
  return {
    error: {
      code: 'VALUE_INVALID',
      message: `${field.name}: ${shown(value)} is not ${expected}`,
      fields: [field.name],
    },
  };
}

/** An error as Salesforce would give it for this field. */
function refused(field: FieldInfo, code: string, message: string): { error: ValueError } {
  return { error: { code, message: `${field.name}: ${message}`, fields: [field.name] } };
}

/** Email addresses as Salesforce accepts them, loosely: what fails here fails there too. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function parseDateTimeValue(text: string, source: FieldSource, zone: string | undefined): DateTime | null {
  const opts = zone ? { zone, setZone: true } : { setZone: true };
  if (source.format) {
    const d = DateTime.fromFormat(text, source.format, opts);
    return d.isValid ? d : null;
  }
  const d = DateTime.fromISO(text.replace(' ', 'T'), opts);
  return d.isValid ? d : null;
}

const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/** A number field: a plain number (or one a transform made), whole for int and long, within the field's digits. */
function coerceNumber(field: FieldInfo, value: unknown, source: FieldSource): Coerced {
  const type = field.type;
  const n =
    typeof value === 'number'
      ? value
      : /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(String(value))
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n))
    return invalid(
      field,
      value,
      source.transform.some((t) => t === 'number' || t === 'number-comma')
        ? 'a number'
        : 'a number (use transform: number for values like "1,234.50")',
    );
  if ((type === 'int' || type === 'long') && !Number.isInteger(n))
    return invalid(field, value, 'a whole number');
  // Salesforce's range: int by its digits, the others by precision minus scale (digits before the point).
  const digits = type === 'int' ? field.digits : type === 'long' ? 0 : field.precision - field.scale;
  if (digits > 0 && Math.abs(n) >= 10 ** digits)
    return refused(
      field,
      'NUMBER_OUTSIDE_VALID_RANGE',
      `value outside of valid range on numeric field: ${n} (at most ${digits} digits before the decimal point)`,
    );
  return { value: n };
}

/** A date or a date and time: ISO 8601 or the mapping's format, a date and time with a zone (its own or the mapping's). */
function coerceDateTime(
  field: FieldInfo,
  value: unknown,
  source: FieldSource,
  mappingZone: string | undefined,
): Coerced {
  const type = field.type;
  if (typeof value !== 'string') return invalid(field, value, type === 'date' ? 'a date' : 'a date and time');
  const text = value.trim();
  const zone = source.timezone ?? mappingZone;
  if (type === 'date') {
    const d = parseDateTimeValue(text, source, zone);
    if (!d)
      return invalid(
        field,
        value,
        `a date${source.format ? ` in the format ${source.format}` : ' (yyyy-MM-dd, or set format in the mapping)'}`,
      );
    return { value: d.toFormat('yyyy-MM-dd') };
  }
  if (!source.format && !HAS_OFFSET.test(text) && !zone && /T|\d \d/.test(text)) {
    return refused(
      field,
      'TIMEZONE_MISSING',
      `"${text}" has no time zone offset; add timezone (e.g. timezone: Europe/Paris) to the mapping`,
    );
  }
  const d = parseDateTimeValue(text, source, zone ?? 'UTC');
  if (!d)
    return invalid(
      field,
      value,
      `a date and time${source.format ? ` in the format ${source.format}` : ' (ISO 8601, e.g. 2024-05-01T09:30:00Z)'}`,
    );
  return { value: d.toUTC().toISO({ suppressMilliseconds: false }) as string };
}

/**
 * Turns a mapped value into what the field's type needs, in Salesforce's wire format, or explains why not.
 * Empty values never get here: the null policy handles them first.
 */
export function coerceValue(
  field: FieldInfo,
  value: unknown,
  source: FieldSource,
  mappingZone: string | undefined,
): Coerced {
  const type = field.type;
  if (type === 'boolean') {
    if (typeof value === 'boolean') return { value };
    const s = String(value).trim().toLowerCase();
    if (TRUE.has(s)) return { value: true };
    if (FALSE.has(s)) return { value: false };
    return invalid(field, value, 'true or false');
  }
  if (NUMBER_TYPES.has(type)) return coerceNumber(field, value, source);
  if (type === 'date' || type === 'datetime') return coerceDateTime(field, value, source, mappingZone);
  if (type === 'reference' || type === 'id') {
    const s = String(value).trim();
    if (!ID.test(s)) return refused(field, 'MALFORMED_ID', `${shown(s)} is not a Salesforce id`);
    return { value: s };
  }
  if (typeof value === 'object') return invalid(field, value, 'text');
  const s = String(value);
  if (field.length > 0 && s.length > field.length)
    return refused(
      field,
      'STRING_TOO_LONG',
      `the value has ${s.length} characters, more than the field's ${field.length}`,
    );
  if (type === 'email' && !EMAIL.test(s))
    return refused(field, 'INVALID_EMAIL_ADDRESS', `${shown(s)} is not an email address`);
  if ((type === 'picklist' || type === 'multipicklist') && field.restrictedPicklist) {
    const allowed = field.picklistValues.filter((p) => p.active).map((p) => p.value);
    const bad = (type === 'multipicklist' ? s.split(';') : [s]).find((p) => !allowed.includes(p));
    if (bad !== undefined)
      return refused(
        field,
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${shown(bad)} is not one of its values (${allowed.slice(0, 10).join(', ')}${allowed.length > 10 ? ', ...' : ''})`,
      );
  }
  return { value: s };
}
