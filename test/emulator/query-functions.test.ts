import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

// 2026-07-01T03:30:00Z is 2026-06-30 20:30 in America/Los_Angeles (PDT, UTC-7), the org user's time zone.
const { conn } = useLocalOrg({ clock: () => Date.parse('2026-07-01T03:30:00Z') });

beforeAll(async () => {
  await conn()
    .sobject('Account')
    .create([{ Name: 'Fn Pending', CleanStatus: 'Pending', AnnualRevenue: 1234567, Industry: 'Energy' }]);
});

describe('SOQL toLabel(), FORMAT() and convertTimezone()', () => {
  it('toLabel() returns picklist labels under the field name, and filters on labels', async () => {
    const r = await conn().query<{ CleanStatus: string }>(
      "SELECT toLabel(CleanStatus) FROM Account WHERE toLabel(CleanStatus) = 'Not Compared' AND Name = 'Fn Pending'",
    );
    expect(r.records.map((x) => x.CleanStatus)).toEqual(['Not Compared']);
    const plain = await conn().query<{ CleanStatus: string }>(
      "SELECT CleanStatus FROM Account WHERE Name = 'Fn Pending'",
    );
    expect(plain.records[0]?.CleanStatus).toBe('Pending');
  });

  it('refuses toLabel() on a field that is not a picklist', async () => {
    const e = await errorOf(conn().query('SELECT toLabel(Name) FROM Account'));
    expect(e.errorCode).toBe('INVALID_FIELD');
  });

  it("FORMAT() shows numbers, currency and datetimes in the user's locale", async () => {
    const r = await conn().query<{ AnnualRevenue: string; CreatedDate: string }>(
      "SELECT FORMAT(AnnualRevenue), FORMAT(CreatedDate) FROM Account WHERE Name = 'Fn Pending'",
    );
    expect(r.records[0]).toMatchObject({ AnnualRevenue: '$1,234,567', CreatedDate: '6/30/2026, 8:30 PM' });
  });

  it("convertTimezone() makes a date function read the user's local time", async () => {
    const r = await conn().query<{ utc: number; local: number; localDay: number }>(
      "SELECT HOUR_IN_DAY(CreatedDate) utc, HOUR_IN_DAY(convertTimezone(CreatedDate)) local, DAY_IN_MONTH(convertTimezone(CreatedDate)) localDay FROM Account WHERE Name = 'Fn Pending' GROUP BY HOUR_IN_DAY(CreatedDate), HOUR_IN_DAY(convertTimezone(CreatedDate)), DAY_IN_MONTH(convertTimezone(CreatedDate))",
    );
    expect(r.records[0]).toMatchObject({ utc: 3, local: 20, localDay: 30 });
  });

  it('refuses convertTimezone() of a date field', async () => {
    const e = await errorOf(
      conn().query(
        'SELECT CALENDAR_YEAR(convertTimezone(CloseDate)) FROM Opportunity GROUP BY CALENDAR_YEAR(convertTimezone(CloseDate))',
      ),
    );
    expect(e.errorCode).toBe('MALFORMED_QUERY');
  });
});
