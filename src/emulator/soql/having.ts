import type { ObjectMeta } from '../metadata.js';
import type { OrgStore } from '../store.js';
import { compile, literalValue, toComparable } from './filter.js';
import type { Comparable } from './order.js';
import type { Condition, FieldRef, Query } from './parse.js';
import { aggregateValue, countsOf, resolveAggregate, type Group } from './aggregate-values.js';
import { fail, type ResolvedPath } from './plan.js';

/* HAVING: conditions on aggregate functions and grouped fields, tested on each group. */

export function havingPredicate(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  query: Query,
  cond: Condition,
  mustBeGrouped: (ref: FieldRef) => { path: ResolvedPath; index: number },
  now: number,
): (group: Group) => boolean {
  const inner = (c: Condition): ((group: Group) => boolean) =>
    havingPredicate(store, soql, meta, query, c, mustBeGrouped, now);
  switch (cond.type) {
    case 'and': {
      const parts = cond.items.map(inner);
      return (g) => parts.every((p) => p(g));
    }
    case 'or': {
      const parts = cond.items.map(inner);
      return (g) => parts.some((p) => p(g));
    }
    case 'not': {
      const part = inner(cond.item);
      return (g) => !part(g);
    }
    default:
      break;
  }
  if (cond.type === 'compare' && cond.aggregate) {
    const expr = resolveAggregate(store, soql, meta, query, cond.aggregate);
    const counts = countsOf(expr.fn) || expr.path === null;
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
    return (g) => {
      const raw = aggregateValue(store, expr, g);
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
  const { index } = mustBeGrouped(cond.field);
  const predicate = compile(store, soql, meta, cond, now);
  // A subtotal row has no value for the field it rolls up.
  return (g) => (g.rows[0] && !g.rolled[index] ? predicate(g.rows[0]) : false);
}
