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
      for (let run = 1; run <= 3; run++) {
        const r = await env.sfsync([
          'upsert',
          file,
          '--object',
          'Contact',
          '--match',
          'Email',
          '--api',
          api,
          '--json',
        ]);
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
        { org: ['Bea Two', 'Cy Same'], counts: { created: 0, updated: 2, unchanged: 3002 } },
      ]);
    });
});
