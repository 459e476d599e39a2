import { describe, expect, it } from 'vitest';
import { csvLineOf, lineWriter, resultLine } from '../../src/operations/bulk-csv.js';
import { cellsHash, LineIndex, lineHash } from '../../src/operations/line-index.js';

describe('Bulk result join by line hash', () => {
  it.each([
    [['plain', 'two words', '']],
    [['a,b', 'say "hi"', ' lead', 'trail ', 'multi\nline', 'cr\rlf', '"']],
    [['Zoë', '🚀 rocket', '#N/A', '""']],
  ])('a result row hashes as the line it was uploaded as: %j', (values) => {
    const at = values.map((_, i) => i);
    expect(cellsHash(values, at)).toBe(lineHash(resultLine(values)));
  });

  it('reads the result row columns in upload order, a missing one as empty', () => {
    const row = ['001x', 'true', 'b', 'a'];
    expect(cellsHash(row, [3, 2, -1])).toBe(lineHash('a,b,'));
  });

  it('gives lines with the same text in upload order, each once, and nothing for a line not uploaded', () => {
    const index = new LineIndex();
    for (const line of ['x,1', 'y,2', 'x,1', 'z,3']) index.add(lineHash(line));
    index.seal();
    expect(index.take(lineHash('x,1'))).toBe(0);
    expect(index.take(lineHash('x,1'))).toBe(2);
    expect(index.take(lineHash('x,1'))).toBeUndefined();
    expect(index.take(lineHash('z,3'))).toBe(3);
    expect(index.take(lineHash('w,4'))).toBeUndefined();
  });

  it('holds many lines (the table grows past its first size)', () => {
    const index = new LineIndex();
    for (let i = 0; i < 50_000; i++) index.add(lineHash(`line ${i}`));
    index.seal();
    for (let i = 49_999; i >= 0; i -= 997) expect(index.take(lineHash(`line ${i}`))).toBe(i);
  });

  it('writes the same line as csvLineOf, relationship columns included', () => {
    const columns = ['LastName', 'Account.External_Id__c', 'Title'];
    const record = { LastName: 'O"Neil, Jr', Account: { External_Id__c: 'A-1' }, Title: null };
    expect(lineWriter(columns)(record)).toBe(csvLineOf(columns, record));
    expect(lineWriter(columns)({ LastName: 'x', Account: null })).toBe('x,,');
  });
});
