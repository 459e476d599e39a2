import { csvField } from '../core/csv-quote.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MIX_SEED = 0x9747b28c;
const MIX_PRIME = 0x5bd1e995;
/** 2^21: the second hash keeps 21 bits, so both fit one double exactly (53 bits). */
const LOW = 0x200000;

/** Two hashes (FNV-1a, and a multiplicative mix) of a CSV line's UTF-16 code units, as one 53-bit number. */
export function lineHash(line: string): number {
  let h1 = FNV_OFFSET;
  let h2 = MIX_SEED;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, FNV_PRIME);
    h2 = Math.imul(h2 + c, MIX_PRIME) ^ (h2 >>> 15);
  }
  return (h1 >>> 0) * LOW + ((h2 >>> 0) & (LOW - 1));
}

/**
 * The hash `lineHash` gives the CSV line of these cells (quoted as an upload quotes them), without building the
 * line: a result row is hashed straight from its parsed values.
 */
export function cellsHash(row: readonly string[], at: readonly number[]): number {
  let h1 = FNV_OFFSET;
  let h2 = MIX_SEED;
  for (let k = 0; k < at.length; k++) {
    if (k > 0) {
      h1 = Math.imul(h1 ^ 44, FNV_PRIME);
      h2 = Math.imul(h2 + 44, MIX_PRIME) ^ (h2 >>> 15);
    }
    const column = at[k] as number;
    const v = column < 0 ? '' : (row[column] ?? '');
    // As an upload writes it (a new string only for the few values that need quotes).
    const text = csvField(v);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, FNV_PRIME);
      h2 = Math.imul(h2 + c, MIX_PRIME) ^ (h2 >>> 15);
    }
  }
  return (h1 >>> 0) * LOW + ((h2 >>> 0) & (LOW - 1));
}

/**
 * The lines of one Bulk job by hash, to join Salesforce's unordered results back to the records: about 15 bytes
 * a line (a line's text is not kept). Lines with the same text are told apart by order: the first result takes the
 * first of them. With 53 bits of hash, two different lines of a job share one about once in 10^9 jobs of 10^5
 * lines.
 */
export class LineIndex {
  private hashes = new Float64Array(1024);
  private count = 0;
  private table: Uint32Array | undefined;
  private taken: Uint8Array | undefined;

  get size(): number {
    return this.count;
  }

  /** Adds the next line (its index is the number of lines added before it). */
  add(hash: number): void {
    if (this.count === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.count++] = hash;
  }

  /**
   * Builds the lookup table once every line is added: open addressing, at most three quarters full (a job of
   * 500,000 lines waits with its table for minutes: 4 bytes a slot).
   */
  seal(): void {
    let size = 16;
    while (size * 3 < this.count * 4) size *= 2;
    const table = new Uint32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      let at = Math.floor((this.hashes[i] as number) / LOW) & mask;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = i + 1;
    }
    // Without the room it grew into.
    this.hashes = this.hashes.slice(0, this.count);
    this.table = table;
    this.taken = new Uint8Array(this.count);
  }

  /** The first line with this hash not taken yet, now taken; undefined when there is none. */
  take(hash: number): number | undefined {
    const table = this.table as Uint32Array;
    const taken = this.taken as Uint8Array;
    const mask = table.length - 1;
    for (let at = Math.floor(hash / LOW) & mask; table[at] !== 0; at = (at + 1) & mask) {
      const i = (table[at] as number) - 1;
      if (this.hashes[i] === hash && taken[i] === 0) {
        taken[i] = 1;
        return i;
      }
    }
    return undefined;
  }
}
