import { SoqlSyntaxError } from './ast.js';

export type TokenType = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'eof';
export interface Token {
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

/** The string literal that starts at `i` (a quote), with SOQL's escape sequences read. */
function stringLiteral(soql: string, i: number): Token {
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
  return { type: 'string', text: soql.slice(i, j + 1), value, pos: i };
}

export function tokenize(soql: string): Token[] {
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
      const token = stringLiteral(soql, i);
      tokens.push(token);
      i += token.text.length;
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

/** SOQL's date literals: the fixed ones and those that take `:n`. */
export const DATE_LITERALS_N =
  /^(?:LAST|NEXT)_N_(?:DAYS|WEEKS|MONTHS|YEARS|QUARTERS|FISCAL_QUARTERS|FISCAL_YEARS)$|^N_(?:DAYS|WEEKS|MONTHS|YEARS|QUARTERS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO$/i;
export const DATE_LITERALS = new Set(
  'YESTERDAY TODAY TOMORROW LAST_WEEK THIS_WEEK NEXT_WEEK LAST_MONTH THIS_MONTH NEXT_MONTH LAST_90_DAYS NEXT_90_DAYS THIS_QUARTER LAST_QUARTER NEXT_QUARTER THIS_YEAR LAST_YEAR NEXT_YEAR THIS_FISCAL_QUARTER LAST_FISCAL_QUARTER NEXT_FISCAL_QUARTER THIS_FISCAL_YEAR LAST_FISCAL_YEAR NEXT_FISCAL_YEAR'.split(
    ' ',
  ),
);

/** Reads tokens one at a time; the parser's grammar is built on these steps. */
export class TokenReader {
  protected i = 0;
  constructor(
    protected readonly soql: string,
    protected readonly tokens: Token[],
  ) {}

  protected peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }
  protected next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }
  protected isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.type === 'ident' && t.text.toUpperCase() === word;
  }
  protected fail(token: Token): never {
    throw new SoqlSyntaxError(
      this.soql,
      token.pos,
      `unexpected token: ${token.type === 'eof' ? '<EOF>' : `'${token.text}'`}`,
    );
  }
  protected expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.fail(this.peek());
    return this.next();
  }
  protected expectPunct(p: string): void {
    const t = this.next();
    if (t.type !== 'punct' || t.text !== p) this.fail(t);
  }

  protected punct(p: string): boolean {
    const t = this.peek();
    if (t.type === 'punct' && t.text === p) {
      this.next();
      return true;
    }
    return false;
  }

  protected integer(): number {
    const t = this.next();
    if (t.type !== 'number' || !/^\d+$/.test(t.text)) this.fail(t);
    return Number(t.text);
  }
}
