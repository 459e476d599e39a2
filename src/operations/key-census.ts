import type { KeyGroup } from '../core/sync-types.js';

export type { KeyGroup };

const EMPTY = 0;
const GROUPS_KEPT = 5;
const LINES_KEPT = 5;
/** Key texts kept to name the most shared values; past it a value is named by the line it is first on. */
const TEXTS_KEPT = 1_000;

/** Two independent 32-bit hashes of a string (FNV-1a and a multiplicative one): 64 bits, so collisions are rare. */
function hashes(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return [a >>> 0, (b ^ (b >>> 16)) >>> 0];
}

/**
 * How many input records carry each match key, in typed arrays (16 bytes a slot) rather than a Map of strings:
 * a file of millions of distinct keys costs tens of megabytes, not hundreds. Keys are told apart by a 64-bit
 * hash. Only the first few repeated groups keep their text and lines, to be named in warnings.
 */
export class KeyCensus {
  private capacity = 1 << 12;
  private h1 = new Uint32Array(this.capacity);
  private h2 = new Uint32Array(this.capacity);
  private counts = new Uint32Array(this.capacity);
  private firsts = new Uint32Array(this.capacity);
  private size = 0;
  /** Distinct keys seen more than once, and the records that carry them. */
  repeatedKeys = 0;
  repeatedRecords = 0;
  private readonly groups = new Map<number, KeyGroup>();
  private readonly texts = new Map<number, string>();

  /** Counts one record's key; returns how many records carried it so far (1 the first time). `text` names it. */
  add(key: string, line: number, text = key): number {
    const [a, b] = hashes(key);
    const slot = this.slot(a, b);
    if (this.counts[slot] === EMPTY) {
      this.h1[slot] = a;
      this.h2[slot] = b;
      this.firsts[slot] = line;
      this.counts[slot] = 1;
      if (++this.size * 10 > this.capacity * 7) this.grow();
      return 1;
    }
    const count = (this.counts[slot] as number) + 1;
    this.counts[slot] = count;
    const id = a * 0x200000 + (b & 0x1fffff);
    if (count === 2) {
      this.repeatedKeys++;
      this.repeatedRecords += 2;
      if (this.texts.size < TEXTS_KEPT) this.texts.set(id, text);
      if (this.groups.size < GROUPS_KEPT)
        this.groups.set(id, { key: text, count: 2, lines: [this.firsts[slot] as number, line] });
    } else {
      this.repeatedRecords++;
      const group = this.groups.get(id);
      if (group) {
        group.count = count;
        if (group.lines.length < LINES_KEPT) group.lines.push(line);
      }
    }
    return count;
  }

  /** How many records carried the key so far. */
  count(key: string): number {
    const [a, b] = hashes(key);
    return this.counts[this.slot(a, b)] as number;
  }

  /** The first line that carried the key, or 0. */
  firstLine(key: string): number {
    const [a, b] = hashes(key);
    return this.firsts[this.slot(a, b)] as number;
  }

  /** The first repeated groups, in the order their second record came. */
  firstGroups(): KeyGroup[] {
    return [...this.groups.values()];
  }

  /** The most shared keys, most records first; a key whose text was not kept is named by its first line. */
  top(n: number): Array<{ key: string; count: number; firstLine: number }> {
    const best: number[] = [];
    for (let s = 0; s < this.capacity; s++) {
      const c = this.counts[s] as number;
      if (c < 2) continue;
      if (best.length < n) best.push(s);
      else if (c > (this.counts[best[n - 1] as number] as number)) best[n - 1] = s;
      else continue;
      best.sort((x, y) => (this.counts[y] as number) - (this.counts[x] as number));
    }
    return best.map((s) => {
      const id = (this.h1[s] as number) * 0x200000 + ((this.h2[s] as number) & 0x1fffff);
      const firstLine = this.firsts[s] as number;
      return {
        key: this.texts.get(id) ?? `the value on line ${firstLine}`,
        count: this.counts[s] as number,
        firstLine,
      };
    });
  }

  private slot(a: number, b: number): number {
    const mask = this.capacity - 1;
    let s = a & mask;
    while (this.counts[s] !== EMPTY && (this.h1[s] !== a || this.h2[s] !== b)) s = (s + 1) & mask;
    return s;
  }

  private grow(): void {
    const [h1, h2, counts, firsts] = [this.h1, this.h2, this.counts, this.firsts];
    this.capacity *= 2;
    this.h1 = new Uint32Array(this.capacity);
    this.h2 = new Uint32Array(this.capacity);
    this.counts = new Uint32Array(this.capacity);
    this.firsts = new Uint32Array(this.capacity);
    for (let s = 0; s < counts.length; s++) {
      if (counts[s] === EMPTY) continue;
      const t = this.slot(h1[s] as number, h2[s] as number);
      this.h1[t] = h1[s] as number;
      this.h2[t] = h2[s] as number;
      this.counts[t] = counts[s] as number;
      this.firsts[t] = firsts[s] as number;
    }
  }
}
