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
