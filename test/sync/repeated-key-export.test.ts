import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

/** Contacts with an address of this file's, as the org holds them. */
function contacts(domain: string): string[] {
  return [...(env.org().store.object('Contact')?.live.values() ?? [])]
    .filter((c) => String(c.Email).endsWith(domain))
    .map((c) => `${String(c.FirstName)} ${String(c.LastName)}`)
    .sort();
}

describe('repeated match keys when matching against an export of the existing records', () => {
  for (const api of ['rest', 'bulk'] as const)
    it(`every run ends with the last row's values, and reports each row as it was written (--api ${api})`, async () => {
      const domain = `@${api}.repeat.test`;
      // 3,000 records already there (seeded straight into the org): a file that size is matched by an export.
      const store = env.org().store;
      const rows = ['FirstName,LastName,Email'];
      for (let i = 0; i < 3000; i++) {
        store.create('Contact', { FirstName: 'Old', LastName: `Old ${i}`, Email: `old${i}${domain}` });
        rows.push(`Old,Old ${i},old${i}${domain}`);
      }
      // Two rows sharing a key that differ, then two that agree.
      rows.push(`Ann,One,flip${domain}`, `Bea,Two,flip${domain}`);
      rows.push(`Cy,Same,same${domain}`, `Cy,Same,same${domain}`);
      const file = `repeat-${api}.csv`;
      env.write(file, `${rows.join('\n')}\n`);
      const seen: Array<{ org: string[]; counts: Record<string, number | undefined> }> = [];
      const args = ['upsert', file, '--object', 'Contact', '--match', 'Email', '--api', api, '--json'];
      // Two runs: the first, and a rerun (a third rerun found the same as the second).
      for (let run = 1; run <= 2; run++) {
        if (run === 2 && api === 'rest') {
          // The dry run predicts the rerun: it too compares a row with what the earlier row would have written.
          const dry = await env.sfsync([...args, '--dry-run']);
          expect(dry.json().result.counts).toMatchObject({ created: 0, updated: 2, unchanged: 3002 });
        }
        const r = await env.sfsync(args);
        expect(r.code, r.stderr).toBe(0);
        const doc = r.json();
        expect(doc.result.matchExport?.records).toBeGreaterThanOrEqual(3000);
        const { created, updated, unchanged } = doc.result.counts as Record<string, number>;
        seen.push({
          org: contacts(domain).filter((c) => !c.startsWith('Old')),
          counts: { created, updated, unchanged },
        });
      }
      // Run 1 creates each key, and its second row updates the record made. A rerun compares each row with what the
      // run's earlier row wrote: Ann changes the record, so Bea is written again; the rows that agree write nothing.
      expect(seen).toEqual([
        { org: ['Bea Two', 'Cy Same'], counts: { created: 2, updated: 2, unchanged: 3000 } },
        { org: ['Bea Two', 'Cy Same'], counts: { created: 0, updated: 2, unchanged: 3002 } },
      ]);
    });

  it('with the batched queries of a small file too, and the dry run predicts it', async () => {
    env.write('small.csv', 'FirstName,LastName,Email\nAnn,One,flip@small.test\nBea,Two,flip@small.test\n');
    const args = ['upsert', 'small.csv', '--object', 'Contact', '--match', 'Email', '--json'];
    const counts = async (extra: string[] = []) => {
      const r = await env.sfsync([...args, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().result.matchExport).toBeNull();
      const { created, updated, unchanged } = r.json().result.counts as Record<string, number>;
      return { created, updated, unchanged, org: contacts('@small.test') };
    };
    expect(await counts()).toEqual({ created: 1, updated: 1, unchanged: 0, org: ['Bea Two'] });
    const rerun = { created: 0, updated: 2, unchanged: 0, org: ['Bea Two'] };
    expect(await counts(['--dry-run'])).toEqual(rerun);
    expect(await counts()).toEqual(rerun);
  });
});
