/**
 * A SOQL parser for the statements data tools send. Written here rather than taken from a library because the
 * emulator must answer like Salesforce: MALFORMED_QUERY with Row/Column positions, rejection of escape sequences
 * SOQL does not allow, and no silent mixing of AND and OR without parentheses. The parsers on npm give none of
 * these (checked: @jetstreamapp/soql-parser-js accepts `\q` and `A AND B OR C` and throws errors without positions).
 */

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

export type AggregateFn = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';

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

type TokenType = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';
interface Token {
  type: TokenType;
  text: string;
  value?: string;
  pos: number;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\w:])/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w])/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/;

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = soql.slice(i);
    if (c === "'") {
      // LIKE patterns keep \_ and \% as escaped wildcards; the matcher reads them.
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= soql.length)
          throw new SoqlSyntaxError(soql, i, `line 1:${i} mismatched character '<EOF>' expecting '''`);
        const ch = soql[j] as string;
        if (ch === "'") break;
        if (ch === '\\') {
          const next = soql[j + 1] ?? '';
          if (next in ESCAPES) {
            value += ESCAPES[next];
            j += 2;
          } else if (next === '_' || next === '%') {
            value += `\\${next}`;
            j += 2;
          } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(soql.slice(j + 2, j + 6))) {
            value += String.fromCharCode(Number.parseInt(soql.slice(j + 2, j + 6), 16));
            j += 6;
          } else {
            throw new SoqlSyntaxError(
              soql,
              j,
              `Invalid string literal '\\${next}'. Illegal character sequence '\\${next}' in string literal.`,
            );
          }
          continue;
        }
        value += ch;
        j++;
      }
      tokens.push({ type: 'string', text: soql.slice(i, j + 1), value, pos: i });
      i = j + 1;
      continue;
    }
    const dt = DATETIME.exec(rest) ?? null;
    if (dt) {
      tokens.push({ type: 'datetime', text: dt[0], pos: i });
      i += dt[0].length;
      continue;
    }
    const d = DATE.exec(rest);
    if (d) {
      tokens.push({ type: 'date', text: d[0], pos: i });
      i += d[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num && (/\d|\./.test(c) || !/[\w)]/.test(tokens.at(-1)?.text.slice(-1) ?? ''))) {
      tokens.push({ type: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = IDENT.exec(rest);
    if (id) {
      tokens.push({ type: 'ident', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = /^(?:!=|<>|<=|>=|=|<|>)/.exec(rest);
    if (op) {
      tokens.push({ type: 'op', text: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if ('(),:'.includes(c)) {
      tokens.push({ type: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    if (c === '"') throw new SoqlSyntaxError(soql, i, `unexpected token: '"'`);
    throw new SoqlSyntaxError(soql, i, `unexpected token: '${c}'`);
  }
  tokens.push({ type: 'eof', text: '<EOF>', pos: soql.length });
  return tokens;
}

const DATE_LITERALS_N =
  /^(?:LAST|NEXT)_N_(?:DAYS|WEEKS|MONTHS|YEARS|QUARTERS|FISCAL_QUARTERS|FISCAL_YEARS)$|^N_(?:DAYS|WEEKS|MONTHS|YEARS|QUARTERS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO$/i;
const DATE_LITERALS = new Set(
  'YESTERDAY TODAY TOMORROW LAST_WEEK THIS_WEEK NEXT_WEEK LAST_MONTH THIS_MONTH NEXT_MONTH LAST_90_DAYS NEXT_90_DAYS THIS_QUARTER LAST_QUARTER NEXT_QUARTER THIS_YEAR LAST_YEAR NEXT_YEAR THIS_FISCAL_QUARTER LAST_FISCAL_QUARTER NEXT_FISCAL_QUARTER THIS_FISCAL_YEAR LAST_FISCAL_YEAR NEXT_FISCAL_YEAR'.split(
    ' ',
  ),
);

const AGGREGATE_FUNCTIONS = new Set(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX']);

class Parser {
  private i = 0;
  constructor(
    private readonly soql: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }
  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }
  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'ident' && t.text.toUpperCase() === word;
  }
  private fail(token: Token): never {
    throw new SoqlSyntaxError(
      this.soql,
      token.pos,
      `unexpected token: ${token.type === 'eof' ? '<EOF>' : `'${token.text}'`}`,
    );
  }
  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.fail(this.peek());
    return this.next();
  }
  private expectPunct(p: string): void {
    const t = this.next();
    if (t.type !== 'punct' || t.text !== p) this.fail(t);
  }

  parse(): Query {
    const query = this.query();
    if (this.peek().type !== 'eof') this.fail(this.peek());
    return query;
  }

  /** One SELECT statement; a nested one (subquery) stops before its closing parenthesis. */
  private query(): Query {
    this.expectKeyword('SELECT');
    const select = this.selectList();
    this.expectKeyword('FROM');
    const from = this.next();
    if (from.type !== 'ident' || from.text.includes('.')) this.fail(from);
    let scope: string | null = null;
    if (this.isKeyword('USING')) {
      this.next();
      this.expectKeyword('SCOPE');
      const t = this.next();
      if (t.type !== 'ident') this.fail(t);
      scope = t.text.toLowerCase();
    }
    let where: Condition | null = null;
    if (this.isKeyword('WHERE')) {
      this.next();
      where = this.condition(false);
    }
    let withClause: string | null = null;
    if (this.isKeyword('WITH')) {
      this.next();
      const t = this.next();
      const word = t.text.toUpperCase();
      if (t.type !== 'ident' || !['SECURITY_ENFORCED', 'USER_MODE', 'SYSTEM_MODE'].includes(word))
        this.fail(t);
      withClause = word;
    }
    const groupBy: FieldRef[] = [];
    if (this.isKeyword('GROUP')) {
      this.next();
      this.expectKeyword('BY');
      if (this.isKeyword('ROLLUP') || this.isKeyword('CUBE')) this.fail(this.peek());
      do groupBy.push(this.fieldRef());
      while (this.punct(','));
    }
    let having: Condition | null = null;
    if (this.isKeyword('HAVING')) {
      this.next();
      having = this.condition(true);
    }
    const orderBy: OrderBy[] = [];
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY');
      do {
        const aggregate = this.aggregateAhead() ? this.aggregate() : undefined;
        const field = aggregate ? this.aggregateField(aggregate) : this.fieldRef();
        let descending = false;
        if (this.isKeyword('ASC')) this.next();
        else if (this.isKeyword('DESC')) {
          this.next();
          descending = true;
        }
        let nullsLast = descending;
        if (this.isKeyword('NULLS')) {
          this.next();
          if (this.isKeyword('FIRST')) nullsLast = false;
          else if (this.isKeyword('LAST')) nullsLast = true;
          else this.fail(this.peek());
          this.next();
        }
        orderBy.push(
          aggregate ? { field, aggregate, descending, nullsLast } : { field, descending, nullsLast },
        );
      } while (this.punct(','));
    }
    const limit = this.isKeyword('LIMIT') ? (this.next(), this.integer()) : null;
    const offset = this.isKeyword('OFFSET') ? (this.next(), this.integer()) : null;
    let forClause: Query['forClause'] = null;
    if (this.isKeyword('FOR')) {
      this.next();
      const t = this.next();
      const word = t.text.toUpperCase();
      if (t.type !== 'ident' || !['VIEW', 'REFERENCE', 'UPDATE'].includes(word)) this.fail(t);
      forClause = word as Query['forClause'];
    }
    let updateClause: Query['updateClause'] = null;
    if (this.isKeyword('UPDATE')) {
      this.next();
      const t = this.next();
      const word = t.text.toUpperCase();
      if (t.type !== 'ident' || !['TRACKING', 'VIEWSTAT'].includes(word)) this.fail(t);
      updateClause = word as Query['updateClause'];
    }
    return {
      select,
      from: { name: from.text, pos: from.pos },
      scope,
      where,
      with: withClause,
      groupBy,
      having,
      orderBy,
      limit,
      offset,
      forClause,
      updateClause,
    };
  }

  private punct(p: string): boolean {
    const t = this.peek();
    if (t.type === 'punct' && t.text === p) {
      this.next();
      return true;
    }
    return false;
  }

  private integer(): number {
    const t = this.next();
    if (t.type !== 'number' || !/^\d+$/.test(t.text)) this.fail(t);
    return Number(t.text);
  }

  private selectList(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const t = this.peek();
      if (this.isKeyword('COUNT') && this.peek(1).text === '(' && this.peek(2).text === ')') {
        this.next();
        this.next();
        this.next();
        items.push({ type: 'count', pos: t.pos });
      } else if (this.isKeyword('TYPEOF')) {
        items.push(this.typeOf());
      } else if (this.isKeyword('FIELDS') && this.peek(1).text === '(') {
        this.next();
        this.next();
        const scope = this.next();
        const word = scope.text.toUpperCase();
        if (scope.type !== 'ident' || !['ALL', 'STANDARD', 'CUSTOM'].includes(word)) this.fail(scope);
        this.expectPunct(')');
        items.push({ type: 'fields', scope: word as 'ALL' | 'STANDARD' | 'CUSTOM', pos: t.pos });
      } else if (this.aggregateAhead()) {
        const aggregate = this.aggregate();
        items.push({ type: 'aggregate', aggregate, alias: this.alias() });
      } else if (t.type === 'punct' && t.text === '(' && this.isKeyword('SELECT', 1)) {
        this.next();
        const query = this.query();
        this.expectPunct(')');
        items.push({ type: 'subquery', query, pos: t.pos });
      } else if (t.type === 'ident' && !this.isKeyword('FROM')) {
        items.push({ type: 'field', field: this.fieldRef(), alias: this.alias() });
      } else {
        this.fail(t);
      }
    } while (this.punct(','));
    return items;
  }

  private typeOf(): SelectItem {
    const start = this.next();
    const rel = this.next();
    if (rel.type !== 'ident' || rel.text.includes('.')) this.fail(rel);
    const whens: Array<{ type: { name: string; pos: number }; fields: FieldRef[] }> = [];
    let otherwise: FieldRef[] | null = null;
    const fieldList = (): FieldRef[] => {
      const fields: FieldRef[] = [];
      do fields.push(this.fieldRef());
      while (this.punct(','));
      return fields;
    };
    while (this.isKeyword('WHEN')) {
      this.next();
      const type = this.next();
      if (type.type !== 'ident') this.fail(type);
      this.expectKeyword('THEN');
      whens.push({ type: { name: type.text, pos: type.pos }, fields: fieldList() });
    }
    if (whens.length === 0) this.fail(this.peek());
    if (this.isKeyword('ELSE')) {
      this.next();
      otherwise = fieldList();
    }
    this.expectKeyword('END');
    return {
      type: 'typeof',
      relationship: { name: rel.text, pos: rel.pos },
      whens,
      otherwise,
      pos: start.pos,
    };
  }

  private alias(): string | null {
    const t = this.peek();
    if (t.type !== 'ident' || t.text.includes('.') || this.isKeyword('FROM')) return null;
    this.next();
    return t.text;
  }

  private aggregateAhead(): boolean {
    const t = this.peek();
    return (
      t.type === 'ident' &&
      AGGREGATE_FUNCTIONS.has(t.text.toUpperCase()) &&
      this.peek(1).type === 'punct' &&
      this.peek(1).text === '('
    );
  }

  private aggregate(): AggregateExpr {
    const t = this.next();
    this.expectPunct('(');
    const fn = t.text.toUpperCase() as AggregateFn;
    if (fn === 'COUNT' && this.peek().text === ')') {
      this.next();
      return { fn, field: null, pos: t.pos };
    }
    const field = this.fieldRef();
    this.expectPunct(')');
    return { fn, field, pos: t.pos };
  }

  private aggregateField(aggregate: AggregateExpr): FieldRef {
    return aggregate.field ?? { path: ['Id'], pos: aggregate.pos };
  }

  private fieldRef(): FieldRef {
    const t = this.next();
    if (t.type !== 'ident') this.fail(t);
    const fn = t.text.toUpperCase();
    if (DATE_FUNCTIONS.has(fn) && this.peek().type === 'punct' && this.peek().text === '(') {
      this.next();
      const inner = this.next();
      if (inner.type !== 'ident') this.fail(inner);
      this.expectPunct(')');
      return { path: inner.text.split('.'), pos: t.pos, fn };
    }
    return { path: t.text.split('.'), pos: t.pos };
  }

  /** Mixing AND and OR at one level needs parentheses, as in SOQL. */
  private condition(having: boolean): Condition {
    const first = this.unary(having);
    const items = [first];
    let op: 'AND' | 'OR' | null = null;
    while (this.isKeyword('AND') || this.isKeyword('OR')) {
      const t = this.next();
      const word = t.text.toUpperCase() as 'AND' | 'OR';
      if (op !== null && op !== word) this.fail(t);
      op = word;
      items.push(this.unary(having));
    }
    if (op === null) return first;
    return { type: op === 'AND' ? 'and' : 'or', items };
  }

  private unary(having: boolean): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { type: 'not', item: this.unary(having) };
    }
    if (this.punct('(')) {
      const inner = this.condition(having);
      this.expectPunct(')');
      return inner;
    }
    return this.simple(having);
  }

  private simple(having: boolean): Condition {
    if (having && this.aggregateAhead()) {
      const aggregate = this.aggregate();
      const field = this.aggregateField(aggregate);
      const t = this.next();
      if (t.type !== 'op') this.fail(t);
      return { type: 'compare', field, op: t.text as CompareOp, value: this.literal(), aggregate };
    }
    const field = this.fieldRef();
    const t = this.peek();
    if (t.type === 'op') {
      this.next();
      return { type: 'compare', field, op: t.text as CompareOp, value: this.literal() };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      return { type: 'compare', field, op: 'LIKE', value: this.literal() };
    }
    if (this.isKeyword('IN') || (this.isKeyword('NOT') && this.isKeyword('IN', 1))) {
      const negated = this.isKeyword('NOT');
      if (negated) this.next();
      this.next();
      const open = this.peek();
      if (!having && open.text === '(' && this.isKeyword('SELECT', 1)) {
        this.next();
        const query = this.query();
        this.expectPunct(')');
        return { type: 'semijoin', field, negated, query, pos: open.pos };
      }
      return { type: 'in', field, negated, values: this.literalList() };
    }
    if (this.isKeyword('INCLUDES') || this.isKeyword('EXCLUDES')) {
      const excludes = this.next().text.toUpperCase() === 'EXCLUDES';
      return { type: 'includes', field, excludes, values: this.literalList() };
    }
    this.fail(t);
  }

  private literalList(): Literal[] {
    this.expectPunct('(');
    const values: Literal[] = [];
    do values.push(this.literal());
    while (this.punct(','));
    this.expectPunct(')');
    return values;
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.type) {
      case 'string':
        return { kind: 'string', value: t.value as string, pos: t.pos };
      case 'number':
        return { kind: 'number', value: Number(t.text), raw: t.text, pos: t.pos };
      case 'date':
        return { kind: 'date', value: t.text, pos: t.pos };
      case 'datetime':
        return { kind: 'datetime', value: Date.parse(t.text), raw: t.text, pos: t.pos };
      case 'ident': {
        const word = t.text.toUpperCase();
        if (word === 'TRUE' || word === 'FALSE')
          return { kind: 'boolean', value: word === 'TRUE', pos: t.pos };
        if (word === 'NULL') return { kind: 'null', pos: t.pos };
        if (DATE_LITERALS.has(word)) return { kind: 'dateLiteral', name: word, n: null, pos: t.pos };
        if (DATE_LITERALS_N.test(word)) {
          this.expectPunct(':');
          return { kind: 'dateLiteral', name: word, n: this.integer(), pos: t.pos };
        }
        return this.fail(t);
      }
      default:
        return this.fail(t);
    }
  }
}

export function parseSoql(soql: string): Query {
  return new Parser(soql, tokenize(soql)).parse();
}
