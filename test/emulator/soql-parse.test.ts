import { describe, expect, it } from 'vitest';
import { parseSoql, SoqlSyntaxError } from '../../src/emulator/soql/parse.js';

function where(soql: string): unknown {
  return parseSoql(soql).where;
}

describe('SOQL parser', () => {
  it('reads fields, parent paths, COUNT(), ORDER BY, LIMIT and OFFSET', () => {
    const q = parseSoql(
      'select Id, Account.Name from Contact order by LastName desc nulls last, Id limit 10 offset 5',
    );
    expect(q.select.map((s) => (s.type === 'field' ? s.field.path.join('.') : 'COUNT()'))).toEqual([
      'Id',
      'Account.Name',
    ]);
    expect(q.from.name).toBe('Contact');
    expect(q.orderBy.map((o) => [o.field.path[0], o.descending, o.nullsLast])).toEqual([
      ['LastName', true, true],
      ['Id', false, false],
    ]);
    expect([q.limit, q.offset]).toEqual([10, 5]);
    expect(parseSoql('SELECT COUNT() FROM Lead').select).toEqual([{ type: 'count', pos: 7 }]);
  });

  it.each([
    ["Name = 'O\\'Brien'", "O'Brien"],
    ["Name = 'a\\\\b'", 'a\\b'],
    ["Name = 'line\\nbreak\\ttab'", 'line\nbreak\ttab'],
    ["Name = 'quote\\\"d'", 'quote"d'],
    ["Name = '\\u00e9t\\u00E9'", 'été'],
    ["Name LIKE 'a\\_b%'", 'a\\_b%'],
  ])('unescapes %s', (cond, value) => {
    expect(where(`SELECT Id FROM Account WHERE ${cond}`)).toMatchObject({ value: { kind: 'string', value } });
  });

  it('types literals: numbers, booleans, null, dates, datetimes and date literals', () => {
    const w = where(
      'SELECT Id FROM Opportunity WHERE Amount > -3.5 AND IsWon = TRUE AND Description = null AND CloseDate = 2024-02-29 AND CreatedDate < 2024-01-01T10:00:00+01:00 AND LastModifiedDate = LAST_N_DAYS:30',
    ) as { items: Array<{ value: unknown }> };
    expect(w.items.map((i) => (i.value as { kind: string }).kind)).toEqual([
      'number',
      'boolean',
      'null',
      'date',
      'datetime',
      'dateLiteral',
    ]);
    expect(w.items[4]?.value).toMatchObject({ value: Date.parse('2024-01-01T09:00:00Z') });
  });

  it('groups AND, OR, NOT, IN, NOT IN and INCLUDES with parentheses', () => {
    const w = where(
      "SELECT Id FROM Lead WHERE (Email IN ('a@x.io', 'b@x.io') OR Phone NOT IN ('1')) AND NOT Status = 'Open' AND Tags__c INCLUDES ('a;b', 'c')",
    );
    expect(w).toMatchObject({
      type: 'and',
      items: [
        {
          type: 'or',
          items: [
            { type: 'in', negated: false },
            { type: 'in', negated: true },
          ],
        },
        { type: 'not', item: { type: 'compare', op: '=' } },
        { type: 'includes', excludes: false },
      ],
    });
  });

  it.each([
    ['SELECT Id FROM Account WHERE', 'ERROR at Row:1:Column:29\nunexpected token: <EOF>'],
    ['SELECT FROM Account', "ERROR at Row:1:Column:8\nunexpected token: 'FROM'"],
    ['SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3', "unexpected token: 'OR'"],
    ['SELECT Id FROM Account WHERE Name = "x"', `unexpected token: '"'`],
    ["SELECT Id FROM Account WHERE Name = 'a\\qb'", "Illegal character sequence '\\q' in string literal"],
    ["SELECT Id FROM Account WHERE Name = 'unclosed", "expecting '''"],
    ["SELECT Id FROM Account LIMIT 'x'", 'unexpected token'],
  ])('%s fails with a positioned message', (soql, detail) => {
    let error: unknown;
    try {
      parseSoql(soql);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SoqlSyntaxError);
    const message = (error as SoqlSyntaxError).salesforceMessage();
    expect(message).toContain(detail);
    expect(message.startsWith(`\n${soql.split('\n')[0]}\n`)).toBe(true);
  });

  it('reads subqueries, semi-joins, aggregates, GROUP BY, HAVING and the trailing clauses', () => {
    const q = parseSoql(
      "SELECT Id, (SELECT LastName FROM Contacts WHERE Title = 'CEO' LIMIT 2) FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact) FOR VIEW UPDATE TRACKING",
    );
    expect(q.select[1]).toMatchObject({ type: 'subquery', query: { from: { name: 'Contacts' }, limit: 2 } });
    expect(q.where).toMatchObject({ type: 'semijoin', negated: true, query: { from: { name: 'Contact' } } });
    expect([q.forClause, q.updateClause]).toEqual(['VIEW', 'TRACKING']);
    const agg = parseSoql(
      'SELECT StageName s, COUNT(Id), SUM(Amount) total FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1 ORDER BY SUM(Amount) DESC',
    );
    expect(agg.select).toMatchObject([
      { type: 'field', alias: 's' },
      { type: 'aggregate', aggregate: { fn: 'COUNT', field: { path: ['Id'] } }, alias: null },
      { type: 'aggregate', aggregate: { fn: 'SUM' }, alias: 'total' },
    ]);
    expect(agg.groupBy.map((f) => f.path)).toEqual([['StageName']]);
    expect(agg.having).toMatchObject({ type: 'compare', op: '>', aggregate: { fn: 'COUNT' } });
    expect(agg.orderBy[0]).toMatchObject({ aggregate: { fn: 'SUM' }, descending: true });
  });

  it('never lets a value change the query: an escaped quote stays inside the literal', () => {
    const w = where("SELECT Id FROM Contact WHERE Email = 'x\\' OR Name != \\''");
    expect(w).toMatchObject({ type: 'compare', value: { value: "x' OR Name != '" } });
  });
});
