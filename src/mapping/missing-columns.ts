import { readPath } from './apply.js';
import type { MappingProblem } from './compile.js';
import { editDistance, shortName } from './did-you-mean.js';
import type { Mapping } from './types.js';

/** Every column, path and template placeholder the mapping reads (lookups read a field's column too). */
export function sourcesOf(mapping: Mapping): Array<{ where: string; column: string }> {
  const out: Array<{ where: string; column: string }> = [];
  for (const [name, f] of Object.entries(mapping.fields ?? {})) {
    if (f.column) out.push({ where: `fields.${shortName(name)}`, column: f.column });
    for (const m of f.template?.matchAll(/\{([^}]+)\}/g) ?? [])
      out.push({ where: `fields.${shortName(name)}.template`, column: (m[1] as string).trim() });
  }
  return out;
}

function guessColumn(keys: string[], column: string): string | undefined {
  const want = column.toLowerCase();
  return (
    keys.find((k) => k.toLowerCase().startsWith(want) || want.startsWith(k.toLowerCase())) ??
    (want.length > 200
      ? undefined
      : keys
          .map((k) => ({ k, d: editDistance(k.toLowerCase(), want) }))
          .filter((g) => g.d <= 3)
          .sort((a, b) => a.d - b.d)[0]?.k)
  );
}

const DELIMITERS = [',', ';', '\t', '|'];

function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : `"${d}"`;
}

/** The first two columns whose names differ only in case ("email", "Email"), with their 1-based positions. */
export function caseClash(keys: string[]): { first: string; second: string; at: [number, number] } | null {
  const seen = new Map<string, number>();
  for (const [i, k] of keys.entries()) {
    const before = seen.get(k.toLowerCase());
    if (before !== undefined) return { first: keys[before] as string, second: k, at: [before + 1, i + 1] };
    seen.set(k.toLowerCase(), i);
  }
  return null;
}

/**
 * A column the mapping reads in a case the header does not spell, where the header has it in two cases: which one
 * it means cannot be told. Named exactly as the header spells one, it reads that one.
 */
function ambiguousColumn(keys: string[], column: string): string | null {
  if (keys.includes(column)) return null;
  const want = column.toLowerCase();
  const alike = keys.map((k, i) => ({ k, i })).filter(({ k }) => k.toLowerCase() === want);
  if (alike.length < 2) return null;
  const named = alike.map(({ k, i }) => `"${shortName(k)}" (column ${i + 1})`).join(' and ');
  return `the file's header (line 1) has ${named}, which differ only in case, and "${shortName(column)}" is neither as spelled: name the one to read exactly as the header spells it`;
}

/**
 * The mapping's columns a file does not have, each with the likeliest column meant, all at once: a column typo
 * would otherwise leave its field unwritten in every record without a single failure. `record` holds the file's
 * columns as keys (a CSV header, or a first record). A header read with the wrong delimiter (one column holding
 * `;`) is said so, with the flag to pass.
 */
export function missingColumns(mapping: Mapping, record: Record<string, unknown>): MappingProblem[] {
  const keys = Object.keys(record);
  const problems: MappingProblem[] = [];
  for (const s of sourcesOf(mapping)) {
    const ambiguous = ambiguousColumn(keys, s.column);
    if (ambiguous) {
      problems.push({ where: s.where, message: ambiguous });
      continue;
    }
    if (readPath(record, s.column) !== undefined) continue;
    const guess = guessColumn(keys, s.column);
    problems.push({
      where: s.where,
      message: `the file has no column "${shortName(s.column)}"${guess ? `; did you mean "${shortName(guess)}"?` : ''}`,
    });
  }
  if (problems.length === 0) return problems;
  const count = (k: string, d: string): number => k.replace(/"[^"]*"/g, '').split(d).length - 1;
  const other = DELIMITERS.filter((d) => keys.some((k) => count(k, d) > 0)).sort(
    (a, b) => keys.reduce((n, k) => n + count(k, b), 0) - keys.reduce((n, k) => n + count(k, a), 0),
  )[0];
  if (other !== undefined && (keys.length <= 2 || keys.some((k) => count(k, other) >= 2)))
    problems.unshift({
      where: 'header',
      message: `the header looks like it uses another delimiter (${delimiterName(other)}): it was read as ${keys.length === 1 ? 'one column' : `${keys.length} columns`}, "${shortName(keys.join('", "'))}"; pass --delimiter ${other === '\t' ? 'tab' : `'${other}'`}`,
    });
  return problems;
}
