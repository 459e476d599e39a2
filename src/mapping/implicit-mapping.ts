import type { Mapping } from './types.js';

/** Without a mapping file: columns (or top-level NDJSON keys) are field API names as they are. */
export function implicitMapping(): Mapping {
  return { file: null, nulls: 'keep', fields: null };
}
