import type { ObjectMeta } from '../metadata.js';
import type { OrgStore } from '../store.js';
import type { Row } from '../values.js';
import { sortComparable } from './filter.js';
import type { OrderBy } from './parse.js';
import { fail, resolvePath, SoqlError, valueAt, type SortKey } from './plan.js';

/* ORDER BY, LIMIT and OFFSET. */

export type Comparable = number | string | boolean | null;

export function compareRows(a: Comparable, b: Comparable, nullsLast: boolean): number {
  if (a === b) return 0;
  if (a === null) return nullsLast ? 1 : -1;
  if (b === null) return nullsLast ? -1 : 1;
  return a < b ? -1 : 1;
}

/**
 * One ORDER BY item: DESC reverses the values, never where the nulls go, which is first unless NULLS LAST
 * [doc SOQL "ORDER BY": "By default, null values are sorted first"; `DESC NULLS LAST` puts them last].
 */
export function compareOrdered(
  a: Comparable,
  b: Comparable,
  descending: boolean,
  nullsLast: boolean,
): number {
  const c = compareRows(a, b, nullsLast);
  return descending && a !== null && b !== null ? -c : c;
}

export function sortKeys(store: OrgStore, soql: string, meta: ObjectMeta, orderBy: OrderBy[]): SortKey[] {
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

export function sortRows(store: OrgStore, rows: Row[], order: SortKey[]): void {
  if (order.length === 0) return;
  rows.sort((a, b) => {
    for (const o of order) {
      const c = compareOrdered(
        sortComparable(o.path.field, valueAt(store, a, o.path)),
        sortComparable(o.path.field, valueAt(store, b, o.path)),
        o.descending,
        o.nullsLast,
      );
      if (c !== 0) return c;
    }
    return 0;
  });
}

export function window(rows: Row[], limit: number | null, offset: number | null): Row[] {
  let out = rows;
  if (offset !== null) {
    if (offset > 2000)
      throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is 2000`);
    out = out.slice(offset);
  }
  if (limit !== null) out = out.slice(0, limit);
  return out;
}
