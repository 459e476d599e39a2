import { shortName } from '../mapping/did-you-mean.js';
import { MAX_COLUMN_NAME } from './csv-reader.js';
import type { InputRecord } from './types.js';
import { thousands } from '../core/plural.js';

/** Levels of nesting a record may have, itself included: a field holds a value or a small object, never a tree. */
export const MAX_NDJSON_DEPTH = 64;

/** Whether a parsed value nests more than `levels` deep; it looks no deeper than that, so it cannot overflow. */
function deeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels <= 0) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value))
    if (deeperThan(v, levels - 1)) return true;
  return false;
}

/** One line of NDJSON (or the `input` cell of a failures file) as a record, an error record, or null when blank. */
export function parseLine(line: number, raw: string): InputRecord | null {
  const trimmed = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
  if (trimmed === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    return {
      line,
      error: { code: 'NDJSON_INVALID', message: `Invalid JSON: ${(err as Error).message}` },
      raw: trimmed.slice(0, 200),
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      line,
      error: { code: 'NDJSON_NOT_OBJECT', message: 'Each line must be a JSON object.' },
      raw: trimmed.slice(0, 200),
    };
  }
  // A record nested thousands of levels deep would overflow the stack of every later step (the spool, the CSV of
  // a Bulk job): it fails here, alone.
  if (deeperThan(value, MAX_NDJSON_DEPTH)) {
    return {
      line,
      error: {
        code: 'NDJSON_TOO_DEEP',
        message: `Line ${line} nests its values more than ${MAX_NDJSON_DEPTH} levels deep; sfsync reads at most ${MAX_NDJSON_DEPTH}.`,
      },
      raw: trimmed.slice(0, 200),
    };
  }
  return withShortKeys(line, value as Record<string, unknown>, trimmed);
}

/** Keys are column names: one longer than a CSV column name may be is refused, shown shortened. */
function withShortKeys(line: number, values: Record<string, unknown>, raw: string): InputRecord {
  for (const key in values) {
    if (key.length <= MAX_COLUMN_NAME) continue;
    return {
      line,
      error: {
        code: 'NDJSON_INVALID',
        message: `The key "${shortName(key, 40)}" is longer than ${thousands(MAX_COLUMN_NAME)} characters.`,
      },
      raw: raw.slice(0, 200),
    };
  }
  return { line, values };
}

/**
 * One JSON object per line; blank lines are skipped; a bad line is an error record with its number.
 * Records come in chunks, one per piece of text read.
 */
export async function* readNdjson(text: AsyncIterable<string>): AsyncGenerator<InputRecord[]> {
  let rest = '';
  // A line longer than a chunk gathers its pieces here: joined once, not copied again with every chunk.
  let pieces: string[] = [];
  let line = 0;
  for await (const chunk of text) {
    if (!chunk.includes('\n')) {
      pieces.push(chunk);
      continue;
    }
    if (pieces.length > 0) {
      rest += pieces.join('');
      pieces = [];
    }
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    const out: InputRecord[] = [];
    for (const part of parts) {
      const r = parseLine(++line, part);
      if (r) out.push(r);
    }
    if (out.length > 0) yield out;
  }
  rest += pieces.join('');
  if (rest !== '') {
    const r = parseLine(++line, rest);
    if (r) yield [r];
  }
}
