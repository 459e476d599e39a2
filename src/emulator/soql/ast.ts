/** The syntax tree of a SOQL statement, and its syntax errors. */

export type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; raw: string; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; value: number; raw: string; pos: number }
  | { kind: 'dateLiteral'; name: string; n: number | null; pos: number };

export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE';

export interface FieldRef {
  path: string[];
  pos: number;
  /** A date function around the field: CALENDAR_YEAR(CreatedDate). */
  fn?: string;
  /** `HOUR_IN_DAY(convertTimezone(CreatedDate))`: the date function reads the user's local time. */
  convertTimezone?: boolean;
  /** `toLabel(Industry)` (picklist labels) or `FORMAT(Amount)` (the user's locale). */
  wrap?: 'TOLABEL' | 'FORMAT';
}

export const DATE_FUNCTIONS = new Set([
  'CALENDAR_MONTH',
  'CALENDAR_QUARTER',
  'CALENDAR_YEAR',
  'DAY_IN_MONTH',
  'DAY_IN_WEEK',
  'DAY_IN_YEAR',
  'DAY_ONLY',
  'FISCAL_MONTH',
  'FISCAL_QUARTER',
  'FISCAL_YEAR',
  'HOUR_IN_DAY',
  'WEEK_IN_MONTH',
  'WEEK_IN_YEAR',
]);

/** GROUPING(field) is 1 on a subtotal row of GROUP BY ROLLUP or CUBE for that field, else 0. */
export const AGGREGATE_FUNCTIONS = new Set([
  'COUNT',
  'COUNT_DISTINCT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'GROUPING',
]);
export type AggregateFn = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'GROUPING';

/** `COUNT(Id)`, `MAX(Amount)`...; `field` is null only for a bare `COUNT()`. */
export interface AggregateExpr {
  fn: AggregateFn;
  field: FieldRef | null;
  pos: number;
}

export type Condition =
  /** In HAVING the left side may be an aggregate; `field` is then the aggregate's field. */
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Literal; aggregate?: AggregateExpr }
  | { type: 'in'; field: FieldRef; negated: boolean; values: Literal[] }
  /** A semi-join (`Id IN (SELECT AccountId FROM Contact)`) or, negated, an anti-join. */
  | { type: 'semijoin'; field: FieldRef; negated: boolean; query: Query; pos: number }
  | { type: 'includes'; field: FieldRef; excludes: boolean; values: Literal[] }
  | { type: 'and' | 'or'; items: Condition[] }
  | { type: 'not'; item: Condition };

export type SelectItem =
  | { type: 'field'; field: FieldRef; alias: string | null }
  | { type: 'count'; pos: number }
  /** FIELDS(ALL), FIELDS(STANDARD), FIELDS(CUSTOM) (v51+). */
  | { type: 'fields'; scope: 'ALL' | 'STANDARD' | 'CUSTOM'; pos: number }
  | { type: 'aggregate'; aggregate: AggregateExpr; alias: string | null }
  /** A parent-to-child subquery: FROM names a child relationship of the outer object. */
  | { type: 'subquery'; query: Query; pos: number }
  /** TYPEOF What WHEN Account THEN Name, Phone … ELSE Name END: fields per type of a polymorphic parent. */
  | {
      type: 'typeof';
      relationship: { name: string; pos: number };
      whens: Array<{ type: { name: string; pos: number }; fields: FieldRef[] }>;
      otherwise: FieldRef[] | null;
      pos: number;
    };

export interface OrderBy {
  field: FieldRef;
  aggregate?: AggregateExpr;
  descending: boolean;
  nullsLast: boolean;
}

export interface Query {
  select: SelectItem[];
  from: { name: string; pos: number };
  scope: string | null;
  where: Condition | null;
  /** WITH SECURITY_ENFORCED / USER_MODE / SYSTEM_MODE. */
  with: string | null;
  groupBy: FieldRef[];
  /** GROUP BY ROLLUP(…) or CUBE(…): subtotal rows too. */
  groupByMode: 'ROLLUP' | 'CUBE' | null;
  having: Condition | null;
  orderBy: OrderBy[];
  limit: number | null;
  offset: number | null;
  /** FOR VIEW, FOR REFERENCE, FOR UPDATE. */
  forClause: 'VIEW' | 'REFERENCE' | 'UPDATE' | null;
  /** UPDATE TRACKING, UPDATE VIEWSTAT. */
  updateClause: 'TRACKING' | 'VIEWSTAT' | null;
}

export class SoqlSyntaxError extends Error {
  constructor(
    readonly soql: string,
    readonly pos: number,
    readonly detail: string,
  ) {
    super(detail);
  }

  /** Salesforce's MALFORMED_QUERY message: the statement, a caret, the position, the problem. */
  salesforceMessage(): string {
    return positionedMessage(this.soql, this.pos, this.detail);
  }
}

export function positionedMessage(soql: string, pos: number, detail: string): string {
  const before = soql.slice(0, pos);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = soql.indexOf('\n', pos) === -1 ? soql.length : soql.indexOf('\n', pos);
  const col = pos - lineStart + 1;
  return `\n${soql.slice(lineStart, lineEnd)}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${detail}`;
}
