/**
 * A SOQL parser for the statements data tools send. Written here rather than taken from a library because the
 * emulator must answer like Salesforce: MALFORMED_QUERY with Row/Column positions, rejection of escape sequences
 * SOQL does not allow, and no silent mixing of AND and OR without parentheses. The parsers on npm give none of
 * these (checked: @jetstreamapp/soql-parser-js accepts `\q` and `A AND B OR C` and throws errors without positions).
 */

import {
  AGGREGATE_FUNCTIONS,
  DATE_FUNCTIONS,
  type AggregateExpr,
  type AggregateFn,
  type CompareOp,
  type Condition,
  type FieldRef,
  type Literal,
  type OrderBy,
  type Query,
  type SelectItem,
} from './ast.js';
import { DATE_LITERALS, DATE_LITERALS_N, tokenize, TokenReader } from './tokenize.js';

export * from './ast.js';

class Parser extends TokenReader {
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
    const withClause = this.trailingClause('WITH', ['SECURITY_ENFORCED', 'USER_MODE', 'SYSTEM_MODE']);
    const groupBy: FieldRef[] = [];
    let groupByMode: Query['groupByMode'] = null;
    if (this.isKeyword('GROUP')) {
      this.next();
      this.expectKeyword('BY');
      if ((this.isKeyword('ROLLUP') || this.isKeyword('CUBE')) && this.peek(1).text === '(') {
        groupByMode = this.next().text.toUpperCase() as 'ROLLUP' | 'CUBE';
        this.next();
      }
      do groupBy.push(this.fieldRef());
      while (this.punct(','));
      if (groupByMode) this.expectPunct(')');
    }
    let having: Condition | null = null;
    if (this.isKeyword('HAVING')) {
      this.next();
      having = this.condition(true);
    }
    const orderBy = this.isKeyword('ORDER') ? this.orderBy() : [];
    const limit = this.isKeyword('LIMIT') ? (this.next(), this.integer()) : null;
    const offset = this.isKeyword('OFFSET') ? (this.next(), this.integer()) : null;
    const forClause = this.trailingClause('FOR', ['VIEW', 'REFERENCE', 'UPDATE']) as Query['forClause'];
    const updateClause = this.trailingClause('UPDATE', ['TRACKING', 'VIEWSTAT']) as Query['updateClause'];
    return {
      select,
      from: { name: from.text, pos: from.pos },
      scope,
      where,
      with: withClause,
      groupBy,
      groupByMode,
      having,
      orderBy,
      limit,
      offset,
      forClause,
      updateClause,
    };
  }

  /** `ORDER BY` and its items. */
  private orderBy(): OrderBy[] {
    this.next();
    this.expectKeyword('BY');
    const orderBy: OrderBy[] = [];
    do {
      const aggregate = this.aggregateAhead() ? this.aggregate() : undefined;
      const field = aggregate ? this.aggregateField(aggregate) : this.fieldRef();
      let descending = false;
      if (this.isKeyword('ASC')) this.next();
      else if (this.isKeyword('DESC')) {
        this.next();
        descending = true;
      }
      let nullsLast = false;
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
    return orderBy;
  }

  /** `KEYWORD WORD` where WORD is one of `words` (upper case), or null when the keyword is not next. */
  private trailingClause(keyword: string, words: string[]): string | null {
    if (!this.isKeyword(keyword)) return null;
    this.next();
    const t = this.next();
    const word = t.text.toUpperCase();
    if (t.type !== 'ident' || !words.includes(word)) this.fail(t);
    return word;
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
    const call = this.peek().type === 'punct' && this.peek().text === '(';
    if (call && (fn === 'TOLABEL' || fn === 'FORMAT')) {
      this.next();
      const inner = this.fieldRef();
      this.expectPunct(')');
      return { ...inner, pos: t.pos, wrap: fn };
    }
    if (DATE_FUNCTIONS.has(fn) && call) {
      this.next();
      const local = this.isKeyword('CONVERTTIMEZONE') && this.peek(1).text === '(';
      if (local) {
        this.next();
        this.next();
      }
      const inner = this.next();
      if (inner.type !== 'ident') this.fail(inner);
      if (local) this.expectPunct(')');
      this.expectPunct(')');
      return { path: inner.text.split('.'), pos: t.pos, fn, ...(local ? { convertTimezone: true } : {}) };
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
    const values: Literal[] = [this.literal()];
    while (this.punct(',')) values.push(this.literal());
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
