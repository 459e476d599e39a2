const QUOTE = 34;
const LF = 10;
const CR = 13;

/** How the file's records end, found (as csv-parse finds it) at the first line break outside quotes. */
const enum LineEnd {
  Unknown,
  Lf,
  CrLf,
}

/**
 * Splits CSV text into records of fields, reading exactly what csv-parse (with sfsync's options) reads, for the
 * files it can: quoted fields with `""` for a quote, LF or CRLF line ends. Anything else (a quote inside a field,
 * text after a closing quote, a bare CR, a line end other than the file's first, a quote never closed) it does not
 * read but reports as `false`, and the caller hands the file to csv-parse, whose records and messages stay the
 * reference. Several times faster than csv-parse: fields are sliced out of the text, never copied byte by byte.
 */
export class CsvScanner {
  private lineEnd = LineEnd.Unknown;
  private readonly delimiter: number;
  /** Where the record after the last one read starts. */
  next = 0;

  constructor(delimiter: string) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Whether a delimiter can be read by this scanner: one character that is no quote or line break. */
  static reads(delimiter: string): boolean {
    return delimiter.length === 1 && !'"\r\n'.includes(delimiter);
  }

  /**
   * The fields of the record starting at `from`; null when the text ends inside it and more is to come (`end`
   * false); false when it is not one this scanner reads as csv-parse does.
   */
  record(s: string, from: number, end: boolean): string[] | null | false {
    const len = s.length;
    const d = this.delimiter;
    const fields: string[] = [];
    let i = from;
    for (;;) {
      let c = 0;
      if (i < len && s.charCodeAt(i) === QUOTE) {
        const value = this.quoted(s, i + 1, end);
        if (value === null || value === false) return value;
        fields.push(value);
        i = this.next;
        if (i >= len) return this.ended(fields, len);
        c = s.charCodeAt(i);
        if (c !== d && c !== LF && c !== CR) return false;
      } else {
        let j = i;
        for (; j < len; j++) {
          c = s.charCodeAt(j);
          if (c === d || c === LF || c === CR || c === QUOTE) break;
        }
        if (j >= len) {
          if (!end) return null;
          fields.push(s.slice(i, j));
          return this.ended(fields, len);
        }
        if (c === QUOTE) return false;
        fields.push(s.slice(i, j));
        i = j;
      }
      if (c === d) {
        i++;
        continue;
      }
      return this.recordEnd(s, i, c) ? fields : this.endless(s, i, end);
    }
  }

  private ended(fields: string[], len: number): string[] {
    this.next = len;
    return fields;
  }

  /** A quoted field's value, from just after its opening quote; `next` is set just after its closing quote. */
  private quoted(s: string, from: number, end: boolean): string | null | false {
    const len = s.length;
    let value = '';
    let j = from;
    for (;;) {
      const q = s.indexOf('"', j);
      // csv-parse's CSV_QUOTE_NOT_CLOSED, with its own line number.
      if (q < 0) return end ? false : null;
      if (q + 1 >= len) {
        // The next character decides between an escaped quote and a closing one.
        if (!end) return null;
      } else if (s.charCodeAt(q + 1) === QUOTE) {
        value += s.slice(j, q + 1);
        j = q + 2;
        continue;
      }
      this.next = q + 1;
      return value + s.slice(j, q);
    }
  }

  /** At a line break outside quotes: true when it ends the record (`next` then starts the next one). */
  private recordEnd(s: string, i: number, c: number): boolean {
    const crlf = c === CR && i + 1 < s.length && s.charCodeAt(i + 1) === LF;
    if (this.lineEnd === LineEnd.Unknown) {
      if (c === LF) this.lineEnd = LineEnd.Lf;
      else if (crlf) this.lineEnd = LineEnd.CrLf;
      else return false;
    }
    if (this.lineEnd === LineEnd.Lf ? c !== LF : !crlf) return false;
    this.next = i + (crlf ? 2 : 1);
    return true;
  }

  /** A line break that does not end the record: a CR the next text may complete, or one csv-parse reads. */
  private endless(s: string, i: number, end: boolean): null | false {
    return !end && i + 1 >= s.length && s.charCodeAt(i) === CR && this.lineEnd !== LineEnd.Lf ? null : false;
  }
}
