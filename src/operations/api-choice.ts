import fs from 'node:fs';
import type { SyncOptions } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import type { SalesforceClient } from '../salesforce/client.js';

/**
 * Files of about this many records or more go through Bulk API 2.0 when --api is auto (the default): there a
 * Bulk run spends a tenth of the calls of REST (0.8 against 5-10 per 1,000 records) for about the same time.
 */
export const AUTO_BULK_RECORDS = 100_000;
/**
 * The most bytes of CSV in one Bulk API job unless SFSYNC_BULK_UPLOAD_BYTES says otherwise: Salesforce's guidance
 * for one upload (100 MB; its limit is 150 MB after base64); records per job are counted only when --batch-size
 * asks. A job costs five or six calls whatever its size, and while it runs its records wait parked, about 30 bytes
 * each (see EngineOutcomes.park and LineIndex), so a file goes in three jobs: 1,000,000 records in 17 to 20 calls.
 */
export const BULK_JOB_BYTES = 100_000_000;
/** Bulk API jobs running at once unless --concurrency says otherwise (one more fills meanwhile). */
export const BULK_JOBS_AT_ONCE = 1;
/** A file goes in about this many jobs at least: the org starts on the first while the next ones fill. */
const BULK_JOBS_PER_FILE = 3;
/** Records the engine maps and matches at a time on the Bulk path: small, so they are short-lived objects. */
export const BULK_ENGINE_BATCH = 1_000;
/** The most records one REST call carries. */
const REST_BATCH_MAX = 200;

/** Records in a file, estimated from the line length of its first 64 KB; 0 for stdin or a missing file. */
export function estimateRecords(file: string): number {
  if (file === '-' || !fs.existsSync(file) || !fs.statSync(file).isFile()) return 0;
  const size = fs.statSync(file).size;
  if (size === 0) return 0;
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(Math.min(size, 65_536));
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  let lines = 0;
  for (const b of head) if (b === 10) lines++;
  return lines === 0 ? 1 : Math.round((size / head.length) * lines);
}

/**
 * The upload size of a Bulk job: a third of the file (so the org works on one job while sfsync reads the next), with
 * 2% to spare so that the last few records do not spill into a fourth job of their own (a job's CSV is about as
 * large as the records' input), from 1 MB up to BULK_JOB_BYTES; standard input, whose size is unknown, the most.
 */
export function bulkJobBytes(file: string): number {
  const size = file !== '-' && fs.existsSync(file) ? fs.statSync(file).size : Infinity;
  return Math.min(BULK_JOB_BYTES, Math.max(1_000_000, Math.ceil((size / BULK_JOBS_PER_FILE) * 1.02)));
}

/** --api: as asked, or with auto, Bulk API 2.0 for files of about AUTO_BULK_RECORDS records or more. */
export function chooseApi(opts: Pick<SyncOptions, 'dryRun' | 'api' | 'hard'>, file: string): 'rest' | 'bulk' {
  if (opts.dryRun) return 'rest';
  // hardDelete exists only in the Bulk API.
  if (opts.hard) return 'bulk';
  const api = opts.api ?? 'auto';
  if (api !== 'auto') return api;
  return estimateRecords(file) >= AUTO_BULK_RECORDS ? 'bulk' : 'rest';
}

/** --batch-size past what one REST call carries is refused before anything is sent. */
export function checkRestBatchSize(api: 'rest' | 'bulk', batchSize: number | undefined): void {
  if (api !== 'rest' || (batchSize ?? 0) <= REST_BATCH_MAX) return;
  throw new SfsyncError(
    'USAGE',
    `--batch-size ${batchSize} is over ${REST_BATCH_MAX}, the most one REST call can carry.`,
    {
      hint: `Use --batch-size ${REST_BATCH_MAX} or less, or --api bulk for larger batches.`,
    },
  );
}

/**
 * How the engine cuts the input. Bulk: it maps and matches in small batches that the writer gathers into jobs,
 * with enough of them in flight to keep every job slot busy and the next job filling. Offline, a batch is only a
 * unit of work (nothing is sent): larger ones cost less to schedule.
 */
export function engineSizing(
  opts: Pick<SyncOptions, 'batchSize' | 'concurrency'>,
  bulk: boolean,
  offline: boolean,
): { batchSize: number; concurrency: number; jobRecords: number } {
  // Without --batch-size, jobs are cut by bytes and the writer holds the reading while one waits (writer.busy).
  const jobRecords = opts.batchSize ?? Infinity;
  const concurrency = opts.concurrency ?? (bulk ? BULK_JOBS_AT_ONCE : 4);
  if (!bulk)
    return {
      batchSize: opts.batchSize ?? (offline ? BULK_ENGINE_BATCH : REST_BATCH_MAX),
      concurrency,
      jobRecords,
    };
  const batchSize = Math.min(BULK_ENGINE_BATCH, jobRecords);
  return { batchSize, concurrency: (concurrency + 1) * Math.ceil(jobRecords / batchSize), jobRecords };
}

/**
 * Before a large run: the org's remaining daily API requests must cover the calls the run will need, or it
 * stops now rather than half way.
 */
export async function preflight(
  client: SalesforceClient,
  batchSize: number | undefined,
  file: string,
  api: 'rest' | 'bulk',
  strategy: string,
): Promise<void> {
  const records = estimateRecords(file);
  if (records < 10_000) return;
  const perJob = Math.max(
    1,
    Math.floor((records * bulkJobBytes(file)) / Math.max(1, fs.statSync(file).size)),
  );
  const batch = batchSize ?? (api === 'bulk' ? perJob : REST_BATCH_MAX);
  const perBatch = api === 'bulk' ? 8 : strategy === 'query' ? 2 : 1;
  const needed = Math.ceil(records / batch) * perBatch;
  const remaining = await client.remainingDailyRequests();
  if (remaining !== null && needed > remaining) {
    throw new SfsyncError(
      'LIMIT_INSUFFICIENT',
      `This run needs about ${needed} API calls for about ${records} records, and the org has ${remaining} left today.`,
      {
        hint: 'Wait for the 24-hour window, use --api bulk (fewer calls per record), or split the file.',
      },
    );
  }
}
