import type { FieldDescribe, ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import { formatDateTime, type Row, type Value } from '../values.js';
import { formatted, labelOf, userWallClock } from './locale.js';
import { positionedMessage, type FieldRef, type Query } from './parse.js';

/* What a query resolves to before it runs: field paths, columns, and the plan that projects records. */

export class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** A resolved field path: the relationship hops from the queried object, then the field. */
export interface ResolvedPath {
  hops: FieldDescribe[];
  /** The field, or for a date function a number (date for DAY_ONLY) field standing for its result. */
  field: FieldDescribe;
  /** The names as the client wrote them, corrected to describe's casing. */
  names: string[];
  /** A date function and the date or datetime field it reads (`local`: through convertTimezone()). */
  fn?: { name: string; source: FieldDescribe; local?: boolean };
  /** toLabel() or FORMAT(): how the value is shown. */
  display?: 'TOLABEL' | 'FORMAT';
}

/** One column of a record query's output: a field (maybe through parents) or a child subquery. */
export type Column =
  | { kind: 'field'; path: ResolvedPath }
  | { kind: 'children'; sub: ChildPlan }
  | { kind: 'typeof'; plan: TypeOfPlan };

/** TYPEOF on a polymorphic parent: the fields to return for each type of parent. */
export interface TypeOfPlan {
  name: string;
  field: FieldDescribe;
  byType: Map<string, FieldDescribe[]>;
  /** ELSE: field names, looked up on whatever type the parent turns out to be. */
  otherwise: string[] | null;
}

export interface ChildPlan {
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

export interface SortKey {
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
  /** An aggregate query's columns in SELECT order: a group (fn null) or an aggregate function. */
  aggregates?: AggregateColumn[];
}

export interface AggregateColumn {
  key: string;
  fn: string | null;
  /** null for COUNT(). */
  path: ResolvedPath | null;
}

export interface QueryResult {
  plan: QueryPlan;
  rows: Row[];
  totalSize: number;
  /** A row as the REST API returns it. */
  project(row: Row, baseUrl: string): Record<string, unknown>;
}

export function resolvePath(store: OrgStore, soql: string, meta: ObjectMeta, ref: FieldRef): ResolvedPath {
  if (ref.wrap) {
    const inner = resolvePath(store, soql, meta, { ...ref, wrap: undefined });
    const type = inner.field.type;
    if (
      ref.wrap === 'TOLABEL' &&
      type !== 'picklist' &&
      type !== 'multipicklist' &&
      inner.field.name !== 'RecordTypeId'
    )
      throw new SoqlError(
        'INVALID_FIELD',
        positionedMessage(
          soql,
          ref.pos,
          `toLabel() can only be applied to picklist fields: ${inner.field.name}`,
        ),
      );
    return { ...inner, display: ref.wrap };
  }
  if (ref.fn) return dateFunctionPath(store, soql, meta, ref, ref.fn);
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

/** `CALENDAR_YEAR(CreatedDate)`: a number (or, for DAY_ONLY, a date) field standing for the function's result. */
function dateFunctionPath(
  store: OrgStore,
  soql: string,
  meta: ObjectMeta,
  ref: FieldRef,
  fnName: string,
): ResolvedPath {
  const inner = resolvePath(store, soql, meta, { path: ref.path, pos: ref.pos });
  const source = inner.field;
  if (ref.convertTimezone && source.type !== 'datetime')
    throw new SoqlError(
      'MALFORMED_QUERY',
      positionedMessage(
        soql,
        ref.pos,
        `convertTimezone() can only be applied to datetime fields: ${source.name}`,
      ),
    );
  const needsTime = fnName === 'DAY_ONLY' || fnName === 'HOUR_IN_DAY';
  if (!(source.type === 'datetime' || (!needsTime && source.type === 'date'))) {
    throw new SoqlError(
      'MALFORMED_QUERY',
      positionedMessage(soql, ref.pos, `Invalid date function argument: ${fnName}(${source.name})`),
    );
  }
  const isDate = fnName === 'DAY_ONLY';
  const field: FieldDescribe = {
    ...source,
    type: isDate ? 'date' : 'int',
    soapType: isDate ? 'xsd:date' : 'xsd:int',
    filterable: true,
    groupable: true,
    sortable: true,
    aggregatable: true,
  };
  return { ...inner, field, fn: { name: fnName, source, ...(ref.convertTimezone ? { local: true } : {}) } };
}

export function valueAt(store: OrgStore, row: Row, path: ResolvedPath): Value {
  let current: Row | undefined = row;
  for (const hop of path.hops) {
    const parentId: Value | undefined = current?.[hop.name];
    current = typeof parentId === 'string' ? store.find(parentId)?.row : undefined;
    if (!current) return null;
  }
  if (path.fn) {
    const raw = current?.[path.fn.source.name] ?? null;
    return dateFunction(path.fn.name, path.fn.source, path.fn.local ? inUserTime(raw) : raw);
  }
  return shown(path, current?.[path.field.name] ?? null);
}

/** A field's value as toLabel() or FORMAT() shows it. */
export function shown(path: ResolvedPath, value: Value): Value {
  if (path.display === 'TOLABEL') return labelOf(path.field, value);
  if (path.display === 'FORMAT') return formatted(path.field, value);
  return value;
}

/** A stored datetime moved to the user's wall clock, for the date functions around convertTimezone(). */
function inUserTime(v: Value): Value {
  if (typeof v !== 'string') return v;
  const ms = Date.parse(v.replace(/\+0000$/, 'Z'));
  return Number.isNaN(ms) ? v : formatDateTime(userWallClock(ms));
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

export function fail(soql: string, pos: number, code: string, detail: string): SoqlError {
  return new SoqlError(code, positionedMessage(soql, pos, detail));
}

export function fromObject(store: OrgStore, soql: string, query: Query): ObjectData {
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

export type Predicate = (row: Row) => boolean;

/** A path's key in GROUP BY and aggregate columns. */
export function pathKey(path: ResolvedPath): string {
  const name = path.names.join('.').toLowerCase();
  return path.fn ? `${path.fn.name}(${name})` : name;
}
