import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flatJson } from '../src/core/flat-json.js';
import { thousands } from '../src/core/plural.js';
import { repeatedKeysWarning } from '../src/operations/key-scan.js';

// Text sfsync writes faster than the built-ins would, with the same result.
// payloads.ndjson holds each payload as JSON.stringify would write it: flatJson must write the same text.
describe('flatJson', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['empty', {}],
    ['plain text', { FirstName: 'Ada', LastName: 'Lovelace' }],
    ['quotes and backslashes', { Title: 'say "hi"', Path: 'C:\\x' }],
    ['control characters', { Description: 'a\nb\tc\r\u0000\u001f' }],
    ['a lone surrogate and a pair', { A: 'x\ud800y', B: 'ok \ud83d\ude00' }],
    ['line separators', { A: '\u2028\u2029' }],
    ['numbers', { A: 1, B: -0, C: 1.5e300, D: NaN, E: Infinity, F: 0.1 }],
    ['booleans and null', { A: true, B: false, C: null }],
    ['undefined, a function and a symbol are left out', { A: undefined, B: () => 1, C: Symbol('s'), D: 'x' }],
    ['a nested parent reference', { Account: { External_Id__c: 'A-1' }, Name: 'x' }],
    ['a date', { When: new Date(0) }],
    ['keys that need escaping and integer-like keys', { 'a"b': 1, '2': 'two', '1': 'one', ü: 'é' }],
  ];
  it.each(cases)('%s', (_name, value) => {
    expect(flatJson(value)).toBe(JSON.stringify(value));
  });
});

// Counts in messages are written as toLocaleString('en-US') writes them, without loading ICU at start-up.
describe('thousands', () => {
  it.each([0, 1, 12, 999, 1000, 12345, 123456, 1234567, -1234, 9007199254740991, 1.5, NaN])('%s', (n) => {
    expect(thousands(n)).toBe(n.toLocaleString('en-US'));
  });
});

// The first toLocaleString of a process loads ICU's locale data; thousands() writes the same text without it.
it('src/ counts with thousands(), never toLocaleString (but in thousands itself)', () => {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith(path.join('core', 'plural.ts')))
        fs.readFileSync(p, 'utf8')
          .split('\n')
          .forEach((l, i) => l.includes('.toLocaleString(') && found.push(`${p}:${i + 1}`));
    }
  };
  walk(path.join(import.meta.dirname, '..', 'src'));
  expect(found).toEqual([]);
});

it('a warning that elides groups says how many, without an ellipsis before its full stop', () => {
  const groups = [1, 2, 3, 4, 5].map((i) => ({
    key: `Email=k${i}@x.test`,
    count: 2,
    lines: [2 * i, 2 * i + 1],
  }));
  const text = repeatedKeysWarning({ keys: 7, records: 14, groups }) ?? '';
  expect(text).toContain('Email=k5@x.test ×2 (lines 10, 11); and 2 more. They are written in file order');
  expect(text).not.toMatch(/…\./);
});
