import type { BulkContext } from './bulk.js';
import { bulkJobEnded } from './types.js';

/** What a Bulk API job says of itself while it runs and once it has ended. */
export interface JobInfo {
  state: string;
  errorMessage?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
}

/** The longest pause between two looks at a job: a stalled estimate never leaves a job unread for long. */
const MAX_WAIT_MS = 30_000;
/** Records a millisecond the org processed, per client: the first guess for its next job. */
const paces = new WeakMap<BulkContext, number>();
/**
 * Faster than any org processes a job (100,000 records a second; the local org does 20,000 to 60,000 on two cores):
 * the first job of a run is not looked at before this pace could have finished it, a look that would be wasted.
 */
const FASTEST_PACE = 100;

/** Records in a job's CSV (its lines after the header; a value with a line break in it counts one more). */
export function csvRecords(csv: string): number {
  let lines = 0;
  for (let at = csv.indexOf('\n'); at >= 0; at = csv.indexOf('\n', at + 1)) lines++;
  return Math.max(0, lines - 1);
}

/**
 * Polls a Bulk API job until it has ended, spending as few calls as it can without sleeping long past the end: an
 * ingest job of `records` records is first looked at when the org's pace on the last job says it should be done,
 * then, while it runs, when the pace of its own progress (`numberRecordsProcessed`) says so. The first job is
 * first looked at when the fastest pace could have finished it. Without a size (a query job), or until a job shows
 * progress, the pause grows by half each time.
 */
export async function waitForJob(ctx: BulkContext, base: string, records = 0): Promise<JobInfo> {
  const started = Date.now();
  const known = records > 0 ? paces.get(ctx) : undefined;
  if (records > 0) await ctx.retry.sleep(Math.min(MAX_WAIT_MS, records / (known ?? FASTEST_PACE)));
  let seen: { at: number; processed: number } | undefined;
  let measured: number | undefined;
  for (let attempt = 0; ; attempt++) {
    const info = await ctx.request<JobInfo>('GET', base);
    const now = Date.now();
    if (bulkJobEnded(info.state)) {
      if (records > 0 && info.state === 'JobComplete') {
        const pace = records / Math.max(1, now - started);
        // Found ended at the first look: it may have ended well before, so the next first look comes earlier.
        paces.set(ctx, measured ?? (attempt === 0 ? Math.max(known ?? 0, pace) * 1.25 : pace));
      }
      return info;
    }
    const processed = info.numberRecordsProcessed ?? 0;
    let wait = Math.min(5_000, Math.max(25, ctx.retry.baseDelayMs / 2) * 1.5 ** attempt);
    if (records > processed && processed > 0) {
      if (seen && processed > seen.processed)
        measured = (processed - seen.processed) / Math.max(1, now - seen.at);
      seen ??= { at: now, processed };
      // Until two looks have measured the pace, a look at most as far ahead as the job has run: the first records
      // of a job cost more (the org reads the whole upload first), so their pace alone would sleep far too long.
      const remaining = (records - processed) / (measured ?? processed / Math.max(1, now - started));
      wait = measured ? remaining * 1.05 + 20 : Math.min(remaining, now - started);
    } else if (known && records > 0) wait = (records / known) * 0.25;
    await ctx.retry.sleep(Math.min(MAX_WAIT_MS, Math.max(25, wait)));
  }
}
