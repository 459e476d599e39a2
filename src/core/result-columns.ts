/** The columns sfsync writes first in its result files (the input's columns follow them). */

/** sfsync's own columns, first in every success (or plan) file; the input's columns follow. */
export const SUCCESS_COLUMNS = ['line', 'outcome', 'id'] as const;

/** sfsync's own columns, first in every failures file; the input's columns follow. */
export const FAILURE_COLUMNS = [
  'line',
  'outcome',
  'status',
  'error_code',
  'error_message',
  'error_fields',
  'matched_ids',
] as const;

const OWN = new Set<string>([...SUCCESS_COLUMNS, ...FAILURE_COLUMNS]);
const INPUT_PREFIX = 'input_';

function bare(name: string): string {
  let n = name;
  while (n.startsWith(INPUT_PREFIX)) n = n.slice(INPUT_PREFIX.length);
  return n;
}

/**
 * An input column as the result files name it. One named as sfsync's own columns are (`status`, `id`, `line`, …)
 * would make a header with two columns of one name, which spreadsheets and CSV libraries read as one: it is
 * written `input_status`. A column already named so (`input_status`) gets one more `input_`, so that reading a
 * results file back (inputColumnName) gives every input column its own name again.
 */
export function resultInputColumn(name: string): string {
  return OWN.has(bare(name)) ? `${INPUT_PREFIX}${name}` : name;
}

/** The input's name of a column of a results file: the inverse of resultInputColumn. */
export function inputColumnName(name: string): string {
  return name.startsWith(INPUT_PREFIX) && OWN.has(bare(name)) ? name.slice(INPUT_PREFIX.length) : name;
}
