import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MappedRecord } from '../../src/mapping/apply.js';
import { findMatches } from '../../src/operations/match.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { createConnector } from '../../src/salesforce/connect.js';
import { createMemoryTokenStore } from '../../src/auth/token-store.js';
import { FAST_RETRY } from '../helpers/test-deps.js';

let org: Emulator;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
});
afterAll(async () => org.close());

/** A small seeded generator, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  "'",
  '"',
  '\\',
  '%',
  '_',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\u0000'.slice(1),
  ' ',
  'a',
  'Z',
  '0',
  'é',
  '😀',
  '\u2028',
  ')',
  '(',
  ',',
  '=',
  'OR',
  'u00e9',
  '\\u0027',
];

describe('record matchers with hostile values', () => {
  it('match each random value (quotes, backslashes, unicode, control characters) only to the record holding exactly it', async () => {
    const random = rng(20261128);
    const values = new Set<string>();
    while (values.size < 150) {
      let v = '';
      const n = 1 + Math.floor(random() * 8);
      for (let i = 0; i < n; i++) v += ALPHABET[Math.floor(random() * ALPHABET.length)];
      if (v.trim() !== '') values.add(v);
    }
    const list = [...values];
    const created: Array<{ id: string; success: boolean }> = [];
    for (let i = 0; i < list.length; i += 200) {
      const res = await fetch(`${org.instanceUrl}/services/data/v62.0/composite/sobjects`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${org.accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          records: list
            .slice(i, i + 200)
            .map((v) => ({ attributes: { type: 'Contact' }, LastName: 'P', Title: v })),
        }),
      });
      created.push(...((await res.json()) as Array<{ id: string; success: boolean }>));
    }
    expect(created.every((c) => c.success)).toBe(true);
    const client = await createConnector(
      { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
      () => createMemoryTokenStore(),
      FAST_RETRY,
    )({});
    const contact = await client.describe('Contact');
    const title = contact.fields.find((f) => f.name === 'Title');
    const records: MappedRecord[] = list.map((v, i) => ({
      line: i + 2,
      input: {},
      payload: { Title: v },
      lookups: [],
    }));
    const matches = await findMatches(
      client,
      { object: 'Contact', fields: [title as never], operator: 'OR' },
      records,
    );
    // Text equality in SOQL ignores case, so values differing only by case match each other too.
    const byLower = new Map<string, string[]>();
    list.forEach((v, i) =>
      byLower.set(v.toLowerCase(), [...(byLower.get(v.toLowerCase()) ?? []), created[i]?.id as string]),
    );
    records.forEach((r, i) => {
      expect(new Set(matches.get(r)), JSON.stringify(list[i])).toEqual(
        new Set(byLower.get((list[i] as string).toLowerCase())),
      );
    });
  });
});
