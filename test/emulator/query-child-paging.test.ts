import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';

const { conn } = useLocalOrg();

let accountId = '';

beforeAll(async () => {
  const [account] = await conn()
    .sobject('Account')
    .create([{ Name: 'Paging Parent' }]);
  accountId = account?.id as string;
  const contacts = Array.from({ length: 450 }, (_, i) => ({
    LastName: `Child ${String(i).padStart(3, '0')}`,
    AccountId: accountId,
  }));
  for (let i = 0; i < contacts.length; i += 200)
    await conn()
      .sobject('Contact')
      .create(contacts.slice(i, i + 200), { allOrNone: true });
});

interface ChildResult {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<{ LastName: string }>;
}

describe('a child subquery over 200 records', () => {
  it('pages behind its own nextRecordsUrl, which queryMore follows to the end', async () => {
    const r = await conn().query<{ Contacts: ChildResult }>(
      `SELECT Id, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Id = '${accountId}'`,
    );
    const first = r.records[0]?.Contacts as ChildResult;
    expect(first).toMatchObject({ totalSize: 450, done: false });
    expect(first.records).toHaveLength(200);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-200$/);
    const names = first.records.map((c) => c.LastName);
    let next = first.nextRecordsUrl;
    while (next) {
      const page = (await conn().queryMore(next)) as unknown as ChildResult;
      expect(page.totalSize).toBe(450);
      names.push(...page.records.map((c) => c.LastName));
      next = page.done ? undefined : page.nextRecordsUrl;
    }
    expect(names).toHaveLength(450);
    expect(names[0]).toBe('Child 000');
    expect(names[449]).toBe('Child 449');
  });

  it('keeps a result of 200 or fewer children whole, with no nextRecordsUrl', async () => {
    const r = await conn().query<{ Contacts: ChildResult }>(
      `SELECT Id, (SELECT LastName FROM Contacts LIMIT 200) FROM Account WHERE Id = '${accountId}'`,
    );
    expect(r.records[0]?.Contacts).toMatchObject({ totalSize: 200, done: true });
    expect(r.records[0]?.Contacts).not.toHaveProperty('nextRecordsUrl');
  });
});
