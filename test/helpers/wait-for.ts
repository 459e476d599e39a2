/**
 * Waits until `condition` holds, looking every `everyMs`: for a test that acts once something happened (a line on
 * the screen, a file written, a job finished). Unlike a fixed sleep it is never too early on a loaded machine and
 * never slower than it must be. If it never happens, it fails naming `what` once `limitMs` have passed (a bound
 * for a hung run, far above what a loaded machine needs, not a timing assertion).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { everyMs = 10, limitMs = 25_000 }: { everyMs?: number; limitMs?: number } = {},
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > limitMs) throw new Error(`waited ${limitMs} ms for ${what}, in vain`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
