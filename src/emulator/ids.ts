const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 3-character case checksum that turns a 15-character Salesforce id into its 18-character form. */
export function idSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) value += 1 << i;
    }
    suffix += SUFFIX_ALPHABET[value];
  }
  return suffix;
}

export function to18(id15: string): string {
  return id15 + idSuffix(id15);
}

const ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/;

/** An 18-character id for a 15- or 18-character one, or null when it is not a valid id (bad checksum too). */
export function normalizeId(id: string): string | null {
  if (!ID_SHAPE.test(id)) return null;
  const id15 = id.slice(0, 15);
  const full = to18(id15);
  return id.length === 18 && id !== full ? null : full;
}

/** Issues ids like a pod does: key prefix, pod id, a reserved character, a base-62 counter. */
export class IdGenerator {
  private counters = new Map<string, number>();
  /** How many ids were issued, to tell cheaply whether the counters moved. */
  issued = 0;

  constructor(private readonly pod = '5g') {}

  next(keyPrefix: string): string {
    const n = (this.counters.get(keyPrefix) ?? 0) + 1;
    this.counters.set(keyPrefix, n);
    this.issued++;
    return to18(`${keyPrefix}${this.pod}0${base62(n, 9)}`);
  }

  /** Makes sure later ids do not collide with ones loaded from a data file. */
  observe(id: string): void {
    this.raise(id.slice(0, 3), parseBase62(id.slice(6, 15)));
  }

  /** Makes the next id of this key prefix come after the nth. */
  raise(keyPrefix: string, n: number): void {
    if (n > (this.counters.get(keyPrefix) ?? 0)) this.counters.set(keyPrefix, n);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }
}

function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  while (v > 0) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0');
}

function parseBase62(s: string): number {
  let n = 0;
  for (const c of s) n = n * 62 + Math.max(0, BASE62.indexOf(c));
  return n;
}
