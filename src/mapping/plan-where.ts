import type YAML from 'yaml';
import type { LineCounter } from 'yaml';
import { SfsyncError } from '../errors.js';
import { editDistance } from './did-you-mean.js';

/** Where each part of the plan file is, for messages that name its line. */
export class Where {
  constructor(
    readonly file: string,
    private readonly doc: YAML.Document,
    private readonly lines: LineCounter,
  ) {}

  line(at: Array<string | number>): number {
    // A key that is missing is placed at what holds it.
    for (let n = at.length; n >= 0; n--) {
      const node = this.doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) return this.lines.linePos(offset).line;
    }
    return 1;
  }

  error(at: Array<string | number>, message: string, hint: string): SfsyncError {
    return new SfsyncError('PLAN_INVALID', `${this.file}:${this.line(at)}: ${message}`, { hint });
  }
}

export function closest(word: string, candidates: string[]): string | undefined {
  const best = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= 3 ? best.c : undefined;
}

export function checkKeys(
  where: Where,
  at: Array<string | number>,
  obj: object,
  allowed: string[],
  what: string,
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    throw where.error(
      [...at, key],
      `${what}: unknown key "${key}"`,
      guess ? `Did you mean "${guess}"?` : `Allowed keys: ${allowed.join(', ')}.`,
    );
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
