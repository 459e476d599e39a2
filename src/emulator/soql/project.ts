import { childRelationship } from '../child-relationships.js';
import type { FieldDescribe, ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import { formatDateTime, indexKey, type Row, type Value } from '../values.js';
import { compile } from './filter.js';
import { sortKeys, sortRows, window } from './order.js';
import type { Query, SelectItem } from './parse.js';
import {
  fail,
  pathKey,
  resolvePath,
  shown,
  SoqlError,
  type ChildPlan,
  type Column,
  type ResolvedPath,
  type TypeOfPlan,
} from './plan.js';

/* The SELECT list: field columns, TYPEOF, parent-to-child subqueries, and records as the API returns them. */

/**
 * The field columns of a SELECT list, FIELDS() expanded in describe order; a field selected twice is refused
 * as Salesforce does [doc "FIELDS()": `duplicate field selected: Id`, INVALID_FIELD].
 */
export function fieldColumns(
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

export function typeOfPlan(
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
export function childPlan(
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

/**
 * FOR VIEW / FOR REFERENCE: Salesforce stamps the returned records as viewed or referenced (and adds them to the
 * most-recently-used list) without touching LastModifiedDate or SystemModstamp.
 */
export function markUsed(object: ObjectData, rows: Row[], fields: string[], now: number): void {
  const present = fields.filter((f) => object.meta.fieldByLower.has(f.toLowerCase()));
  if (present.length === 0) return;
  const stamp = formatDateTime(now);
  for (const row of rows) for (const f of present) row[f] = stamp;
  // The equality indexes of these fields would now be stale; they are rebuilt on next use.
  for (const f of present) object.indexes.delete(f.toLowerCase());
}

/** A row as the REST API returns it: attributes, then the selected columns in SELECT order, parents nested. */
export function projectRecord(
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
      out[path.field.name] = shown(path, row[path.field.name] ?? null);
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
        target[path.field.name] = shown(path, current?.[path.field.name] ?? null);
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
