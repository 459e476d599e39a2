import fs from 'node:fs';
import { openResultFile } from './results.js';

/**
 * Result files up to this size are put in input-line order when a run ends; a larger one stays in the order its
 * outcomes were known (records refused before sending first, then each call's answers), since ordering it holds
 * it in memory (its bytes and two numbers a row: 8 MB of 77,000 rows took 0.3 s and 19 MB more RSS).
 */
export const LINE_ORDER_MAX_BYTES = 8 * 1024 * 1024;

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const ZERO = 0x30;

/** Where each row of a CSV text starts (a line break outside quotes ends a row), and the number its row begins with. */
function rowsOf(bytes: Buffer): { starts: number[]; lines: number[] } {
  const starts: number[] = [];
  const lines: number[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === QUOTE) quoted = !quoted;
    else if (b === NEWLINE && !quoted) {
      starts.push(start);
      let n = 0;
      for (let j = start; j < i && (bytes[j] as number) >= ZERO && (bytes[j] as number) <= ZERO + 9; j++)
        n = n * 10 + (bytes[j] as number) - ZERO;
      lines.push(n);
      start = i + 1;
    }
  }
  starts.push(start);
  return { starts, lines };
}

/**
 * Rewrites a result file (sfsync's own: header row, `line` first, every row ending in a line break) with its rows
 * in input-line order, through a copy put in its place, unless it is in order already or larger than `max` bytes.
 * Rows of one line keep their order.
 */
export function sortByLine(file: string, max = LINE_ORDER_MAX_BYTES): void {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return;
  }
  if (size === 0 || size > max) return;
  const bytes = fs.readFileSync(file);
  const { starts, lines } = rowsOf(bytes);
  let ordered = true;
  for (let i = 2; i < lines.length && ordered; i++)
    ordered = (lines[i - 1] as number) <= (lines[i] as number);
  if (ordered) return;
  const order = lines.map((_l, i) => i).slice(1);
  order.sort((a, b) => (lines[a] as number) - (lines[b] as number) || a - b);
  const copy = `${file}.sorted`;
  try {
    writeRows(copy, bytes, starts, order);
    fs.renameSync(copy, file);
  } catch {
    // The order is a convenience: a copy that cannot be written (a full disk) leaves the file as it was.
    try {
      fs.unlinkSync(copy);
    } catch {
      // nothing was written, or it was not ours to remove
    }
  }
}

/** The header row, then the rows in `order`, as slices of the file's bytes written a thousand at a time. */
function writeRows(copy: string, bytes: Buffer, starts: number[], order: number[]): void {
  const fd = openResultFile(copy);
  try {
    let batch: Buffer[] = [bytes.subarray(0, starts[1])];
    for (const i of order) {
      batch.push(bytes.subarray(starts[i], starts[i + 1]));
      if (batch.length === 1_000) {
        fs.writevSync(fd, batch);
        batch = [];
      }
    }
    // A last row without its line break (sfsync never writes one) stays last.
    batch.push(bytes.subarray(starts[starts.length - 1]));
    fs.writevSync(fd, batch);
  } finally {
    fs.closeSync(fd);
  }
}
