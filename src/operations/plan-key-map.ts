import { ownString } from '../core/own-string.js';

const ID_BYTES = 18;
const ID = /^[A-Za-z0-9]{18}$/;

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

  get size(): number {
    return this.index.size;
  }

  get(key: string): string | number | undefined {
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

  set(key: string, value: string | number): void {
    this.index.set(ownString(key), typeof value === 'number' ? -value : this.slot(value));
  }

  private slot(value: string): number {
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
