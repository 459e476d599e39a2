import type { OrgStore } from '../store.js';
import type { Row } from '../values.js';
import { runAggregate } from './aggregate.js';
import { candidates, compile } from './filter.js';
import { sortKeys, sortRows, window } from './order.js';
import { parseSoql, SoqlSyntaxError, type Query } from './parse.js';
import { fail, fromObject, SoqlError, type Column, type QueryPlan, type QueryResult } from './plan.js';
import { childPlan, fieldColumns, markUsed, projectRecord, typeOfPlan } from './project.js';

/* Runs a SOQL statement against the org's records. */

export function parse(soql: string): Query {
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

export { SoqlError, type QueryPlan, type QueryResult } from './plan.js';
