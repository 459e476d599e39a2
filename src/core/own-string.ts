/**
 * A string of its own. V8 makes a substring of 13 characters or more a slice that keeps its whole parent alive:
 * a key or an Id cut from a page of an export, kept for the run, would keep the page. Shorter ones are copies.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
