import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDurations } from './helpers/long-first.js';

describe('the order of test files (test/helpers/long-first.ts)', () => {
  it('refuses a durations file that names a test file no longer there, naming it', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-durations-')), 'durations.json');
    fs.writeFileSync(file, JSON.stringify({ 'test/long-first.test.ts': 100, 'test/renamed.test.ts': 9000 }));
    expect(() => readDurations(file)).toThrow(/names test\/renamed\.test\.ts, which no longer exists/);
    fs.writeFileSync(file, JSON.stringify({ 'test/long-first.test.ts': 100 }));
    expect(readDurations(file)).toEqual({ 'test/long-first.test.ts': 100 });
  });
});
