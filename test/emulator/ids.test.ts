import { describe, expect, it } from 'vitest';
import { IdGenerator, idSuffix, normalizeId, to18 } from '../../src/emulator/ids.js';

describe('Salesforce ids', () => {
  it.each([
    ['001D000000IqhSL', '001D000000IqhSLIAZ'],
    ['00558000001N0Ke', '00558000001N0KeAAK'],
  ])('%s → %s (the documented examples)', (id15, id18) => {
    expect(to18(id15)).toBe(id18);
  });

  it('accepts 15 and 18 characters and rejects a wrong checksum', () => {
    expect(normalizeId('001D000000IqhSL')).toBe('001D000000IqhSLIAZ');
    expect(normalizeId('001D000000IqhSLIAZ')).toBe('001D000000IqhSLIAZ');
    expect(normalizeId('001D000000IqhSLAAA')).toBeNull();
    expect(normalizeId("001' OR Name != '")).toBeNull();
    expect(normalizeId('short')).toBeNull();
  });

  it('issues ids with the key prefix and a valid checksum, never twice', () => {
    const gen = new IdGenerator();
    const ids = Array.from({ length: 5000 }, () => gen.next('003'));
    expect(new Set(ids).size).toBe(5000);
    for (const id of ids) {
      expect(id).toMatch(/^003[a-zA-Z0-9]{15}$/);
      expect(id.slice(15)).toBe(idSuffix(id.slice(0, 15)));
    }
  });

  it('continues after ids loaded from a data file', () => {
    const a = new IdGenerator();
    const last = Array.from({ length: 70 }, () => a.next('001')).at(-1) as string;
    const b = new IdGenerator();
    b.observe(last);
    expect(b.next('001') > last).toBe(true);
  });
});
