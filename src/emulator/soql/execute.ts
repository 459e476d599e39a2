import { normalizeId } from '../ids.js';
import type { FieldDescribe, ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import { indexKey, isNumberType, isStringType, type Row, type Value } from '../values.js';
import {
  parseSoql,
  positionedMessage,
  SoqlSyntaxError,
  type Condition,
  type FieldRef,
  type Literal,
  type Query,
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
  field: FieldDescribe;
  /** The names as the client wrote them, corrected to describe's casing. */
  names: string[];
}

export interface QueryPlan {
  object: ObjectData;
  countOnly: boolean;
  select: ResolvedPath[];
}

export interface QueryResult {
  plan: QueryPlan;
  rows: Row[];
  totalSize: number;
}

function resolvePath(store: OrgStore, soql: string, meta: ObjectMeta, ref: FieldRef): ResolvedPath {
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
  return current?.[path.field.name] ?? null;
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
    if (lit.kind === 'dateLiteral') return dateRange(lit, now, field.type === 'date');
    if (field.type === 'date' && lit.kind === 'date') return lit.value;
    if (field.type === 'datetime' && lit.kind === 'datetime') return lit.value;
    throw typeMismatch(soql, lit, field, field.type === 'date' ? 'date' : 'dateTime');
  }
  if (lit.kind !== 'string') throw typeMismatch(soql, lit, field, 'string');
  return lit.value;
}

const DAY = 86_400_000;

/** A date literal as [start, end) in epoch ms (datetime fields) or days since epoch × DAY (date fields). */
function dateRange(
  lit: Extract<Literal, { kind: 'dateLiteral' }>,
  now: number,
  _isDate: boolean,
): [number, number] {
  const today = Math.floor(now / DAY) * DAY;
  const n = lit.n ?? 0;
  const d = new Date(today);
  const monthStart = (offset: number): number => Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
  const yearStart = (offset: number): number => Date.UTC(d.getUTCFullYear() + offset, 0, 1);
  switch (lit.name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY];
    case 'LAST_90_DAYS':
      return [today - 90 * DAY, today + DAY];
    case 'NEXT_90_DAYS':
      return [today + DAY, today + 91 * DAY];
    case 'THIS_MONTH':
      return [monthStart(0), monthStart(1)];
    case 'LAST_MONTH':
      return [monthStart(-1), monthStart(0)];
    case 'NEXT_MONTH':
      return [monthStart(1), monthStart(2)];
    case 'THIS_YEAR':
      return [yearStart(0), yearStart(1)];
    case 'LAST_YEAR':
      return [yearStart(-1), yearStart(0)];
    case 'NEXT_YEAR':
      return [yearStart(1), yearStart(2)];
    default:
      throw new SoqlError('MALFORMED_QUERY', `date literal ${lit.name} is not supported by the local org`);
  }
}

function toComparable(field: FieldDescribe, v: Value): number | string | boolean | null {
  if (v === null) return null;
  if (field.type === 'datetime' && typeof v === 'string') return Date.parse(v.replace(/\+0000$/, 'Z'));
  if (field.type === 'date' && typeof v === 'string') return Date.parse(`${v}T00:00:00Z`);
  if (typeof v === 'string' && isStringType(field) && !field.caseSensitive) return v.toLowerCase();
  return v;
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
  if (!direct || cond.field.path.length !== 1) return null;
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

function compareRows(
  a: number | string | boolean | null,
  b: number | string | boolean | null,
  nullsLast: boolean,
): number {
  if (a === b) return 0;
  if (a === null) return nullsLast ? 1 : -1;
  if (b === null) return nullsLast ? -1 : 1;
  return a < b ? -1 : 1;
}

export function runQuery(
  store: OrgStore,
  soql: string,
  options: { all: boolean; now?: number },
): QueryResult {
  let query: Query;
  try {
    query = parseSoql(soql);
  } catch (err) {
    if (err instanceof SoqlSyntaxError) throw new SoqlError('MALFORMED_QUERY', err.salesforceMessage());
    throw err;
  }
  const now = options.now ?? Date.now();
  const object = store.object(query.from.name);
  if (!object) {
    throw new SoqlError(
      'INVALID_TYPE',
      positionedMessage(
        soql,
        query.from.pos,
        `sObject type '${query.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
    );
  }
  const meta = object.meta;
  const countOnly = query.select.some((s) => s.type === 'count');
  if (countOnly && query.select.length > 1) {
    const extra = query.select.find((s) => s.type === 'field');
    throw new SoqlError(
      'MALFORMED_QUERY',
      positionedMessage(
        soql,
        extra?.type === 'field' ? extra.field.pos : 0,
        'COUNT() must be the only element in the SELECT list.',
      ),
    );
  }
  const select = query.select.flatMap((s) =>
    s.type === 'field' ? [resolvePath(store, soql, meta, s.field)] : [],
  );
  const predicate = query.where ? compile(store, soql, meta, query.where, now) : () => true;
  const order = query.orderBy.map((o) => ({ ...o, path: resolvePath(store, soql, meta, o.field) }));
  const ids = candidates(store, soql, object, query.where, now);
  let rows: Row[] = [];
  const source = ids
    ? [...ids].map((id) => object.live.get(id)).filter((r): r is Row => r !== undefined)
    : object.live.values();
  for (const row of source) if (predicate(row)) rows.push(row);
  if (options.all) for (const row of object.deleted.values()) if (predicate(row)) rows.push(row);
  if (order.length > 0) {
    rows.sort((a, b) => {
      for (const o of order) {
        const c = compareRows(
          toComparable(o.path.field, valueAt(store, a, o.path)),
          toComparable(o.path.field, valueAt(store, b, o.path)),
          o.nullsLast,
        );
        if (c !== 0) return o.descending ? -c : c;
      }
      return 0;
    });
  }
  if (query.offset !== null) {
    if (query.offset > 2000)
      throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`);
    rows = rows.slice(query.offset);
  }
  if (query.limit !== null) rows = rows.slice(0, query.limit);
  return { plan: { object, countOnly, select }, rows: countOnly ? [] : rows, totalSize: rows.length };
}

/** A row as the REST API returns it: attributes, then the selected fields in SELECT order, parents nested. */
export function projectRow(
  store: OrgStore,
  plan: QueryPlan,
  row: Row,
  baseUrl: string,
): Record<string, unknown> {
  const typeName = plan.object.meta.name;
  const out: Record<string, unknown> = {
    attributes: { type: typeName, url: `${baseUrl}/sobjects/${typeName}/${row.Id}` },
  };
  for (const path of plan.select) {
    if (path.hops.length === 0) {
      out[path.field.name] = formatValue(path.field, row[path.field.name] ?? null);
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
      if (i === path.hops.length - 1)
        target[path.field.name] = formatValue(path.field, current?.[path.field.name] ?? null);
    }
  }
  return out;
}

/** Stored values are already in wire form; numbers stay JSON numbers. */
function formatValue(_field: FieldDescribe, v: Value): Value {
  return v;
}
