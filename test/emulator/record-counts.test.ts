import { describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

describe('/limits/recordCount', () => {
  it('counts the records of the named objects, or of every object that has any; unknown names are left out', async () => {
    await conn()
      .sobject('Account')
      .create([{ Name: 'Count One' }, { Name: 'Count Two' }]);
    const named = await conn().request<{ sObjects: unknown[] }>(
      '/limits/recordCount?sObjects=Account,Lead,Nope__c',
    );
    expect(named.sObjects).toEqual([
      { count: org().store.object('Account')?.live.size, name: 'Account' },
      { count: 0, name: 'Lead' },
    ]);
    const all = await conn().request<{ sObjects: Array<{ name: string }> }>('/limits/recordCount');
    expect(all.sObjects.map((s) => s.name)).toContain('Account');
    expect(all.sObjects.map((s) => s.name)).not.toContain('Lead');
  });
});
