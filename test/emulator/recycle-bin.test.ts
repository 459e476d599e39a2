import jsforce from 'jsforce';
import { describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

async function contact(lastName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = (await conn()
    .sobject('Contact')
    .create({ LastName: lastName, ...extra })) as { id: string };
  return r.id;
}

describe('the Recycle Bin and undelete() through the SOAP API', () => {
  it('brings deleted records back with their Ids and fields through jsforce soap.undelete', async () => {
    const a = await contact('Bin A', { Email: 'bin.a@undelete.test' });
    const b = await contact('Bin B');
    await conn().sobject('Contact').destroy([a, b]);
    const bin = await conn().query(`SELECT Id, IsDeleted FROM Contact WHERE Id IN ('${a}','${b}')`, {
      scanAll: true,
    });
    expect(bin.records.map((r) => r.IsDeleted)).toEqual([true, true]);
    const before = org().apiCalls();
    const results = await conn().soap.undelete([a, b]);
    expect(org().apiCalls() - before).toBe(1);
    expect(results).toEqual([
      { id: a, success: true, errors: [] },
      { id: b, success: true, errors: [] },
    ]);
    const back = await conn().query(`SELECT Id, Email, IsDeleted FROM Contact WHERE Id = '${a}'`);
    expect(back.records[0]).toMatchObject({ Id: a, Email: 'bin.a@undelete.test', IsDeleted: false });
  });

  it('refuses a live record, a purged one and an invalid Id, each in its own result', async () => {
    const live = await contact('Live');
    const purged = await contact('Purged');
    org().store.purge(purged);
    const results = await conn().soap.undelete([live, purged, 'not-an-id']);
    expect(results.map((r) => r.success)).toEqual([false, false, false]);
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual([
      'UNDELETE_FAILED',
      'ENTITY_IS_DELETED',
      'INVALID_ID_FIELD',
    ]);
    expect(results[0]?.errors[0]?.message).toBe('Entity is not in the recycle bin');
    expect(results.map((r) => r.id)).toEqual([null, null, null]);
  });

  it('answers a fault for an invalid session and for more than 200 Ids', async () => {
    const bad = new jsforce.Connection({
      instanceUrl: org().instanceUrl,
      accessToken: '00Dbad!session',
      version: '62.0',
    });
    const denied = await errorOf(bad.soap.undelete(['003000000000001AAA']));
    expect(denied.message).toMatch(/INVALID_SESSION_ID/);
    const ids = Array.from({ length: 201 }, () => '003000000000001AAA');
    const tooMany = await errorOf(conn().soap.undelete(ids));
    expect(tooMany.message).toMatch(/EXCEEDED_ID_LIMIT/);
  });

  it('moves SystemModstamp and LastModifiedDate on every write, even two in one millisecond', async () => {
    const id = await contact('Stamps');
    const stamps: string[] = [];
    const read = async (): Promise<void> => {
      const r = await conn().query(
        `SELECT SystemModstamp, LastModifiedDate FROM Contact WHERE Id = '${id}'`,
        {
          scanAll: true,
        },
      );
      const row = r.records[0] as { SystemModstamp: string; LastModifiedDate: string };
      stamps.push(row.SystemModstamp);
    };
    await read();
    // The store directly: two updates in the same millisecond of the org's clock.
    org().store.update(id, { Title: 'One' });
    org().store.update(id, { Title: 'Two' });
    await read();
    await conn().sobject('Contact').destroy(id);
    await read();
    await conn().soap.undelete([id]);
    await read();
    for (let i = 1; i < stamps.length; i++)
      expect(Date.parse(stamps[i] as string)).toBeGreaterThan(Date.parse(stamps[i - 1] as string));
    const direct = org().store.find(id)?.row;
    expect(direct?.LastModifiedDate).toBe(direct?.SystemModstamp);
  });
});
