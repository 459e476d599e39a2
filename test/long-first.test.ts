import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDurations, stale } from './helpers/long-first.js';

describe('the order of test files (test/helpers/long-first.ts)', () => {
  it('finds the recorded durations stale only when a file that matters takes twice or half its share', () => {
    const recorded = { 'a.test.ts': 5000, 'b.test.ts': 3000, 'c.test.ts': 2000 };
    // Everything twice as slow (a loaded machine): the same shares, nothing stale.
    expect(stale(recorded, { 'a.test.ts': 10_000, 'b.test.ts': 6000, 'c.test.ts': 4000 })).toEqual([]);
    // c now takes most of the run, a new file d a fair share of it.
    expect(
      stale(recorded, { 'a.test.ts': 5000, 'b.test.ts': 3000, 'c.test.ts': 9000, 'd.test.ts': 2000 }),
    ).toEqual(['c.test.ts', 'd.test.ts']);
    // A file too short to matter is never a reason.
    expect(stale({ ...recorded, 'e.test.ts': 10 }, { ...recorded, 'e.test.ts': 100 })).toEqual([]);
  });

  it('refuses a durations file that names a test file no longer there, naming it', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-durations-')), 'durations.json');
    fs.writeFileSync(file, JSON.stringify({ 'test/long-first.test.ts': 100, 'test/renamed.test.ts': 9000 }));
    expect(() => readDurations(file)).toThrow(/names test\/renamed\.test\.ts, which no longer exists/);
    fs.writeFileSync(file, JSON.stringify({ 'test/long-first.test.ts': 100 }));
    expect(readDurations(file)).toEqual({ 'test/long-first.test.ts': 100 });
  });
});
