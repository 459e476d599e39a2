import { ownString } from '../core/own-string.js';

const ID_BYTES = 18;
const ID = /^[A-Za-z0-9]{18}$/;

/** A key two or more records share (their Ids, or a dry run's placeholders, and their input lines). */
export interface Clash {
  ids: string[];
  lines: number[];
}

export const isClash = (v: unknown): v is Clash => typeof v === 'object' && v !== null && 'lines' in v;

/**
 * The records of one step by one of its keys: key (as matched, see matchKey) → the record's Id, or the input line
 * of the record that failed (a number); a dry run's records to be created get a placeholder naming their line.
 * Compact, as a plan holds one for each step and key it refers to: key → a small integer (no object per record),
 * the Ids packed 18 bytes each in one buffer, read back as strings only when a reference asks for them.
 */
export class KeyMap {
  /** Even n: the Id at n / 2 in `ids`; odd n: the text at (n - 1) / 2 in `texts`; negative: a failed line. */
  private readonly index = new Map<string, number>();
  private ids = Buffer.alloc(0);
  private idCount = 0;
  private readonly texts: string[] = [];
  /** The input line of each record with an Id (or a placeholder), by its slot: the first candidate of a clash. */
  private lines = new Uint32Array(0);
  /** Keys two records with different Ids share: their lines and Ids (few; kept apart from the compact index). */
  private readonly clashes = new Map<string, Clash>();

  get size(): number {
    return this.index.size;
  }

  /** The Id, the failed line (a number), or the records a key that is not unique names (a Clash). */
  get(key: string): string | number | Clash | undefined {
    const clash = this.clashes.get(key);
    if (clash) return clash;
    const n = this.index.get(key);
    if (n === undefined) return undefined;
    if (n < 0) return -n;
    if (n % 2 === 1) return this.texts[(n - 1) / 2];
    const at = (n / 2) * ID_BYTES;
    return this.ids.toString('latin1', at, at + ID_BYTES);
  }

  /** Whether the key's record has an Id (or a placeholder), not a failed line. */
  found(key: string): boolean {
    const n = this.index.get(key);
    return n !== undefined && n >= 0;
  }

  /**
   * The key's record: an Id (or placeholder) with its input line, or a failed line (a number). A second, different
   * Id for a key already held makes the key ambiguous: references by it fail rather than pick one.
   */
  set(key: string, value: string | number, line = 0): void {
    if (typeof value === 'string') {
      const clash = this.clashes.get(key);
      const had = clash ? undefined : this.get(key);
      if (clash) {
        if (!clash.ids.includes(value)) {
          clash.ids.push(value);
          clash.lines.push(line);
        }
        return;
      }
      if (typeof had === 'string' && had !== value) {
        const first = this.lineAt(this.index.get(key) as number);
        this.clashes.set(ownString(key), { ids: [had, value], lines: [first, line] });
        return;
      }
    }
    this.index.set(ownString(key), typeof value === 'number' ? -value : this.slot(value, line));
  }

  private lineAt(n: number): number {
    return this.lines[n] ?? 0;
  }

  private slot(value: string, line: number): number {
    const n = this.slotOf(value);
    if (n >= this.lines.length) {
      const grown = new Uint32Array(Math.max(2048, this.lines.length * 2, n + 1));
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[n] = line;
    return n;
  }

  private slotOf(value: string): number {
    if (!ID.test(value)) return this.texts.push(value) * 2 - 1;
    if ((this.idCount + 1) * ID_BYTES > this.ids.length) {
      const grown = Buffer.alloc(Math.max(1024 * ID_BYTES, this.ids.length * 2));
      this.ids.copy(grown);
      this.ids = grown;
    }
    this.ids.write(value, this.idCount * ID_BYTES, 'latin1');
    return this.idCount++ * 2;
  }
}
