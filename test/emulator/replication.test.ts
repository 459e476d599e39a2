import { describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

let now = Date.parse('2026-06-10T12:00:30Z');
const at = (iso: string): void => {
  now = Date.parse(iso);
};
const { org, conn } = useLocalOrg({ clock: () => now });

const stamp = (hhmmss: string): string => `2026-06-10T${hhmmss}.000+0000`;

async function get(path: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${org().instanceUrl}/services/data/v62.0${path}`, {
    headers: { Authorization: `Bearer ${org().accessToken}` },
  });
  return { status: res.status, json: await res.json() };
}

describe('getUpdated and getDeleted (sobjects/{Obj}/updated and /deleted)', () => {
  it('lists records changed in the window by SystemModstamp, whole minutes only, up to latestDateCovered', async () => {
    at('2026-06-10T12:00:40Z');
    const a = (await conn().sobject('Account').create({ Name: 'Repl A' })).id as string;
    at('2026-06-10T12:05:10Z');
    const b = (await conn().sobject('Account').create({ Name: 'Repl B' })).id as string;

    at('2026-06-10T12:10:20Z');
    expect(await conn().sobject('Account').updated('2026-06-10T12:00:59Z', '2026-06-10T12:05:00Z')).toEqual({
      ids: [a],
      latestDateCovered: stamp('12:05:00'),
    });
    const c = (await conn().sobject('Account').create({ Name: 'Repl C' })).id as string;
    // The end is still to come: the answer covers up to the current whole minute, so C (12:10:20) waits.
    const open = await conn().sobject('Account').updated('2026-06-10T12:00:00Z', '2026-06-10T13:00:00Z');
    expect(open).toEqual({ ids: [a, b], latestDateCovered: stamp('12:10:00') });

    at('2026-06-10T12:10:50Z');
    await conn().sobject('Account').update({ Id: a, Name: 'Repl A2' });
    at('2026-06-10T12:11:30Z');
    const next = await conn().sobject('Account').updated(open.latestDateCovered, '2026-06-10T13:00:00Z');
    expect({ ...next, ids: [...next.ids].sort() }).toEqual({
      ids: [a, c].sort(),
      latestDateCovered: stamp('12:11:00'),
    });
  });

  it('lists deleted records with their deletedDate and earliestDateAvailable', async () => {
    at('2026-06-10T12:20:00Z');
    const gone = (await conn().sobject('Contact').create({ LastName: 'Repl Gone' })).id as string;
    // Deleted later than it was created: on a clock standing still the delete's stamp would move on by a millisecond
    // (every change moves SystemModstamp).
    at('2026-06-10T12:20:05Z');
    await conn().sobject('Contact').destroy(gone);
    at('2026-06-10T12:25:00Z');
    expect(await conn().sobject('Contact').deleted('2026-06-10T12:00:00Z', '2026-06-10T12:30:00Z')).toEqual({
      deletedRecords: [{ id: gone, deletedDate: stamp('12:20:05') }],
      earliestDateAvailable: stamp('12:00:00'),
      latestDateCovered: stamp('12:25:00'),
    });
    const updated = await conn().sobject('Contact').updated('2026-06-10T12:00:00Z', '2026-06-10T12:30:00Z');
    expect(updated.ids).toEqual([]);
  });

  it('refuses a window that is empty, reversed or older than the log keeps, with INVALID_REPLICATION_DATE', async () => {
    at('2026-06-10T12:30:00Z');
    const reversed = await errorOf(
      conn().sobject('Account').updated('2026-06-10T12:10:00Z', '2026-06-10T12:10:30Z'),
    );
    expect(reversed.name).toBe('INVALID_REPLICATION_DATE');
    const old = await get(
      `/sobjects/Account/updated?start=${encodeURIComponent('2026-05-01T00:00:00+00:00')}&end=${encodeURIComponent('2026-06-10T00:00:00+00:00')}`,
    );
    expect(old.status).toBe(400);
    expect((old.json as Array<{ errorCode: string }>)[0]?.errorCode).toBe('INVALID_REPLICATION_DATE');
    const deletedTooOld = await errorOf(
      conn().sobject('Account').deleted('2026-05-20T00:00:00Z', '2026-06-10T00:00:00Z'),
    );
    expect(deletedTooOld.name).toBe('INVALID_REPLICATION_DATE');
    const missing = await get('/sobjects/Account/updated');
    expect(missing.status).toBe(400);
    expect((missing.json as Array<{ errorCode: string }>)[0]?.errorCode).toBe('MISSING_ARGUMENT');
  });
});
