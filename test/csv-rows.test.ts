import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { forEachCsvRow } from '../src/salesforce/csv-rows.js';

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
