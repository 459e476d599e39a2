import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { InputRecord } from './types.js';

/** One JSON object per line; blank lines are skipped; a bad line is an error record with its number. */
export async function* readNdjson(text: AsyncIterable<string>): AsyncGenerator<InputRecord> {
  const lines = createInterface({ input: Readable.from(text), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    const trimmed = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      yield {
        line,
        error: { code: 'NDJSON_INVALID', message: `Invalid JSON: ${(err as Error).message}` },
        raw: trimmed.slice(0, 200),
      };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield {
        line,
        error: { code: 'NDJSON_NOT_OBJECT', message: 'Each line must be a JSON object.' },
        raw: trimmed.slice(0, 200),
      };
      continue;
    }
    yield { line, values: value as Record<string, unknown> };
  }
}
