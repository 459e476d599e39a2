import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/input/csv-reader.js';
import type { InputRecord } from '../src/input/types.js';

/** A small deterministic generator (mulberry32), so a failing case can be found again by its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function* pieces(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

interface Reading {
  records: InputRecord[];
  headers: unknown[];
  error?: unknown;
}

/** What readCsv gives for a text cut into pieces: through the scanner (a file) or csv-parse alone (stdin). */
async function reading(text: string, size: number, scanner: boolean, delimiter?: string): Promise<Reading> {
  const headers: unknown[] = [];
  const out: Reading = { records: [], headers };
  const onHeader = (columns: string[], json: boolean): number => headers.push([columns, json]);
  const reopen = scanner ? () => pieces(text, size) : undefined;
  try {
    for await (const chunk of readCsv(pieces(text, size), 'f.csv', delimiter, onHeader, reopen))
      out.records.push(...chunk);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    out.error = { code: e.code, message: e.message };
  }
  return out;
}

const HEADERS = ['A,B,C', 'A;B', 'Name', '"A",B', 'A,b,a', 'A,"B\nC"', ' A , B '];
const BITS = ['x', 'yz', '', ',', ';', '"', '""', '"q,"', '"a""b"', '\n', '\r\n', '\r', ' ', 'é', '"m\nl"'];

function messy(rnd: () => number): string {
  let text = HEADERS[Math.floor(rnd() * HEADERS.length)] as string;
  text += rnd() < 0.5 ? '\n' : '\r\n';
  const n = Math.floor(rnd() * 30);
  for (let i = 0; i < n; i++) text += BITS[Math.floor(rnd() * BITS.length)] as string;
  return text;
}

function clean(rnd: () => number, crlf: boolean): string {
  const rows = ['A,B,C'];
  for (let i = 0; i < 40; i++) {
    const cells = [0, 1, 2].map(() => {
      const r = rnd();
      return r < 0.2 ? '' : r < 0.4 ? `"v ${i}, ""q""\nx"` : r < 0.5 ? '"é"' : `v${i}`;
    });
    const odd = rnd();
    // Mostly clean rows, with a blank line, a ragged row, or (rarely) one only csv-parse reads: a stray quote.
    rows.push(odd < 0.04 ? '' : odd < 0.08 ? 'a,b' : odd < 0.09 ? 'a"b,c,d' : cells.join(','));
  }
  return rows.join(crlf ? '\r\n' : '\n') + (rnd() < 0.5 ? '' : crlf ? '\r\n' : '\n');
}

describe('the fast CSV reader reads as csv-parse does', () => {
  it('on random messy texts cut at every size: records, lines, errors, header calls', async () => {
    const rnd = random(19);
    for (let c = 0; c < 300; c++) {
      const text = messy(rnd);
      const size = 1 + Math.floor(rnd() * 12);
      const delimiter = rnd() < 0.2 ? ';' : undefined;
      const reference = await reading(text, size, false, delimiter);
      expect({ text, size, ...(await reading(text, size, true, delimiter)) }).toEqual({
        text,
        size,
        ...reference,
      });
    }
  });

  it('on mostly clean files (LF and CRLF): blank lines, ragged rows, quoted line breaks, a stray quote late', async () => {
    const rnd = random(7);
    for (let c = 0; c < 60; c++) {
      const text = clean(rnd, c % 2 === 1);
      const size = 1 + Math.floor(rnd() * 200);
      const reference = await reading(text, size, false);
      expect({ text, size, ...(await reading(text, size, true)) }).toEqual({ text, size, ...reference });
    }
  });
});
