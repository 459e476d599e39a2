import type { ObjectMeta } from '../metadata.js';
import type { OrgStore } from '../store.js';
import { isNumberType, type Row, type Value } from '../values.js';
import { toComparable } from './filter.js';
import { compareRows } from './order.js';
import type { AggregateExpr, Query } from './parse.js';
import { fail, pathKey, resolvePath, valueAt, type ResolvedPath } from './plan.js';

/* The rows of an aggregate query (groups, with ROLLUP and CUBE subtotals) and the value of a function on one. */

/** One AggregateResult row: the records it sums up, and for each GROUP BY field whether the row rolls it up. */
export interface Group {
  rows: Row[];
  rolled: boolean[];
}

export interface ResolvedAggregate {
  fn: AggregateExpr['fn'];
  /** null for COUNT(): every row counts. */
  path: ResolvedPath | null;
  /** GROUPING(field): the field's place in GROUP BY. */
  groupIndex?: number;
}

const NUMERIC_AGGREGATES = new Set(['SUM', 'AVG']);

/** Functions whose value is a count, whatever their field's type. */
export const countsOf = (fn: AggregateExpr['fn']): boolean =>
  fn === 'COUNT' || fn === 'COUNT_DISTINCT' || fn === 'GROUPING';

export function resolveAggregate(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  query: Query,
  expr: AggregateExpr,
): ResolvedAggregate {
  if (!expr.field) return { fn: expr.fn, path: null };
  const path = resolvePath(store, soql, meta, expr.field);
  const field = path.field;
  if (expr.fn === 'GROUPING') {
    // [unverified] wording of both refusals.
    if (!query.groupByMode)
      throw fail(
        soql,
        expr.pos,
        'MALFORMED_QUERY',
        'GROUPING() is only allowed with GROUP BY ROLLUP or CUBE',
      );
    const key = pathKey(path);
    const groupIndex = query.groupBy.findIndex((g) => pathKey(resolvePath(store, soql, meta, g)) === key);
    if (groupIndex === -1)
      throw fail(soql, expr.field.pos, 'MALFORMED_QUERY', `GROUPING() field must be grouped: ${field.name}`);
    return { fn: expr.fn, path, groupIndex };
  }
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

export function aggregateValue(store: OrgStore, expr: ResolvedAggregate, group: Group): Value {
  const path = expr.path;
  if (expr.groupIndex !== undefined) return group.rolled[expr.groupIndex] ? 1 : 0;
  if (!path) return group.rows.length;
  const values: Value[] = [];
  for (const row of group.rows) {
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

/**
 * Which GROUP BY fields each set of rows rolls up: none for a plain GROUP BY; for ROLLUP(a, b) the groups of
 * (a, b), then subtotals by a, then the grand total; for CUBE every combination [doc SOQL "GROUP BY ROLLUP",
 * "GROUP BY CUBE"].
 */
function groupingSets(n: number, mode: Query['groupByMode']): boolean[][] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (mode === 'ROLLUP') return Array.from({ length: n + 1 }, (_, k) => all.map((i) => i >= n - k));
  if (mode === 'CUBE')
    return Array.from({ length: 2 ** n }, (_, mask) => all.map((i) => (mask & (1 << i)) !== 0));
  return [all.map(() => false)];
}

/** The groups of the matched rows; a set that rolls up every field (the grand total) is there even when empty. */
export function groupRows(
  store: OrgStore,
  groups: ResolvedPath[],
  mode: Query['groupByMode'],
  matched: Row[],
): Group[] {
  const out: Group[] = [];
  for (const rolled of groupingSets(groups.length, mode)) {
    const buckets = new Map<string, Group>();
    if (rolled.every(Boolean)) buckets.set('', { rows: [], rolled });
    for (const row of matched) {
      const key = JSON.stringify(
        groups.map((p, i) => (rolled[i] ? null : toComparable(p.field, valueAt(store, row, p)))),
      );
      const bucket = buckets.get(rolled.every(Boolean) ? '' : key);
      if (bucket) bucket.rows.push(row);
      else buckets.set(key, { rows: [row], rolled });
    }
    out.push(...buckets.values());
  }
  return out;
}
