import { normalizeId } from '../ids.js';
import type { FieldDescribe, ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import { indexKey, isNumberType, isStringType, type Row, type Value } from '../values.js';
import { positionedMessage, type Condition, type Literal } from './parse.js';
import {
  fail,
  fromObject,
  resolvePath,
  SoqlError,
  valueAt,
  type Predicate,
  type ResolvedPath,
} from './plan.js';

/* WHERE: literals checked against field types, conditions compiled to predicates, index candidates. */

function typeMismatch(soql: string, lit: Literal, field: FieldDescribe, expected: string): SoqlError {
  const quoted = expected === 'string' || expected === 'id';
  return new SoqlError(
    'INVALID_FIELD',
    positionedMessage(
      soql,
      lit.pos,
      `value of filter criterion for field '${field.name}' must be of type ${expected} and ${quoted ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`,
    ),
  );
}

/** The literal as a comparable value for the field, or a SoqlError when its type does not fit the field's. */
export function literalValue(
  soql: string,
  lit: Literal,
  field: FieldDescribe,
  now: number,
): Value | [number, number] {
  if (lit.kind === 'null') return null;
  if (field.type === 'id' || field.type === 'reference') {
    if (lit.kind !== 'string') throw typeMismatch(soql, lit, field, 'id');
    const id = normalizeId(lit.value);
    if (!id)
      throw new SoqlError(
        'INVALID_QUERY_FILTER_OPERATOR',
        positionedMessage(soql, lit.pos, `invalid ID field: ${lit.value}`),
      );
    return id;
  }
  if (field.type === 'boolean') {
    if (lit.kind !== 'boolean') throw typeMismatch(soql, lit, field, 'boolean');
    return lit.value;
  }
  if (isNumberType(field)) {
    if (lit.kind !== 'number')
      throw typeMismatch(soql, lit, field, field.type === 'int' ? 'integer' : 'double');
    return lit.value;
  }
  if (field.type === 'date' || field.type === 'datetime') {
    if (lit.kind === 'dateLiteral') return dateRange(lit, now);
    if (field.type === 'date' && lit.kind === 'date') return lit.value;
    if (field.type === 'datetime' && lit.kind === 'datetime') return lit.value;
    throw typeMismatch(soql, lit, field, field.type === 'date' ? 'date' : 'dateTime');
  }
  if (lit.kind !== 'string') throw typeMismatch(soql, lit, field, 'string');
  return lit.value;
}

const DAY = 86_400_000;

/**
 * A date literal as [start, end) in epoch ms, in the org's time zone (UTC here), weeks starting on Sunday (en_US)
 * and the fiscal year equal to the calendar year (Salesforce's default) [doc "Date Formats and Date Literals"].
 */
function dateRange(lit: Extract<Literal, { kind: 'dateLiteral' }>, now: number): [number, number] {
  const today = Math.floor(now / DAY) * DAY;
  const n = lit.n ?? 0;
  const d = new Date(today);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = (offset: number): number => today + offset * DAY;
  const week = (offset: number): number => today - d.getUTCDay() * DAY + offset * 7 * DAY;
  const month = (offset: number): number => Date.UTC(y, m + offset, 1);
  const quarter = (offset: number): number => Date.UTC(y, m - (m % 3) + 3 * offset, 1);
  const year = (offset: number): number => Date.UTC(y + offset, 0, 1);
  const units: Record<string, (offset: number) => number> = {
    DAYS: day,
    WEEKS: week,
    MONTHS: month,
    QUARTERS: quarter,
    FISCAL_QUARTERS: quarter,
    YEARS: year,
    FISCAL_YEARS: year,
  };
  const single: Record<string, [(o: number) => number, number]> = {
    YESTERDAY: [day, -1],
    TODAY: [day, 0],
    TOMORROW: [day, 1],
    LAST_WEEK: [week, -1],
    THIS_WEEK: [week, 0],
    NEXT_WEEK: [week, 1],
    LAST_MONTH: [month, -1],
    THIS_MONTH: [month, 0],
    NEXT_MONTH: [month, 1],
    LAST_QUARTER: [quarter, -1],
    THIS_QUARTER: [quarter, 0],
    NEXT_QUARTER: [quarter, 1],
    LAST_FISCAL_QUARTER: [quarter, -1],
    THIS_FISCAL_QUARTER: [quarter, 0],
    NEXT_FISCAL_QUARTER: [quarter, 1],
    LAST_YEAR: [year, -1],
    THIS_YEAR: [year, 0],
    NEXT_YEAR: [year, 1],
    LAST_FISCAL_YEAR: [year, -1],
    THIS_FISCAL_YEAR: [year, 0],
    NEXT_FISCAL_YEAR: [year, 1],
  };
  const hit = single[lit.name];
  if (hit) return [hit[0](hit[1]), hit[0](hit[1] + 1)];
  if (lit.name === 'LAST_90_DAYS') return [day(-90), day(1)];
  if (lit.name === 'NEXT_90_DAYS') return [day(1), day(91)];
  const parts = /^(LAST|NEXT)_N_(\w+)$|^N_(\w+)_AGO$/.exec(lit.name);
  const unit = units[(parts?.[2] ?? parts?.[3]) as string];
  if (!parts || !unit) throw new SoqlError('MALFORMED_QUERY', `unsupported date literal ${lit.name}`);
  // LAST_N_DAYS includes today; LAST_N_WEEKS/MONTHS/... end before the current period [doc].
  if (parts[1] === 'LAST') return unit === day ? [day(-n), day(1)] : [unit(-n), unit(0)];
  if (parts[1] === 'NEXT') return [unit(1), unit(n + 1)];
  return [unit(-n), unit(-n + 1)];
}

export function toComparable(field: FieldDescribe, v: Value): number | string | boolean | null {
  if (v === null) return null;
  if (field.type === 'datetime' && typeof v === 'string') return Date.parse(v.replace(/\+0000$/, 'Z'));
  if (field.type === 'date' && typeof v === 'string') return Date.parse(`${v}T00:00:00Z`);
  if (typeof v === 'string' && isStringType(field) && !field.caseSensitive) return v.toLowerCase();
  return v;
}

/**
 * ORDER BY on a picklist sorts by the picklist's defined order, not alphabetically [doc "ORDER BY": "sorting is
 * by the order of the values in the picklist"]; values outside the list come after it [unverified].
 */
export function sortComparable(field: FieldDescribe, v: Value): number | string | boolean | null {
  if (
    v !== null &&
    (field.type === 'picklist' || field.type === 'multipicklist') &&
    field.picklistValues.length > 0
  ) {
    const lower = String(v).toLowerCase();
    const i = field.picklistValues.findIndex((p) => p.value.toLowerCase() === lower);
    return i === -1 ? field.picklistValues.length : i;
  }
  return toComparable(field, v);
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && (pattern[i + 1] === '_' || pattern[i + 1] === '%')) {
      re += pattern[++i];
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

export function compile(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  cond: Condition,
  now: number,
): Predicate {
  switch (cond.type) {
    case 'and': {
      const parts = cond.items.map((c) => compile(store, soql, meta, c, now));
      return (row) => parts.every((p) => p(row));
    }
    case 'or': {
      const parts = cond.items.map((c) => compile(store, soql, meta, c, now));
      return (row) => parts.some((p) => p(row));
    }
    case 'not': {
      const inner = compile(store, soql, meta, cond.item, now);
      return (row) => !inner(row);
    }
    case 'semijoin':
      return semiJoin(store, soql, meta, cond, now);
    default:
      break;
  }
  const path = resolvePath(store, soql, meta, cond.field);
  const field = path.field;
  if (!field.filterable) {
    throw new SoqlError(
      'INVALID_FIELD',
      positionedMessage(soql, cond.field.pos, `field '${field.name}' can not be filtered in query call`),
    );
  }
  const get = (row: Row): number | string | boolean | null => toComparable(field, valueAt(store, row, path));
  if (cond.type === 'in') {
    const wanted = new Set(
      cond.values.map((l) => toComparable(field, literalValue(soql, l, field, now) as Value)),
    );
    return (row) => {
      const v = get(row);
      return cond.negated ? !wanted.has(v) : v !== null && wanted.has(v);
    };
  }
  if (cond.type === 'includes') {
    const sets = cond.values.map((l) => {
      if (l.kind !== 'string') throw typeMismatch(soql, l, field, 'string');
      return l.value.toLowerCase().split(';');
    });
    return (row) => {
      const v = valueAt(store, row, path);
      const have = new Set(typeof v === 'string' ? v.toLowerCase().split(';') : []);
      const hit = sets.some((s) => s.every((x) => have.has(x)));
      return cond.excludes ? !hit : hit;
    };
  }
  return comparison(store, soql, path, cond, now);
}

/** A comparison (`=`, `<`, `LIKE`…) of one field path with a literal; date literals compare as ranges. */
function comparison(
  store: OrgStore,
  soql: string,
  path: ResolvedPath,
  cond: Extract<Condition, { type: 'compare' }>,
  now: number,
): Predicate {
  const field = path.field;
  const get = (row: Row): number | string | boolean | null => toComparable(field, valueAt(store, row, path));
  const lit = literalValue(soql, cond.value, field, now);
  const op = cond.op;
  if (op === 'LIKE') {
    if (typeof lit !== 'string') throw typeMismatch(soql, cond.value, field, 'string');
    const re = likeRegex(lit);
    return (row) => {
      const v = valueAt(store, row, path);
      return typeof v === 'string' && re.test(v);
    };
  }
  if (Array.isArray(lit)) {
    const [start, end] = lit;
    return (row) => {
      const v = get(row) as number | null;
      if (v === null) return op === '!=';
      switch (op) {
        case '=':
          return v >= start && v < end;
        case '!=':
          return v < start || v >= end;
        case '<':
          return v < start;
        case '<=':
          return v < end;
        case '>':
          return v >= end;
        default:
          return v >= start;
      }
    };
  }
  const want = toComparable(field, lit);
  return (row) => {
    const v = get(row);
    if (op === '=') return v === want;
    if (op === '!=') return v !== want;
    if (v === null || want === null) return false;
    if (op === '<') return v < want;
    if (op === '>') return v > want;
    if (op === '<=') return v <= want;
    return v >= want;
  };
}

/** Ids from the equality indexes when the condition allows it, else null (a scan). */
export function candidates(
  store: OrgStore,
  soql: string,
  object: ObjectData,
  cond: Condition | null,
  now: number,
): Set<string> | null {
  if (!cond) return null;
  if (cond.type === 'and') {
    for (const c of cond.items) {
      const ids = candidates(store, soql, object, c, now);
      if (ids) return ids;
    }
    return null;
  }
  if (cond.type === 'or') {
    const union = new Set<string>();
    for (const c of cond.items) {
      const ids = candidates(store, soql, object, c, now);
      if (!ids) return null;
      for (const id of ids) union.add(id);
    }
    return union;
  }
  const direct = (cond.type === 'compare' && cond.op === '=') || (cond.type === 'in' && !cond.negated);
  if (!direct || cond.field.path.length !== 1 || cond.field.fn || cond.field.wrap) return null;
  const field = object.meta.fieldByLower.get((cond.field.path[0] as string).toLowerCase());
  if (!field || !field.filterable) return null;
  const literals = cond.type === 'in' ? cond.values : [cond.value];
  const out = new Set<string>();
  for (const lit of literals) {
    const v = literalValue(soql, lit, field, now);
    if (v === null || Array.isArray(v)) return null;
    if (field.name === 'Id') {
      if (object.live.has(v as string)) out.add(v as string);
      continue;
    }
    const key = indexKey(field, v);
    if (key === null) return null;
    for (const id of store.index(object, field).get(key) ?? []) out.add(id);
  }
  return out;
}

const ID_TYPES = new Set(['id', 'reference']);

/** `Id IN (SELECT AccountId FROM Contact …)`: the inner query runs once; rows match by its one id column. */
function semiJoin(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  cond: Extract<Condition, { type: 'semijoin' }>,
  now: number,
): Predicate {
  const outer = resolvePath(store, soql, meta, cond.field);
  if (!ID_TYPES.has(outer.field.type)) {
    throw fail(
      soql,
      cond.field.pos,
      'INVALID_FIELD',
      `semi join sub selects are only supported on id fields, '${outer.field.name}' is not an id field`,
    );
  }
  const inner = cond.query;
  const object = fromObject(store, soql, inner);
  const items = inner.select;
  const only = items[0];
  if (items.length !== 1 || only?.type !== 'field')
    throw fail(soql, cond.pos, 'MALFORMED_QUERY', 'The inner select field must be a single field');
  if (inner.groupBy.length > 0 || inner.orderBy.length > 0 || inner.offset !== null) {
    throw fail(
      soql,
      cond.pos,
      'MALFORMED_QUERY',
      'Semi join sub-selects are not allowed ORDER BY, GROUP BY or OFFSET',
    );
  }
  const path = resolvePath(store, soql, object.meta, only.field);
  if (!ID_TYPES.has(path.field.type)) {
    throw fail(soql, only.field.pos, 'INVALID_FIELD', `semi join sub selects can only select ID fields`);
  }
  if (inner.where && containsSemiJoin(inner.where))
    throw fail(soql, cond.pos, 'MALFORMED_QUERY', 'Nesting of semi join sub-selects is not supported');
  const predicate = inner.where ? compile(store, soql, object.meta, inner.where, now) : () => true;
  const ids = new Set<string>();
  let taken = 0;
  for (const row of object.live.values()) {
    if (inner.limit !== null && taken >= inner.limit) break;
    if (!predicate(row)) continue;
    taken++;
    const v = valueAt(store, row, path);
    if (typeof v === 'string') ids.add(v);
  }
  return (row) => {
    const v = valueAt(store, row, outer);
    if (cond.negated) return typeof v !== 'string' || !ids.has(v);
    return typeof v === 'string' && ids.has(v);
  };
}

function containsSemiJoin(cond: Condition): boolean {
  if (cond.type === 'semijoin') return true;
  if (cond.type === 'and' || cond.type === 'or') return cond.items.some(containsSemiJoin);
  if (cond.type === 'not') return containsSemiJoin(cond.item);
  return false;
}
