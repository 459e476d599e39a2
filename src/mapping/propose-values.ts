import { DateTime } from 'luxon';
import type { FieldInfo } from '../salesforce/types.js';
import { BOOLEAN_WORDS } from './coerce.js';
import type { Transform } from './types.js';

/** How a column's values become the field's: transforms and a date format, with what the sample showed. */
export interface ValueProposal {
  transform: Transform[];
  format?: string;
  /** What was decided and why, or what does not fit: for the written mapping and the wizard. */
  note?: string;
}

const DATE_FORMATS = [
  'MM/dd/yyyy',
  'dd/MM/yyyy',
  'M/d/yyyy',
  'd/M/yyyy',
  'dd.MM.yyyy',
  'd.M.yyyy',
  'dd-MM-yyyy',
  'MM-dd-yyyy',
  'yyyy/MM/dd',
  'yyyy.MM.dd',
  'MM/dd/yy',
  'dd/MM/yy',
  'M/d/yy',
  'd/M/yy',
  'dd.MM.yy',
  'd MMM yyyy',
  'MMM d, yyyy',
  'yyyyMMdd',
];
const TIME_FORMATS = [' HH:mm', ' HH:mm:ss', ' H:mm', ' h:mm a', ' h:mm:ss a'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long']);
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function fits(values: string[], format: string): number {
  let n = 0;
  for (const v of values) if (DateTime.fromFormat(v, format, { zone: 'UTC' }).isValid) n++;
  return n;
}

/** The date (or date and time) format under which most sampled values parse; day-first or month-first by the values. */
function proposeDateFormat(values: string[], withTime: boolean): ValueProposal {
  if (values.every((v) => ISO_DATE.test(v) || (withTime && ISO_DATETIME.test(v)))) {
    const local = withTime
      ? values.find((v) => ISO_DATETIME.test(v) && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(v))
      : undefined;
    return local
      ? {
          transform: [],
          note: `datetimes without a time zone offset (e.g. "${local}"): add timezone (e.g. timezone: Europe/Paris) to the mapping`,
        }
      : { transform: [] };
  }
  const candidates = withTime
    ? DATE_FORMATS.flatMap((d) => [...TIME_FORMATS.map((t) => d + t), d])
    : DATE_FORMATS;
  const scored = candidates.map((format) => ({ format, n: fits(values, format) }));
  const best = scored.reduce((a, b) => (b.n > a.n ? b : a), { format: '', n: 0 });
  const iso = values.filter((v) => ISO_DATE.test(v) || ISO_DATETIME.test(v)).length;
  if (best.n === 0 || best.n < iso) {
    const bad = values.find((v) => !ISO_DATE.test(v) && !ISO_DATETIME.test(v));
    return {
      transform: [],
      note: `${values.length - iso} of ${values.length} sampled values are not dates in a known format (e.g. "${bad}"): set format to match them`,
    };
  }
  const ties = scored.filter((s) => s.n === best.n && s.format !== best.format).map((s) => s.format);
  const swapped = ties.find(
    (f) => f.replace(/d/g, '#').replace(/M/g, 'd').replace(/#/g, 'M') === best.format,
  );
  const notes = [`${best.n} of ${values.length} sampled values fit ${best.format}`];
  if (swapped)
    notes.push(`they also fit ${swapped} (no day above 12 in the sample): check which one the file uses`);
  if (best.n < values.length) {
    const bad = values.find((v) => !DateTime.fromFormat(v, best.format, { zone: 'UTC' }).isValid);
    notes.push(`the others (e.g. "${bad}") will be rejected`);
  }
  return { transform: [], format: best.format, note: notes.join('; ') };
}

/** `1.234,50` (comma decimal) or `$1,234.50` (point decimal), decided by the values; null when plain numbers. */
function proposeNumber(values: string[]): ValueProposal | null {
  if (values.every((v) => PLAIN_NUMBER.test(v))) return null;
  const comma = values.filter((v) => /,\d{1,2}\D*$|\.\d{3}[.,]/.test(v));
  const point = values.filter((v) => /\.\d{1,2}\D*$|,\d{3}[.,]/.test(v));
  if (comma.length > point.length)
    return {
      transform: ['number-comma'],
      note: `decimal comma, as in "${comma[0]}": points and spaces are thousands separators`,
    };
  return { transform: ['number'], note: `numbers written like "${point[0] ?? values[0]}"` };
}

/**
 * Proposes how a column's values become the field's: `trim` where values have spaces around them, a date
 * format decided by the values, number parsing for `$1,234.50` or `1.234,50`, booleans for Y/N, yes/no, 1/0.
 */
export function proposeValues(field: FieldInfo, sampled: string[]): ValueProposal {
  const values = sampled.filter((v) => v.trim() !== '');
  const transform: Transform[] = values.some((v) => v !== v.trim()) ? ['trim'] : [];
  const trimmed = values.map((v) => v.trim());
  if (trimmed.length === 0) return { transform };
  let typed: ValueProposal | null = null;
  if (field.type === 'date' || field.type === 'datetime')
    typed = proposeDateFormat(trimmed, field.type === 'datetime');
  else if (NUMBER_TYPES.has(field.type)) typed = proposeNumber(trimmed);
  else if (field.type === 'boolean') {
    const words = new Set(trimmed.map((v) => v.toLowerCase()));
    if (
      [...words].every((w) => BOOLEAN_WORDS.has(w)) &&
      [...words].some((w) => w !== 'true' && w !== 'false')
    )
      typed = { transform: ['boolean'], note: `yes/no values (${[...words].slice(0, 4).join(', ')})` };
  }
  if (!typed) return { transform };
  return { ...typed, transform: [...transform, ...typed.transform] };
}
