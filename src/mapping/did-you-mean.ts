import type { FieldInfo } from '../salesforce/types.js';
import { editDistance } from '../core/edit-distance.js';
import { thousands } from '../core/plural.js';

export { editDistance } from '../core/edit-distance.js';

function normalize(s: string): string {
  return s
    .toLowerCase()
    .replace(/__c$/, '')
    .replace(/[^a-z0-9]/g, '');
}

/** A name as messages show it: at most `max` characters, the rest elided with its length. */
export function shortName(name: string, max = 60): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}… (${thousands(name.length)} characters)`;
}

/** Names longer than this are nobody's misspelling of a field: no guess (an edit distance costs length²). */
const GUESS_LIMIT = 200;

/**
 * The field a misspelt name most likely meant: same letters ignoring case and punctuation, a label match,
 * or the closest name within a few edits. Returns its API name.
 */
export function didYouMean(name: string, fields: FieldInfo[]): string | undefined {
  if (name.length > GUESS_LIMIT) return undefined;
  const n = normalize(name);
  if (n === '') return undefined;
  const exact = fields.find((f) => normalize(f.name) === n || normalize(f.label) === n);
  if (exact) return exact.name;
  let best: { name: string; d: number } | undefined;
  for (const f of fields) {
    const d = Math.min(editDistance(n, normalize(f.name)), editDistance(n, normalize(f.label)));
    if (!best || d < best.d) best = { name: f.name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(n.length / 4)) ? best.name : undefined;
}
