import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sortByLine } from '../src/operations/line-order.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-order-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEADER = 'line,outcome,error_code,Description\n';

function file(name: string, rows: string[]): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, HEADER + rows.join(''));
  return p;
}

describe('result files in input-line order', () => {
  it('sorts the rows by line (quoted line breaks kept, rows of one line in their order), owner-only', () => {
    const p = file('f.csv', [
      '10,failed,X,"two\n9,lines"\n',
      '3,failed,Y,a\n',
      '10,skipped,Z,b\n',
      '2,failed,Y,"q ""x"""\n',
    ]);
    sortByLine(p);
    expect(fs.readFileSync(p, 'utf8')).toBe(
      HEADER + '2,failed,Y,"q ""x"""\n3,failed,Y,a\n10,failed,X,"two\n9,lines"\n10,skipped,Z,b\n',
    );
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
  });

  it('leaves a file in order, or larger than the bound, as it is', () => {
    const ordered = file('o.csv', ['1,failed,X,a\n', '2,failed,X,b\n']);
    const before = fs.statSync(ordered).mtimeMs;
    sortByLine(ordered);
    expect(fs.statSync(ordered).mtimeMs).toBe(before);
    const big = file('b.csv', ['5,failed,X,a\n', '4,failed,X,b\n']);
    sortByLine(big, 10);
    expect(fs.readFileSync(big, 'utf8')).toBe(HEADER + '5,failed,X,a\n4,failed,X,b\n');
  });

  it('leaves the file as it was when its copy cannot be written', () => {
    const p = file('c.csv', ['5,failed,X,a\n', '4,failed,X,b\n']);
    fs.mkdirSync(`${p}.sorted`);
    expect(() => sortByLine(p)).not.toThrow();
    expect(fs.readFileSync(p, 'utf8')).toBe(HEADER + '5,failed,X,a\n4,failed,X,b\n');
  });
});
