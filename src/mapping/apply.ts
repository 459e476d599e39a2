import { applyTransforms, coerceValue, NumberUnreadable, type ValueError } from './coerce.js';
import { combineErrors, missingRequired } from './required.js';
import type { CompiledField, CompiledMapping } from './compile.js';
import type { FieldSource } from './types.js';
import { isOriginColumn } from '../input/results-columns.js';
import { shortName } from './did-you-mean.js';

export type Scalar = string | number | boolean;

/** A parent Id still to find: `target` (AccountId) gets the Id of the `object` whose `field` equals `value`. */
export interface PendingLookup {
  target: string;
  compiled: CompiledField;
  value: Scalar;
}

export interface MappedRecord {
  line: number;
  /** The input as read, for the failures file. */
  input: Record<string, unknown>;
  /** What would be sent to Salesforce: field values, nulls to clear, nested parent references. */
  payload: Record<string, unknown>;
  lookups: PendingLookup[];
  error?: ValueError;
  /** Where input and payload wait in the engine's spool while the record is in flight (offset, length). */
  spoolAt?: number;
  spoolBytes?: number;
  /** The `original_line` of a results file fed back in, kept when the input is spooled (for the failure summary). */
  originalLine?: number;
  /**
   * The outcome the engine decided for the record, written when its batch ends (engine-outcomes.ts). Kept on the
   * record rather than in a Map keyed by it: a Map gives each of millions of records an identity hash (and the
   * property store that holds it), and a lookup, a store and a delete.
   */
  settled?: unknown;
}

/**
 * A column of a CSV record, or a path (`traits.email`) into an NDJSON record; header case is forgiven. Only the
 * record's own keys are read: `constructor` or `__proto__` must never reach JavaScript's built-ins.
 */
export function readPath(record: Record<string, unknown>, path: string): unknown {
  const whole = ownKey(record, path);
  if (whole !== undefined) return record[whole];
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    const obj = current as Record<string, unknown>;
    const key = ownKey(obj, part);
    if (key === undefined) return undefined;
    current = obj[key];
  }
  return current;
}

/** The record's own key spelled `name`, exactly or in another case. */
function ownKey(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function rawValue(record: Record<string, unknown>, source: FieldSource): unknown {
  if (source.column !== undefined) return readPath(record, source.column);
  if (source.template !== undefined) {
    let anyValue = false;
    const text = source.template.replace(/\{([^}]+)\}/g, (_m, col: string) => {
      const v = readPath(record, col.trim());
      if (!isEmpty(v)) anyValue = true;
      return isEmpty(v) ? '' : String(v);
    });
    return anyValue ? text.trim() : '';
  }
  return source.value;
}

/**
 * Maps one input record: pure, no I/O. Lookups are left for the batch to resolve together. Every problem of the
 * record is reported, not only the first; for a create, so are the required fields it leaves empty.
 */
/**
 * The lookups of the many records that have none: one shared (frozen) array instead of an empty one per record,
 * which for a Bulk job of 300,000 records waiting for its results was 10 MB.
 */
const NO_LOOKUPS: PendingLookup[] = Object.freeze([]) as unknown as PendingLookup[];

export function applyMapping(
  compiled: CompiledMapping,
  line: number,
  input: Record<string, unknown>,
  mappingZone?: string,
): MappedRecord {
  // Every field the engine may set later is declared here, so records keep one shape and no side storage.
  const out: MappedRecord = {
    line,
    input,
    payload: {},
    lookups: NO_LOOKUPS,
    spoolAt: -1,
    spoolBytes: 0,
    settled: undefined,
  };
  // Allocated only for records with problems: most records have none, and this runs for each of millions.
  let errors: ValueError[] | undefined;
  let refused: Set<string> | undefined;
  for (const f of compiled.fields) {
    const transformed = applyTransforms(rawValue(input, f.source), f.source.transform);
    if (transformed instanceof NumberUnreadable) {
      const filled = (f.referenceField ?? f.valueField).name;
      (errors ??= []).push({ ...transformed.error(f.target), fields: [filled] });
      (refused ??= new Set()).add(filled);
      continue;
    }
    if (isEmpty(transformed)) {
      if (f.nulls === 'clear')
        out.payload[f.kind === 'parentRef' ? (f.referenceField?.name ?? f.target) : f.target] = null;
      continue;
    }
    let error: ValueError | undefined;
    if (typeof transformed === 'object') {
      error = {
        code: 'VALUE_INVALID',
        message: `${f.target}: expected a single value, got ${Array.isArray(transformed) ? 'a list' : 'an object'}`,
      };
    } else if (typeof transformed === 'string' && transformed.includes('\u0000')) {
      error = {
        code: 'VALUE_INVALID',
        message: `${f.target}: the value contains a NUL character (binary data in a text file?)`,
      };
    } else {
      const coerced = coerceValue(f.valueField, transformed, f.source, mappingZone);
      if ('error' in coerced) error = coerced.error;
      else if (f.kind === 'field') out.payload[f.target] = coerced.value;
      else if (f.kind === 'parentRef') out.payload[f.target] = { [f.valueField.name]: coerced.value };
      else
        (out.lookups === NO_LOOKUPS ? (out.lookups = []) : out.lookups).push({
          target: f.target,
          compiled: f,
          value: coerced.value,
        });
    }
    if (error) {
      const filled = (f.referenceField ?? f.valueField).name;
      (errors ??= []).push({ ...error, fields: error.fields ?? [filled] });
      (refused ??= new Set()).add(filled);
    }
  }
  const unmapped = compiled.onlyKeys && unmappedKeys(compiled.onlyKeys, input);
  if (unmapped) (errors ??= []).push(unmapped);
  if (errors) {
    if (compiled.operation === 'create') {
      const lookedUp = new Set([...(refused ?? []), ...out.lookups.map((l) => l.target)]);
      const missing = missingRequired(compiled.object, out.payload, 'create', lookedUp);
      if (missing) errors.push(missing);
    }
    out.error = combineErrors(errors);
  }
  return out;
}

/**
 * Without a mapping, NDJSON keys are fields, taken from the first record: a later record with a value under a key
 * the first lacks would lose it silently. It is refused, naming the keys.
 */
function unmappedKeys(known: ReadonlySet<string>, input: Record<string, unknown>): ValueError | undefined {
  let extra: string[] | undefined;
  for (const k in input)
    if (!known.has(k) && !isOriginColumn(k) && !isEmpty(input[k])) (extra ??= []).push(k);
  if (!extra) return undefined;
  const names = extra
    .slice(0, 5)
    .map((k) => shortName(k))
    .join(', ');
  return {
    code: 'KEY_NOT_MAPPED',
    message: `${names}${extra.length > 5 ? ', …' : ''}: not ${extra.length === 1 ? 'a key' : 'keys'} of the first record, whose keys are the fields written without a mapping file; not sent, so no value is lost. Give the first record every key (null where it has no value), or use --mapping.`,
    fields: extra,
  };
}
