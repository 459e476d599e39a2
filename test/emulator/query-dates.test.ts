import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

// Wednesday 10 June 2026, noon UTC: weeks start on Sunday 7 June; Q2 runs April to June.
const { conn } = useLocalOrg({ clock: () => Date.parse('2026-06-10T12:00:00Z') });

const DATES = [
  '2025-12-31',
  '2026-03-31',
  '2026-04-01',
  '2026-05-10',
  '2026-05-31',
  '2026-06-06',
  '2026-06-07',
  '2026-06-09',
  '2026-06-10',
  '2026-06-11',
  '2026-06-14',
  '2026-07-01',
  '2027-01-01',
];

beforeAll(async () => {
  const res = await conn()
    .sobject('Opportunity')
    .create(DATES.map((d) => ({ Name: `Dated ${d}`, StageName: 'Prospecting', CloseDate: d })));
  expect(res.every((r) => r.success)).toBe(true);
});

describe('date literals', () => {
  it.each([
    ['YESTERDAY', ['2026-06-09']],
    ['THIS_WEEK', ['2026-06-07', '2026-06-09', '2026-06-10', '2026-06-11']],
    ['LAST_WEEK', ['2026-05-31', '2026-06-06']],
    ['NEXT_WEEK', ['2026-06-14']],
    ['LAST_MONTH', ['2026-05-10', '2026-05-31']],
    ['NEXT_MONTH', ['2026-07-01']],
    ['LAST_QUARTER', ['2026-03-31']],
    ['NEXT_QUARTER', ['2026-07-01']],
    ['THIS_QUARTER', DATES.filter((d) => d >= '2026-04-01' && d <= '2026-06-30')],
    ['THIS_FISCAL_YEAR', DATES.filter((d) => d.startsWith('2026'))],
    ['LAST_N_YEARS:1', ['2025-12-31']],
    ['NEXT_YEAR', ['2027-01-01']],
    ['LAST_N_MONTHS:2', ['2026-04-01', '2026-05-10', '2026-05-31']],
    ['NEXT_N_WEEKS:1', ['2026-06-14']],
    ['N_DAYS_AGO:31', ['2026-05-10']],
    ['N_MONTHS_AGO:1', ['2026-05-10', '2026-05-31']],
    ['LAST_N_DAYS:1', ['2026-06-09', '2026-06-10']],
  ])('CloseDate = %s', async (literal, expected) => {
    const res = await conn().query<{ CloseDate: string }>(
      `SELECT CloseDate FROM Opportunity WHERE CloseDate = ${literal} ORDER BY CloseDate`,
    );
    expect(res.records.map((r) => r.CloseDate)).toEqual(expected);
  });

  it('compares with a range literal: before the start, after the end', async () => {
    const before = await conn().query('SELECT Id FROM Opportunity WHERE CloseDate < THIS_QUARTER');
    const after = await conn().query('SELECT Id FROM Opportunity WHERE CloseDate > THIS_QUARTER');
    expect([before.totalSize, after.totalSize]).toEqual([2, 2]);
  });
});

describe('date functions', () => {
  it('groups, filters and orders by CALENDAR_YEAR, CALENDAR_MONTH, DAY_IN_WEEK and DAY_ONLY', async () => {
    const byYear = await conn().query(
      "SELECT CALENDAR_YEAR(CloseDate), COUNT(Id) n FROM Opportunity WHERE Name LIKE 'Dated %' GROUP BY CALENDAR_YEAR(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate) DESC",
    );
    expect(byYear.records).toEqual([
      { attributes: { type: 'AggregateResult' }, expr0: 2027, n: 1 },
      { attributes: { type: 'AggregateResult' }, expr0: 2026, n: 11 },
      { attributes: { type: 'AggregateResult' }, expr0: 2025, n: 1 },
    ]);
    const count = async (where: string): Promise<number> =>
      (await conn().query(`SELECT Id FROM Opportunity WHERE Name LIKE 'Dated %' AND ${where}`)).totalSize;
    expect(await count('CALENDAR_MONTH(CloseDate) = 6')).toBe(6);
    expect(await count('DAY_IN_WEEK(CloseDate) = 1')).toBe(4);
    expect(await count('CALENDAR_QUARTER(CloseDate) = 2 AND CALENDAR_YEAR(CloseDate) = 2026')).toBe(9);
    expect(await count('DAY_ONLY(CreatedDate) = 2026-06-10')).toBe(DATES.length);
  });

  it.each([
    ['SELECT CALENDAR_YEAR(CloseDate) FROM Opportunity', 'only allowed in aggregate queries'],
    ['SELECT Id FROM Opportunity WHERE HOUR_IN_DAY(CloseDate) = 1', 'Invalid date function argument'],
  ])('%s → MALFORMED_QUERY', async (soql, message) => {
    const err = await errorOf(conn().query(soql));
    expect(err.name).toBe('MALFORMED_QUERY');
    expect(err.message).toContain(message);
  });
});
