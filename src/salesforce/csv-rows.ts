/**
 * Each record of a CSV text (a page of Bulk API results) as the array of its values, handed to `onRow` as soon as
 * it is read, so a page is never held as rows: csv-parse turned a whole page into arrays before the first one was
 * used, which for a job of 300,000 records was 100 MB of short-lived arrays. RFC 4180: quoted values may hold
 * commas, doubled quotes and line breaks; lines end in LF or CRLF; a BOM is skipped; rows may differ in length.
 * Returns the number of rows.
 */
export function forEachCsvRow(text: string, onRow: (row: string[]) => void): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let rows = 0;
  // Where the next comma and line break are: found once, not searched for again for every value.
  let comma = -1;
  let lf = -1;
  while (i < n) {
    const row: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === 34) {
        let start = i + 1;
        let value = '';
        for (;;) {
          const q = text.indexOf('"', start);
          if (q < 0) throw new Error(`Quoted value not closed at character ${i} of row ${rows + 1}`);
          if (text.charCodeAt(q + 1) === 34) {
            value += text.slice(start, q + 1);
            start = q + 2;
            continue;
          }
          row.push(value + text.slice(start, q));
          i = q + 1;
          break;
        }
      } else {
        if (comma < i) {
          comma = text.indexOf(',', i);
          if (comma < 0) comma = n;
        }
        if (lf < i) {
          lf = text.indexOf('\n', i);
          if (lf < 0) lf = n;
        }
        let end = comma < lf ? comma : lf;
        if (end === lf && end > i && text.charCodeAt(end - 1) === 13) end--;
        row.push(text.slice(i, end));
        i = end;
      }
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2;
      else if (c === 10) i++;
      else if (i < n)
        throw new Error(`Unexpected character after a quoted value at character ${i} of row ${rows + 1}`);
      break;
    }
    rows++;
    onRow(row);
  }
  return rows;
}
