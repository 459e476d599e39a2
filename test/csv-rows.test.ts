import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvRowReader, forEachCsvRow } from '../src/salesforce/csv-rows.js';

function rowsOf(text: string): string[][] {
  const rows: string[][] = [];
  forEachCsvRow(text, (row) => rows.push(row));
  return rows;
}

describe('forEachCsvRow reads Bulk result pages as csv-parse does, one row at a time', () => {
  it.each([
    ['"sf__Id","sf__Created",Name\n"001A","true",Plain\n'],
    [
      '"sf__Id","sf__Error",Name,Title\n"","REQUIRED:x:Name --",,"a,b"\n"001B","E:y --","say ""hi""","multi\nline"\n',
    ],
    ['a,b\r\n1,2\r\n"x\r\ny",\r\n'],
    ['\ufeffId,Name\n1,Zoë 🚀\n2,"trailing "\n'],
    ['Id\n001\n002'],
    ['a,b,c\n1\n1,2,3,4\n'],
    [',\n,\n'],
    [''],
  ])('%j', (text) => {
    expect(rowsOf(text)).toEqual(parse(text, { relax_column_count: true, bom: true }));
  });

  it('refuses a quoted value that is never closed', () => {
    expect(() => rowsOf('a\n"open\n')).toThrow(/not closed/);
  });
});

describe('CsvRowReader reads a result set as it downloads, cut anywhere, as forEachCsvRow reads it whole', () => {
  const text =
    '\ufeff"sf__Id","sf__Error",Name,Title\r\n"","E:x --",,"a,b"\n"001B","E:y --","say ""hi""","multi\r\nline"\nlast,"",Zoë 🚀,x';
  it('every cut into two pieces, and one piece a character', () => {
    const whole = rowsOf(text);
    const cuts = [...Array(text.length + 1).keys()].map((at) => [text.slice(0, at), text.slice(at)]);
    for (const pieces of [...cuts, [...text]]) {
      const rows: string[][] = [];
      const reader = new CsvRowReader((row) => rows.push(row));
      for (const piece of pieces) reader.push(piece);
      expect(reader.end()).toBe(whole.length);
      expect(rows).toEqual(whole);
    }
  });
});
