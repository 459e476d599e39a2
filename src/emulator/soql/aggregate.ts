import type { ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import { isNumberType, type Row, type Value } from '../values.js';
import { compile, literalValue, sortComparable, toComparable } from './filter.js';
import { compareRows, type Comparable } from './order.js';
import type { AggregateExpr, Condition, FieldRef, Query } from './parse.js';
import {
  fail,
  pathKey,
  resolvePath,
  SoqlError,
  valueAt,
  type QueryPlan,
  type QueryResult,
  type ResolvedPath,
} from './plan.js';

/* Aggregate queries: GROUP BY, aggregate functions and HAVING. */

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

export function runAggregate(
  store: OrgStore,
  soql: string,
  query: Query,
  object: ObjectData,
  matched: Row[],
  now: number,
): QueryResult {
  const meta = object.meta;
  const { groups, mustBeGrouped, columns } = aggregateColumns(store, soql, meta, query);
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
  sortGroups(store, soql, meta, query, sets, mustBeGrouped);
  const rows = windowGroups(query, sets).map((set) => {
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
    aggregates: columns.map((c) =>
      c.kind === 'group'
        ? { key: c.key, fn: null, path: c.path }
        : { key: c.key, fn: c.expr.fn, path: c.expr.path },
    ),
  };
  return {
    plan,
    rows,
    totalSize: rows.length,
    project: (row) => ({ attributes: { type: 'AggregateResult' }, ...row }),
  };
}

/** The GROUP BY paths and the SELECT list's columns; a plain field must be one of the groups. */
function aggregateColumns(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  query: Query,
): { groups: ResolvedPath[]; mustBeGrouped: (ref: FieldRef) => ResolvedPath; columns: AggColumn[] } {
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
  return { groups, mustBeGrouped, columns };
}

/** ORDER BY on groups: by a grouped field or an aggregate. */
function sortGroups(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  query: Query,
  sets: Row[][],
  mustBeGrouped: (ref: FieldRef) => ResolvedPath,
): void {
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
  if (order.length > 0)
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

/** OFFSET and LIMIT on groups; an aggregate result has no queryMore, so at most 2,000 groups. */
function windowGroups(query: Query, sets: Row[][]): Row[][] {
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
  return windowed;
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
