import type { ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import type { Row, Value } from '../values.js';
import { sortComparable } from './filter.js';
import { compareOrdered, compareRows } from './order.js';
import type { FieldRef, Query } from './parse.js';
import {
  aggregateValue,
  countsOf,
  groupRows,
  resolveAggregate,
  type Group,
  type ResolvedAggregate,
} from './aggregate-values.js';
import { havingPredicate } from './having.js';
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

/* Aggregate queries: GROUP BY (ROLLUP and CUBE too), aggregate functions and HAVING. */

type AggColumn =
  | { key: string; kind: 'group'; path: ResolvedPath; index: number }
  | { key: string; kind: 'aggregate'; expr: ResolvedAggregate };

/** A grouped field's value in a group: null on a subtotal row that rolls the field up. */
function groupValue(store: OrgStore, group: Group, path: ResolvedPath, index: number): Value {
  return group.rows[0] && !group.rolled[index] ? valueAt(store, group.rows[0], path) : null;
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
  let sets = groupRows(store, groups, query.groupByMode, matched);
  if (query.having) {
    const having = havingPredicate(store, soql, meta, query, query.having, mustBeGrouped, now);
    sets = sets.filter(having);
  }
  sortGroups(store, soql, meta, query, sets, groups, mustBeGrouped);
  const rows = windowGroups(query, sets).map((set) => {
    const out: Row = {};
    for (const c of columns)
      out[c.key] =
        c.kind === 'aggregate' ? aggregateValue(store, c.expr, set) : groupValue(store, set, c.path, c.index);
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

const MAX_ROLLUP_FIELDS = 3;

/** The GROUP BY paths and the SELECT list's columns; a plain field must be one of the groups. */
function aggregateColumns(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  query: Query,
): {
  groups: ResolvedPath[];
  mustBeGrouped: (ref: FieldRef) => { path: ResolvedPath; index: number };
  columns: AggColumn[];
} {
  if (query.groupByMode && query.groupBy.length > MAX_ROLLUP_FIELDS)
    // [unverified] wording; the limit is the documented one.
    throw fail(
      soql,
      query.groupBy[MAX_ROLLUP_FIELDS]?.pos ?? 0,
      'MALFORMED_QUERY',
      `GROUP BY ${query.groupByMode} can have up to ${MAX_ROLLUP_FIELDS} fields`,
    );
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
  const grouped = new Map(groups.map((p, i) => [pathKey(p), i]));
  const mustBeGrouped = (ref: FieldRef): { path: ResolvedPath; index: number } => {
    const path = resolvePath(store, soql, meta, ref);
    const index = grouped.get(pathKey(path));
    if (index === undefined)
      throw fail(soql, ref.pos, 'MALFORMED_QUERY', `Field must be grouped or aggregated: ${path.field.name}`);
    return { path, index };
  };
  let exprCount = 0;
  const columns: AggColumn[] = query.select.map((s) => {
    if (s.type === 'field') {
      const { path, index } = mustBeGrouped(s.field);
      // A date function is an expression: unaliased, it is named exprN like the aggregates.
      const key = s.alias ?? (path.fn ? `expr${exprCount++}` : path.field.name);
      return { key, kind: 'group', path, index };
    }
    if (s.type === 'aggregate') {
      const expr = resolveAggregate(store, soql, meta, query, s.aggregate);
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
  checkAliases(soql, query, columns);
  return { groups, mustBeGrouped, columns };
}

/**
 * A column is named by its alias or by its field's own name, so `Account.Name` and `Owner.Name` both come out as
 * `Name` and collide: Salesforce refuses that ("duplicate alias: Name") rather than lose one [obs: the error as
 * clients quote it; its position is unverified].
 */
function checkAliases(soql: string, query: Query, columns: AggColumn[]): void {
  const seen = new Set<string>();
  for (const [i, c] of columns.entries()) {
    const key = c.key.toLowerCase();
    if (seen.has(key)) {
      const item = query.select[i];
      const pos =
        item?.type === 'field' ? item.field.pos : item?.type === 'aggregate' ? item.aggregate.pos : 0;
      throw fail(soql, pos, 'MALFORMED_QUERY', `duplicate alias: ${c.key}`);
    }
    seen.add(key);
  }
}

interface GroupOrder {
  value: (g: Group) => Value;
  field: ResolvedPath['field'] | null;
  counts: boolean;
  descending: boolean;
  nullsLast: boolean;
}

/**
 * ORDER BY on groups: by a grouped field or an aggregate. Without it, ROLLUP and CUBE rows come sorted by their
 * groups, each subtotal after the rows it sums up, the grand total last, as Salesforce's examples show.
 */
function sortGroups(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  query: Query,
  sets: Group[],
  groups: ResolvedPath[],
  mustBeGrouped: (ref: FieldRef) => { path: ResolvedPath; index: number },
): void {
  const order: GroupOrder[] = query.orderBy.map((o) => {
    if (o.aggregate) {
      const expr = resolveAggregate(store, soql, meta, query, o.aggregate);
      return {
        value: (g: Group) => aggregateValue(store, expr, g),
        field: expr.path?.field ?? null,
        counts: countsOf(expr.fn),
        descending: o.descending,
        nullsLast: o.nullsLast,
      };
    }
    const { path, index } = mustBeGrouped(o.field);
    return {
      value: (g: Group) => groupValue(store, g, path, index),
      field: path.field,
      counts: false,
      descending: o.descending,
      nullsLast: o.nullsLast,
    };
  });
  if (order.length > 0)
    sets.sort((a, b) => {
      for (const o of order) {
        const va = o.value(a);
        const vb = o.value(b);
        const c =
          o.field && !o.counts
            ? compareOrdered(
                sortComparable(o.field, va),
                sortComparable(o.field, vb),
                o.descending,
                o.nullsLast,
              )
            : compareOrdered(va, vb, o.descending, o.nullsLast);
        if (c !== 0) return c;
      }
      return 0;
    });
  else if (query.groupByMode)
    sets.sort((a, b) => {
      for (const [i, path] of groups.entries()) {
        if (a.rolled[i] !== b.rolled[i]) return a.rolled[i] ? 1 : -1;
        if (a.rolled[i]) continue;
        const c = compareRows(
          sortComparable(path.field, groupValue(store, a, path, i)),
          sortComparable(path.field, groupValue(store, b, path, i)),
          false,
        );
        if (c !== 0) return c;
      }
      return 0;
    });
}

/** OFFSET and LIMIT on groups; an aggregate result has no queryMore, so at most 2,000 groups. */
function windowGroups(query: Query, sets: Group[]): Group[] {
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
