import { DateTime } from 'luxon';
import type { FieldInfo } from '../salesforce/types.js';
import type { FieldSource, Transform } from './types.js';

export interface ValueError {
  code: string;
  message: string;
}

export type Coerced = { value: string | number | boolean } | { error: ValueError };

const TRUE = new Set(['true', 'yes', 'y', '1', 'on', 't']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'f']);
/** Every word the boolean transform (and a boolean field) reads. */
export const BOOLEAN_WORDS: ReadonlySet<string> = new Set([...TRUE, ...FALSE]);
const ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export function applyTransforms(value: unknown, transforms: Transform[]): unknown {
  let v = value;
  for (const t of transforms) {
    if (typeof v !== 'string') {
      if (t === 'number' || t === 'number-comma' || t === 'boolean') continue;
      v = v === undefined || v === null ? v : String(v);
      if (typeof v !== 'string') continue;
    }
    const s = v as string;
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
      case 'number': {
        // "1,234.50", "$ 1 234", "-12.5%": keep the digits, sign and decimal point.
        const cleaned = s.replace(/[^\d.-]/g, '');
        v = cleaned === '' ? '' : cleaned;
        break;
      }
      case 'number-comma': {
        // "1.234,50 €", "-1 234,5": a decimal comma; points and spaces only group thousands.
        v = s.replace(/[^\d,-]/g, '').replace(',', '.');
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

function invalid(field: FieldInfo, value: unknown, expected: string): { error: ValueError } {
  const shown =
    typeof value === 'string'
      ? `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`
      : JSON.stringify(value);
  return { error: { code: 'VALUE_INVALID', message: `${field.name}: ${shown} is not ${expected}` } };
}

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
  if (['int', 'double', 'currency', 'percent', 'long'].includes(type)) {
    const n =
      typeof value === 'number'
        ? value
        : /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(String(value))
          ? Number(value)
          : NaN;
    if (!Number.isFinite(n))
      return invalid(field, value, 'a number (use transform: number for values like "1,234.50")');
    if ((type === 'int' || type === 'long') && !Number.isInteger(n))
      return invalid(field, value, 'a whole number');
    return { value: n };
  }
  if (type === 'date' || type === 'datetime') {
    if (typeof value !== 'string')
      return invalid(field, value, type === 'date' ? 'a date' : 'a date and time');
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
      return {
        error: {
          code: 'TIMEZONE_MISSING',
          message: `${field.name}: "${text}" has no time zone offset; add timezone (e.g. timezone: Europe/Paris) to the mapping`,
        },
      };
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
  if (type === 'reference' || type === 'id') {
    const s = String(value).trim();
    if (!ID.test(s))
      return { error: { code: 'MALFORMED_ID', message: `${field.name}: "${s}" is not a Salesforce id` } };
    return { value: s };
  }
  if (typeof value === 'object') return invalid(field, value, 'text');
  const s = String(value);
  if (field.length > 0 && s.length > field.length) {
    return {
      error: {
        code: 'STRING_TOO_LONG',
        message: `${field.name}: the value has ${s.length} characters, more than the field's ${field.length}`,
      },
    };
  }
  if ((type === 'picklist' || type === 'multipicklist') && field.restrictedPicklist) {
    const allowed = field.picklistValues.filter((p) => p.active).map((p) => p.value);
    const bad = (type === 'multipicklist' ? s.split(';') : [s]).find((p) => !allowed.includes(p));
    if (bad !== undefined) {
      return {
        error: {
          code: 'PICKLIST_VALUE_INVALID',
          message: `${field.name}: "${bad}" is not one of its values (${allowed.slice(0, 10).join(', ')}${allowed.length > 10 ? ', ...' : ''})`,
        },
      };
    }
  }
  return { value: s };
}
