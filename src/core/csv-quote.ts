/**
 * A value as one CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a quote, a comma or a line
 * break, or starts or ends with white space (which readers may trim); otherwise exactly as it is. Every CSV that
 * sfsync writes (results, exports, Bulk API uploads) quotes through here.
 */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
