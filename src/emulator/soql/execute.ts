import { normalizeId } from '../ids.js';
import type { FieldDescribe, ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import { childRelationship } from '../child-relationships.js';
import { formatDateTime, indexKey, isNumberType, isStringType, type Row, type Value } from '../values.js';
import {
  parseSoql,
  positionedMessage,
  SoqlSyntaxError,
  type AggregateExpr,
  type Condition,
  type FieldRef,
  type Literal,
  type OrderBy,
  type Query,
  type SelectItem,
} from './parse.js';

export class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** A resolved field path: the relationship hops from the queried object, then the field. */
interface ResolvedPath {
  hops: FieldDescribe[];
  /** The field, or for a date function a number (date for DAY_ONLY) field standing for its result. */
  field: FieldDescribe;
  /** The names as the client wrote them, corrected to describe's casing. */
  names: string[];
  /** A date function and the date or datetime field it reads. */
  fn?: { name: string; source: FieldDescribe };
}

/** One column of a record query's output: a field (maybe through parents) or a child subquery. */
export type Column =
  | { kind: 'field'; path: ResolvedPath }
  | { kind: 'children'; sub: ChildPlan }
  | { kind: 'typeof'; plan: TypeOfPlan };

/** TYPEOF on a polymorphic parent: the fields to return for each type of parent. */
interface TypeOfPlan {
  name: string;
  field: FieldDescribe;
  byType: Map<string, FieldDescribe[]>;
  /** ELSE: field names, looked up on whatever type the parent turns out to be. */
  otherwise: string[] | null;
}

interface ChildPlan {
  relationshipName: string;
  object: ObjectData;
  /** The child's reference field that points at the parent. */
  field: FieldDescribe;
  columns: Column[];
  predicate: Predicate;
  order: SortKey[];
  limit: number | null;
  offset: number | null;
}

interface SortKey {
  path: ResolvedPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface QueryPlan {
  object: ObjectData;
  countOnly: boolean;
  /** GROUP BY or aggregate functions: rows are AggregateResult records. */
  aggregate: boolean;
  /** The plain field columns, in SELECT order (what a Bulk query job writes). */
  select: ResolvedPath[];
  columns: Column[];
  hasSubqueries: boolean;
  /** TYPEOF, which Bulk queries refuse. */
  hasTypeOf: boolean;
}

export interface QueryResult {
  plan: QueryPlan;
  rows: Row[];
  totalSize: number;
  /** A row as the REST API returns it. */
  project(row: Row, baseUrl: string): Record<string, unknown>;
}

function resolvePath(store: OrgStore, soql: string, meta: ObjectMeta, ref: FieldRef): ResolvedPath {
  if (ref.fn) {
    const inner = resolvePath(store, soql, meta, { path: ref.path, pos: ref.pos });
    const source = inner.field;
    const needsTime = ref.fn === 'DAY_ONLY' || ref.fn === 'HOUR_IN_DAY';
    if (!(source.type === 'datetime' || (!needsTime && source.type === 'date'))) {
      throw new SoqlError(
        'MALFORMED_QUERY',
        positionedMessage(soql, ref.pos, `Invalid date function argument: ${ref.fn}(${source.name})`),
      );
    }
    const isDate = ref.fn === 'DAY_ONLY';
    const field: FieldDescribe = {
      ...source,
      type: isDate ? 'date' : 'int',
      soapType: isDate ? 'xsd:date' : 'xsd:int',
      filterable: true,
      groupable: true,
      sortable: true,
      aggregatable: true,
    };
    return { ...inner, field, fn: { name: ref.fn, source } };
  }
  const hops: FieldDescribe[] = [];
  const names: string[] = [];
  let current = meta;
  // A path may start with the object's own name: SELECT Account.Name FROM Account.
  const path =
    ref.path.length > 1 && ref.path[0]?.toLowerCase() === meta.name.toLowerCase()
      ? ref.path.slice(1)
      : ref.path;
  for (let i = 0; i < path.length - 1; i++) {
    const rel = current.relationshipByLower.get((path[i] as string).toLowerCase());
    const target = rel ? store.schema.get(rel.referenceTo[0] ?? '') : undefined;
    if (!rel || !target) {
      throw new SoqlError(
        'INVALID_FIELD',
        positionedMessage(
          soql,
          ref.pos,
          `Didn't understand relationship '${path[i]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      );
    }
    hops.push(rel);
    names.push(rel.relationshipName as string);
    current = target;
  }
  const last = path[path.length - 1] as string;
  const field = current.fieldByLower.get(last.toLowerCase());
  if (!field) {
    throw new SoqlError(
      'INVALID_FIELD',
      positionedMessage(
        soql,
        ref.pos,
        `No such column '${last}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
    );
  }
  names.push(field.name);
  return { hops, field, names };
}

function valueAt(store: OrgStore, row: Row, path: ResolvedPath): Value {
  let current: Row | undefined = row;
  for (const hop of path.hops) {
    const parentId: Value | undefined = current?.[hop.name];
    current = typeof parentId === 'string' ? store.find(parentId)?.row : undefined;
    if (!current) return null;
  }
  if (path.fn) return dateFunction(path.fn.name, path.fn.source, current?.[path.fn.source.name] ?? null);
  return current?.[path.field.name] ?? null;
}

/** A date function of a stored date or datetime, in the org's time zone (UTC here), fiscal = calendar year. */
function dateFunction(fn: string, source: FieldDescribe, v: Value): Value {
  if (typeof v !== 'string') return null;
  const ms = source.type === 'date' ? Date.parse(`${v}T00:00:00Z`) : Date.parse(v.replace(/\+0000$/, 'Z'));
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const dayInYear = Math.floor((ms - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
  switch (fn) {
    case 'CALENDAR_MONTH':
    case 'FISCAL_MONTH':
      return d.getUTCMonth() + 1;
    case 'CALENDAR_QUARTER':
    case 'FISCAL_QUARTER':
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'CALENDAR_YEAR':
    case 'FISCAL_YEAR':
      return year;
    case 'DAY_IN_MONTH':
      return d.getUTCDate();
    case 'DAY_IN_WEEK':
      return d.getUTCDay() + 1;
    case 'DAY_IN_YEAR':
      return dayInYear;
    case 'DAY_ONLY':
      return d.toISOString().slice(0, 10);
    case 'HOUR_IN_DAY':
      return d.getUTCHours();
    case 'WEEK_IN_MONTH':
      return Math.floor((d.getUTCDate() - 1) / 7) + 1;
    default:
      return Math.floor((dayInYear - 1) / 7) + 1;
  }
}

// ---- literal checks and comparison ----

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
function literalValue(
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

function toComparable(field: FieldDescribe, v: Value): number | string | boolean | null {
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
function sortComparable(field: FieldDescribe, v: Value): number | string | boolean | null {
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

type Predicate = (row: Row) => boolean;

function compile(store: OrgStore, soql: string, meta: ObjectMeta, cond: Condition, now: number): Predicate {
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
function candidates(
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
  if (!direct || cond.field.path.length !== 1 || cond.field.fn) return null;
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

function fail(soql: string, pos: number, code: string, detail: string): SoqlError {
  return new SoqlError(code, positionedMessage(soql, pos, detail));
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

function fromObject(store: OrgStore, soql: string, query: Query): ObjectData {
  const object = store.object(query.from.name);
  if (!object) {
    throw fail(
      soql,
      query.from.pos,
      'INVALID_TYPE',
      `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  return object;
}

type Comparable = number | string | boolean | null;

function compareRows(a: Comparable, b: Comparable, nullsLast: boolean): number {
  if (a === b) return 0;
  if (a === null) return nullsLast ? 1 : -1;
  if (b === null) return nullsLast ? -1 : 1;
  return a < b ? -1 : 1;
}

function sortKeys(store: OrgStore, soql: string, meta: ObjectMeta, orderBy: OrderBy[]): SortKey[] {
  return orderBy.map((o) => {
    if (o.aggregate)
      throw fail(soql, o.aggregate.pos, 'MALFORMED_QUERY', 'Ordered field must be grouped or aggregated');
    const path = resolvePath(store, soql, meta, o.field);
    if (!path.field.sortable) {
      throw fail(
        soql,
        o.field.pos,
        'INVALID_FIELD',
        `field '${path.field.name}' can not be sorted in a query call`,
      );
    }
    return { path, descending: o.descending, nullsLast: o.nullsLast };
  });
}

function sortRows(store: OrgStore, rows: Row[], order: SortKey[]): void {
  if (order.length === 0) return;
  rows.sort((a, b) => {
    for (const o of order) {
      const c = compareRows(
        sortComparable(o.path.field, valueAt(store, a, o.path)),
        sortComparable(o.path.field, valueAt(store, b, o.path)),
        o.nullsLast,
      );
      if (c !== 0) return o.descending ? -c : c;
    }
    return 0;
  });
}

function window(rows: Row[], limit: number | null, offset: number | null): Row[] {
  let out = rows;
  if (offset !== null) {
    if (offset > 2000)
      throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`);
    out = out.slice(offset);
  }
  if (limit !== null) out = out.slice(0, limit);
  return out;
}

/**
 * The field columns of a SELECT list, FIELDS() expanded in describe order; a field selected twice is refused
 * as Salesforce does [doc "FIELDS()": `duplicate field selected: Id`, INVALID_FIELD].
 */
function fieldColumns(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  query: Query,
  expand: (item: SelectItem) => Column[] = () => [],
): Column[] {
  const columns: Column[] = [];
  const seen = new Set<string>();
  const add = (path: ResolvedPath): void => {
    if (path.fn) {
      throw new SoqlError(
        'MALFORMED_QUERY',
        `Date functions like ${path.fn.name}() are only allowed in aggregate queries (with GROUP BY)`,
      );
    }
    const key = pathKey(path);
    if (seen.has(key))
      throw new SoqlError('INVALID_FIELD', `duplicate field selected: ${path.names.join('.')}`);
    seen.add(key);
    columns.push({ kind: 'field', path });
  };
  for (const item of query.select) {
    if (item.type === 'field') add(resolvePath(store, soql, meta, item.field));
    else if (item.type === 'fields') {
      if (item.scope !== 'STANDARD' && (query.limit === null || query.limit > 200)) {
        throw fail(
          soql,
          item.pos,
          'MALFORMED_QUERY',
          'The SOQL FIELDS function must have a LIMIT of at most 200',
        );
      }
      for (const field of meta.fields) {
        if (item.scope === 'ALL' || (item.scope === 'CUSTOM') === field.custom)
          add({ hops: [], field, names: [field.name] });
      }
    } else columns.push(...expand(item));
  }
  return columns;
}

function typeOfPlan(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  item: Extract<SelectItem, { type: 'typeof' }>,
): TypeOfPlan {
  const rel = meta.relationshipByLower.get(item.relationship.name.toLowerCase());
  if (!rel || rel.referenceTo.length < 2) {
    throw fail(
      soql,
      item.relationship.pos,
      'MALFORMED_QUERY',
      `TYPEOF can only be used on a polymorphic relationship: ${item.relationship.name}`,
    );
  }
  const byType = new Map<string, FieldDescribe[]>();
  for (const when of item.whens) {
    const allowed = rel.referenceTo.some((t) => t.toLowerCase() === when.type.name.toLowerCase());
    const target = allowed ? store.schema.get(when.type.name) : undefined;
    if (!target) {
      throw fail(
        soql,
        when.type.pos,
        'INVALID_TYPE',
        `'${when.type.name}' is not a type that ${rel.relationshipName} can refer to in this org`,
      );
    }
    byType.set(
      target.name.toLowerCase(),
      when.fields.map((ref) => {
        const path = resolvePath(store, soql, target, ref);
        if (path.hops.length > 0)
          throw fail(soql, ref.pos, 'MALFORMED_QUERY', 'The local org reads only direct fields in TYPEOF');
        return path.field;
      }),
    );
  }
  return {
    name: rel.relationshipName as string,
    field: rel,
    byType,
    otherwise: item.otherwise ? item.otherwise.map((f) => f.path.join('.')) : null,
  };
}

/** A parent-to-child subquery: `(SELECT … FROM Contacts …)` inside a query on Account. */
function childPlan(
  store: OrgStore,
  soql: string,
  parent: ObjectMeta,
  item: Extract<SelectItem, { type: 'subquery' }>,
  now: number,
): ChildPlan {
  const q = item.query;
  const rel = childRelationship(store.schema, parent, q.from.name);
  const object = rel ? store.object(rel.child.name) : undefined;
  if (!rel || !object) {
    throw fail(
      soql,
      q.from.pos,
      'INVALID_TYPE',
      `Didn't understand relationship '${q.from.name}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  if (q.groupBy.length > 0 || q.select.some((s) => s.type !== 'field' && s.type !== 'fields')) {
    const bad = q.select.find((s) => s.type !== 'field' && s.type !== 'fields');
    throw fail(
      soql,
      bad && 'pos' in bad ? bad.pos : q.from.pos,
      'MALFORMED_QUERY',
      bad?.type === 'subquery'
        ? 'Nesting of sub-selects is not supported'
        : 'Aggregate functions are not supported in parent-to-child subqueries',
    );
  }
  return {
    relationshipName: rel.relationshipName as string,
    object,
    field: rel.field,
    columns: fieldColumns(store, soql, object.meta, q),
    predicate: q.where ? compile(store, soql, object.meta, q.where, now) : () => true,
    order: sortKeys(store, soql, object.meta, q.orderBy),
    limit: q.limit,
    offset: q.offset,
  };
}

function parse(soql: string): Query {
  try {
    return parseSoql(soql);
  } catch (err) {
    if (err instanceof SoqlSyntaxError) throw new SoqlError('MALFORMED_QUERY', err.salesforceMessage());
    throw err;
  }
}

export function runQuery(
  store: OrgStore,
  soql: string,
  /** explain: only validate and count, without FOR VIEW's stamps. */
  options: { all: boolean; now?: number; explain?: boolean },
): QueryResult {
  const query = parse(soql);
  const now = options.now ?? Date.now();
  const object = fromObject(store, soql, query);
  const meta = object.meta;
  const countOnly = query.select.some((s) => s.type === 'count');
  if (countOnly && query.select.length > 1) {
    const extra = query.select.find((s) => s.type !== 'count');
    throw fail(
      soql,
      extra?.type === 'field' ? extra.field.pos : extra?.type === 'aggregate' ? extra.aggregate.pos : 0,
      'MALFORMED_QUERY',
      'COUNT() must be the only element in the SELECT list.',
    );
  }
  const aggregate =
    !countOnly && (query.groupBy.length > 0 || query.select.some((s) => s.type === 'aggregate'));
  const predicate = query.where ? compile(store, soql, meta, query.where, now) : () => true;
  const ids = candidates(store, soql, object, query.where, now);
  const matched: Row[] = [];
  const source = ids
    ? [...ids].map((id) => object.live.get(id)).filter((r): r is Row => r !== undefined)
    : object.live.values();
  for (const row of source) if (predicate(row)) matched.push(row);
  if (options.all) for (const row of object.deleted.values()) if (predicate(row)) matched.push(row);
  if (aggregate) return runAggregate(store, soql, query, object, matched, now);

  const columns = fieldColumns(store, soql, meta, query, (s): Column[] => {
    if (s.type === 'subquery') return [{ kind: 'children', sub: childPlan(store, soql, meta, s, now) }];
    if (s.type === 'typeof') return [{ kind: 'typeof', plan: typeOfPlan(store, soql, meta, s) }];
    return [];
  });
  const select = columns.flatMap((c) => (c.kind === 'field' ? [c.path] : []));
  sortRows(store, matched, sortKeys(store, soql, meta, query.orderBy));
  const rows = window(matched, query.limit, query.offset);
  if (!options.explain && (query.forClause === 'VIEW' || query.forClause === 'REFERENCE')) {
    markUsed(
      object,
      rows,
      query.forClause === 'VIEW' ? ['LastViewedDate', 'LastReferencedDate'] : ['LastReferencedDate'],
      now,
    );
  }
  const plan: QueryPlan = {
    object,
    countOnly,
    aggregate: false,
    select,
    columns,
    hasSubqueries: columns.some((c) => c.kind === 'children'),
    hasTypeOf: columns.some((c) => c.kind === 'typeof'),
  };
  return {
    plan,
    rows: countOnly ? [] : rows,
    totalSize: rows.length,
    project: (row, baseUrl) => projectRecord(store, plan.object, columns, row, baseUrl, options.all),
  };
}

/**
 * FOR VIEW / FOR REFERENCE: Salesforce stamps the returned records as viewed or referenced (and adds them to the
 * most-recently-used list) without touching LastModifiedDate or SystemModstamp.
 */
function markUsed(object: ObjectData, rows: Row[], fields: string[], now: number): void {
  const present = fields.filter((f) => object.meta.fieldByLower.has(f.toLowerCase()));
  if (present.length === 0) return;
  const stamp = formatDateTime(now);
  for (const row of rows) for (const f of present) row[f] = stamp;
  // The equality indexes of these fields would now be stale; they are rebuilt on next use.
  for (const f of present) object.indexes.delete(f.toLowerCase());
}

/** A row as the REST API returns it: attributes, then the selected columns in SELECT order, parents nested. */
function projectRecord(
  store: OrgStore,
  object: ObjectData,
  columns: Column[],
  row: Row,
  baseUrl: string,
  all: boolean,
): Record<string, unknown> {
  const typeName = object.meta.name;
  const out: Record<string, unknown> = {
    attributes: { type: typeName, url: `${baseUrl}/sobjects/${typeName}/${row.Id}` },
  };
  for (const column of columns) {
    if (column.kind === 'children') {
      out[column.sub.relationshipName] = projectChildren(store, column.sub, row, baseUrl, all);
      continue;
    }
    if (column.kind === 'typeof') {
      out[column.plan.name] = projectTypeOf(store, column.plan, row, baseUrl);
      continue;
    }
    const path = column.path;
    if (path.hops.length === 0) {
      out[path.field.name] = row[path.field.name] ?? null;
      continue;
    }
    let target = out;
    let current: Row | undefined = row;
    for (let i = 0; i < path.hops.length; i++) {
      const hop = path.hops[i] as FieldDescribe;
      const relName = path.names[i] as string;
      const parentId: Value | undefined = current?.[hop.name];
      const found: ReturnType<OrgStore['find']> =
        typeof parentId === 'string' ? store.find(parentId) : undefined;
      current = found?.row;
      if (!found) {
        if (!(relName in target)) target[relName] = null;
        break;
      }
      let nested = target[relName] as Record<string, unknown> | null | undefined;
      if (!nested) {
        const t = found.object.meta.name;
        nested = { attributes: { type: t, url: `${baseUrl}/sobjects/${t}/${parentId}` } };
        target[relName] = nested;
      }
      target = nested;
      if (i === path.hops.length - 1) target[path.field.name] = current?.[path.field.name] ?? null;
    }
  }
  return out;
}

function projectTypeOf(
  store: OrgStore,
  plan: TypeOfPlan,
  row: Row,
  baseUrl: string,
): Record<string, unknown> | null {
  const parentId = row[plan.field.name];
  const found = typeof parentId === 'string' ? store.find(parentId) : undefined;
  if (!found) return null;
  const meta = found.object.meta;
  const out: Record<string, unknown> = {
    attributes: { type: meta.name, url: `${baseUrl}/sobjects/${meta.name}/${parentId}` },
  };
  const fields =
    plan.byType.get(meta.name.toLowerCase()) ??
    (plan.otherwise ?? []).flatMap((n) => meta.fieldByLower.get(n.toLowerCase()) ?? []);
  for (const f of fields) out[f.name] = found.row[f.name] ?? null;
  return out;
}

/** The nested result of a child subquery: null when the parent has no matching children. */
function projectChildren(
  store: OrgStore,
  sub: ChildPlan,
  parent: Row,
  baseUrl: string,
  all: boolean,
): Record<string, unknown> | null {
  const parentId = parent.Id;
  if (typeof parentId !== 'string') return null;
  const key = indexKey(sub.field, parentId);
  const children: Row[] = [];
  for (const id of key === null ? [] : (store.index(sub.object, sub.field).get(key) ?? [])) {
    const row = sub.object.live.get(id);
    if (row && sub.predicate(row)) children.push(row);
  }
  if (all) {
    for (const row of sub.object.deleted.values())
      if (row[sub.field.name] === parentId && sub.predicate(row)) children.push(row);
  }
  sortRows(store, children, sub.order);
  const rows = window(children, sub.limit, sub.offset);
  if (rows.length === 0) return null;
  return {
    totalSize: rows.length,
    done: true,
    records: rows.map((r) => projectRecord(store, sub.object, sub.columns, r, baseUrl, all)),
  };
}

// ---- aggregate queries ----

type AggColumn =
  | { key: string; kind: 'group'; path: ResolvedPath }
  | { key: string; kind: 'aggregate'; expr: ResolvedAggregate };

interface ResolvedAggregate {
  fn: AggregateExpr['fn'];
  /** null for COUNT(): every row counts. */
  path: ResolvedPath | null;
}

const NUMERIC_AGGREGATES = new Set(['SUM', 'AVG']);

function resolveAggregate(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  expr: AggregateExpr,
): ResolvedAggregate {
  if (!expr.field) return { fn: expr.fn, path: null };
  const path = resolvePath(store, soql, meta, expr.field);
  const field = path.field;
  if (field.aggregatable === false || (NUMERIC_AGGREGATES.has(expr.fn) && !isNumberType(field))) {
    throw fail(
      soql,
      expr.field.pos,
      'MALFORMED_QUERY',
      `field ${field.name} does not support aggregate operator ${expr.fn}`,
    );
  }
  return { fn: expr.fn, path };
}

function aggregateValue(store: OrgStore, expr: ResolvedAggregate, rows: Row[]): Value {
  const path = expr.path;
  if (!path) return rows.length;
  const values: Value[] = [];
  for (const row of rows) {
    const v = valueAt(store, row, path);
    if (v !== null) values.push(v);
  }
  switch (expr.fn) {
    case 'COUNT':
      return values.length;
    case 'COUNT_DISTINCT':
      return new Set(values.map((v) => toComparable(path.field, v))).size;
    case 'SUM':
    case 'AVG': {
      if (values.length === 0) return null;
      const sum = values.reduce<number>((a, v) => a + Number(v), 0);
      return expr.fn === 'SUM' ? sum : sum / values.length;
    }
    default: {
      let best: Value = null;
      for (const v of values) {
        if (best === null) best = v;
        else {
          const c = compareRows(toComparable(path.field, v), toComparable(path.field, best), false);
          if (expr.fn === 'MIN' ? c < 0 : c > 0) best = v;
        }
      }
      return best;
    }
  }
}

function pathKey(path: ResolvedPath): string {
  const name = path.names.join('.').toLowerCase();
  return path.fn ? `${path.fn.name}(${name})` : name;
}

function runAggregate(
  store: OrgStore,
  soql: string,
  query: Query,
  object: ObjectData,
  matched: Row[],
  now: number,
): QueryResult {
  const meta = object.meta;
  const groups = query.groupBy.map((ref) => {
    const path = resolvePath(store, soql, meta, ref);
    if (!path.field.groupable) {
      throw fail(
        soql,
        ref.pos,
        'MALFORMED_QUERY',
        `field '${path.field.name}' can not be grouped in a query call`,
      );
    }
    return path;
  });
  const grouped = new Set(groups.map(pathKey));
  const mustBeGrouped = (ref: FieldRef): ResolvedPath => {
    const path = resolvePath(store, soql, meta, ref);
    if (!grouped.has(pathKey(path)))
      throw fail(soql, ref.pos, 'MALFORMED_QUERY', `Field must be grouped or aggregated: ${path.field.name}`);
    return path;
  };
  let exprCount = 0;
  const columns: AggColumn[] = query.select.map((s) => {
    if (s.type === 'field') {
      const path = mustBeGrouped(s.field);
      // A date function is an expression: unaliased, it is named exprN like the aggregates.
      return { key: s.alias ?? (path.fn ? `expr${exprCount++}` : path.field.name), kind: 'group', path };
    }
    if (s.type === 'aggregate') {
      const expr = resolveAggregate(store, soql, meta, s.aggregate);
      return { key: s.alias ?? `expr${exprCount++}`, kind: 'aggregate', expr };
    }
    throw fail(
      soql,
      s.pos,
      'MALFORMED_QUERY',
      s.type === 'subquery'
        ? 'Subqueries are not supported in aggregate queries'
        : s.type === 'fields'
          ? 'FIELDS() is not supported in aggregate queries'
          : 'COUNT() must be the only element in the SELECT list.',
    );
  });

  const buckets = new Map<string, Row[]>();
  if (groups.length === 0) buckets.set('', matched);
  for (const row of groups.length === 0 ? [] : matched) {
    const key = JSON.stringify(groups.map((p) => toComparable(p.field, valueAt(store, row, p))));
    const bucket = buckets.get(key);
    if (bucket) bucket.push(row);
    else buckets.set(key, [row]);
  }
  let sets = [...buckets.values()];
  if (query.having) {
    const having = havingPredicate(store, soql, meta, query.having, mustBeGrouped, now);
    sets = sets.filter(having);
  }
  const order = query.orderBy.map((o) => ({
    value: o.aggregate
      ? (
          (expr: ResolvedAggregate) => (rows: Row[]) =>
            aggregateValue(store, expr, rows)
        )(resolveAggregate(store, soql, meta, o.aggregate))
      : ((path: ResolvedPath) => (rows: Row[]) => (rows[0] ? valueAt(store, rows[0], path) : null))(
          mustBeGrouped(o.field),
        ),
    field: o.aggregate
      ? o.aggregate.field
        ? resolvePath(store, soql, meta, o.aggregate.field).field
        : null
      : mustBeGrouped(o.field).field,
    counts: o.aggregate?.fn === 'COUNT' || o.aggregate?.fn === 'COUNT_DISTINCT',
    descending: o.descending,
    nullsLast: o.nullsLast,
  }));
  if (order.length > 0) {
    sets.sort((a, b) => {
      for (const o of order) {
        const va = o.value(a);
        const vb = o.value(b);
        const c =
          o.field && !o.counts
            ? compareRows(sortComparable(o.field, va), sortComparable(o.field, vb), o.nullsLast)
            : compareRows(va, vb, o.nullsLast);
        if (c !== 0) return o.descending ? -c : c;
      }
      return 0;
    });
  }
  let windowed = sets;
  if (query.offset !== null) {
    if (query.offset > 2000)
      throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`);
    windowed = windowed.slice(query.offset);
  }
  if (query.limit !== null) windowed = windowed.slice(0, query.limit);
  if (windowed.length > 2000) {
    throw new SoqlError(
      'EXCEEDED_ID_LIMIT',
      'Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch',
    );
  }
  const rows = windowed.map((set) => {
    const out: Row = {};
    for (const c of columns) {
      out[c.key] =
        c.kind === 'aggregate'
          ? aggregateValue(store, c.expr, set)
          : set[0]
            ? valueAt(store, set[0], c.path)
            : null;
    }
    return out;
  });
  const plan: QueryPlan = {
    object,
    countOnly: false,
    aggregate: true,
    select: [],
    columns: [],
    hasSubqueries: false,
    hasTypeOf: false,
  };
  return {
    plan,
    rows,
    totalSize: rows.length,
    project: (row) => ({ attributes: { type: 'AggregateResult' }, ...row }),
  };
}

function havingPredicate(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  cond: Condition,
  mustBeGrouped: (ref: FieldRef) => ResolvedPath,
  now: number,
): (rows: Row[]) => boolean {
  const inner = (c: Condition): ((rows: Row[]) => boolean) =>
    havingPredicate(store, soql, meta, c, mustBeGrouped, now);
  switch (cond.type) {
    case 'and': {
      const parts = cond.items.map(inner);
      return (rows) => parts.every((p) => p(rows));
    }
    case 'or': {
      const parts = cond.items.map(inner);
      return (rows) => parts.some((p) => p(rows));
    }
    case 'not': {
      const part = inner(cond.item);
      return (rows) => !part(rows);
    }
    default:
      break;
  }
  if (cond.type === 'compare' && cond.aggregate) {
    const expr = resolveAggregate(store, soql, meta, cond.aggregate);
    const counts = expr.fn === 'COUNT' || expr.fn === 'COUNT_DISTINCT' || expr.path === null;
    const lit = cond.value;
    let want: Comparable;
    if (counts || expr.fn === 'SUM' || expr.fn === 'AVG') {
      if (lit.kind !== 'number' && lit.kind !== 'null')
        throw fail(
          soql,
          lit.pos,
          'MALFORMED_QUERY',
          `value of filter criterion for aggregate must be a number`,
        );
      want = lit.kind === 'number' ? lit.value : null;
    } else {
      const field = (expr.path as ResolvedPath).field;
      const v = literalValue(soql, lit, field, now);
      if (Array.isArray(v))
        throw fail(soql, lit.pos, 'MALFORMED_QUERY', 'date literals are not supported in HAVING');
      want = toComparable(field, v);
    }
    const op = cond.op;
    return (rows) => {
      const raw = aggregateValue(store, expr, rows);
      const v = counts || !expr.path ? raw : toComparable(expr.path.field, raw);
      if (op === '=') return v === want;
      if (op === '!=') return v !== want;
      if (v === null || want === null) return false;
      if (op === '<') return v < want;
      if (op === '>') return v > want;
      if (op === '<=') return v <= want;
      if (op === '>=') return v >= want;
      throw fail(soql, lit.pos, 'MALFORMED_QUERY', 'LIKE is not supported on aggregate functions');
    };
  }
  if (cond.type === 'semijoin')
    throw fail(soql, cond.pos, 'MALFORMED_QUERY', 'semi join sub-selects are not allowed in HAVING');
  mustBeGrouped(cond.field);
  const predicate = compile(store, soql, meta, cond, now);
  return (rows) => (rows[0] ? predicate(rows[0]) : false);
}

// ---- explain ----

export interface ExplainPlan {
  cardinality: number;
  fields: string[];
  leadingOperationType: 'Index' | 'Other' | 'Sharing' | 'TableScan';
  notes: Array<{ description: string; fields: string[]; tableEnumOrId: string }>;
  relativeCost: number;
  sobjectCardinality: number;
  sobjectType: string;
}

/** Fields Salesforce indexes by default [doc "Indexes" in the query-optimization guide]. */
function indexed(meta: ObjectMeta, field: FieldDescribe): boolean {
  return (
    field.name === 'Id' ||
    field.nameField ||
    field.externalId ||
    field.unique ||
    field.type === 'reference' ||
    field.name === 'CreatedDate' ||
    field.name === 'SystemModstamp' ||
    (field.name === 'Email' && (meta.name === 'Contact' || meta.name === 'Lead'))
  );
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * `GET /query/?explain=`: the plans Salesforce would weigh, cheapest first: one Index plan per equality filter on
 * an indexed field, then the TableScan, whose notes name the unindexed filters [doc "Get Feedback on Query
 * Performance"]. The costs are this org's own arithmetic, not Salesforce's optimizer [unverified].
 */
export function explainQuery(store: OrgStore, soql: string, now?: number): { plans: ExplainPlan[] } {
  const result = runQuery(store, soql, { all: false, now, explain: true });
  const query = parse(soql);
  const object = result.plan.object;
  const meta = object.meta;
  const total = object.live.size;
  const filters = !query.where ? [] : query.where.type === 'and' ? query.where.items : [query.where];
  const plans: ExplainPlan[] = [];
  const unindexed = new Set<string>(['IsDeleted']);
  for (const cond of filters) {
    if (cond.type !== 'compare' && cond.type !== 'in' && cond.type !== 'semijoin' && cond.type !== 'includes')
      continue;
    const field =
      cond.field.path.length === 1
        ? meta.fieldByLower.get((cond.field.path[0] as string).toLowerCase())
        : undefined;
    const ids =
      field && indexed(meta, field) ? candidates(store, soql, object, cond, now ?? Date.now()) : null;
    if (!field || !ids) {
      if (field) unindexed.add(field.name);
      continue;
    }
    plans.push({
      cardinality: ids.size,
      fields: [field.name],
      leadingOperationType: 'Index',
      notes: [],
      relativeCost: round(ids.size / Math.max(1, total) / 3),
      sobjectCardinality: total,
      sobjectType: meta.name,
    });
  }
  plans.push({
    cardinality: result.plan.aggregate ? total : result.totalSize,
    fields: [],
    leadingOperationType: 'TableScan',
    notes: [
      {
        description: 'Not considering filter for optimization because unindexed',
        fields: [...unindexed],
        tableEnumOrId: meta.name,
      },
    ],
    relativeCost: round(0.65 + total / 1_000_000),
    sobjectCardinality: total,
    sobjectType: meta.name,
  });
  plans.sort((a, b) => a.relativeCost - b.relativeCost);
  return { plans };
}
