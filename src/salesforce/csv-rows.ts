/**
 * Each record of a CSV text (a page of Bulk API results) as the array of its values, handed to `onRow` as soon as
 * it is read, so a page is never held as rows: csv-parse turned a whole page into arrays before the first one was
 * used, which for a job of 300,000 records was 100 MB of short-lived arrays. RFC 4180: quoted values may hold
 * commas, doubled quotes and line breaks; lines end in LF or CRLF; a BOM is skipped; rows may differ in length.
 * Returns the number of rows.
 */
export function forEachCsvRow(text: string, onRow: (row: string[]) => void): number {
  return readRows(text, onRow, true).rows;
}

/**
 * A CSV text that arrives in pieces (a result set read as it downloads): each complete row is handed to `onRow` as
 * soon as its piece has come, and only the unfinished last row of a piece is carried to the next.
 */
export class CsvRowReader {
  private carry = '';
  private started = false;
  rows = 0;

  constructor(private readonly onRow: (row: string[]) => void) {}

  push(piece: string): void {
    let text = this.carry.length > 0 ? this.carry + piece : piece;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const { rows, consumed } = readRows(text, this.onRow, false);
    this.rows += rows;
    this.carry = consumed === 0 ? text : text.slice(consumed);
  }

  /** The last row, which had no line break after it. */
  end(): number {
    if (this.carry.length > 0) this.rows += readRows(this.carry, this.onRow, true).rows;
    this.carry = '';
    return this.rows;
  }
}

/**
 * Reads the rows of `text`. Unless `final`, a row that may go on in the next piece (it reaches the end of the text
 * without its line break) is left unread: `consumed` says where it starts.
 */
function readRows(
  text: string,
  onRow: (row: string[]) => void,
  final: boolean,
): { rows: number; consumed: number } {
  const n = text.length;
  let i = final && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let rows = 0;
  // Where the next comma and line break are: found once, not searched for again for every value.
  let comma = -1;
  let lf = -1;
  while (i < n) {
    const rowStart = i;
    const row: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === 34) {
        let start = i + 1;
        let value = '';
        for (;;) {
          const q = text.indexOf('"', start);
          if (q < 0 || (!final && q + 1 >= n)) {
            if (!final) return { rows, consumed: rowStart };
            throw new Error(`Quoted value not closed at character ${i} of row ${rows + 1}`);
          }
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
        if (end === n && !final) return { rows, consumed: rowStart };
        if (end === lf && end > i && text.charCodeAt(end - 1) === 13) end--;
        row.push(text.slice(i, end));
        i = end;
      }
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (!final && (i >= n || (c === 13 && i + 1 >= n))) return { rows, consumed: rowStart };
      if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2;
      else if (c === 10) i++;
      else if (i < n)
        throw new Error(`Unexpected character after a quoted value at character ${i} of row ${rows + 1}`);
      break;
    }
    rows++;
    onRow(row);
  }
  return { rows, consumed: n };
}
