import type { FieldDescribe } from '../metadata.js';
import { isNumberType, type Value } from '../values.js';

/*
 * The org user's locale and time zone, as its identity document says (en_US, America/Los_Angeles): what
 * `toLabel()`, `FORMAT()` and `convertTimezone()` read [doc SOQL "toLabel()", "FORMAT()", "convertTimezone()"].
 * The exact text FORMAT() gives for each type in en_US is [unverified].
 */

export const USER_TIME_ZONE = 'America/Los_Angeles';

const offsetFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: USER_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The user's wall-clock time at an instant, as milliseconds of a UTC clock showing it. */
export function userWallClock(ms: number): number {
  const parts = Object.fromEntries(offsetFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
    ms % 1000,
  );
}

/** A picklist value's label (toLabel); values not in the list show as they are. */
export function labelOf(field: FieldDescribe, value: Value): Value {
  if (typeof value !== 'string') return value;
  const label = (v: string): string => field.picklistValues.find((p) => p.value === v)?.label ?? v;
  return field.type === 'multipicklist' ? value.split(';').map(label).join(';') : label(value);
}

/** A value as the user's locale shows it (FORMAT): numbers grouped, currency with its symbol, local dates. */
export function formatted(field: FieldDescribe, value: Value): Value {
  if (value === null || typeof value === 'boolean') return value;
  if (field.type === 'currency')
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: field.scale,
      maximumFractionDigits: field.scale,
    }).format(Number(value));
  if (isNumberType(field))
    return new Intl.NumberFormat('en-US', { maximumFractionDigits: field.scale || 0 }).format(Number(value));
  if (field.type === 'date' && typeof value === 'string') {
    const [y, m, d] = value.split('-').map(Number);
    return `${m}/${d}/${y}`;
  }
  if (field.type === 'datetime' && typeof value === 'string') {
    const ms = Date.parse(value.replace(/\+0000$/, 'Z'));
    return new Intl.DateTimeFormat('en-US', {
      timeZone: USER_TIME_ZONE,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
    }).format(ms);
  }
  return value;
}
