import type { StopSignal } from '../errors.js';
import type { BulkJobReport } from './bulk-writer.js';
import type { Counts } from '../core/sync-types.js';

/**
 * What a sync tells its front end while it runs. It never prints: the command renders these (or, under --json,
 * stays silent), a test asserts on them.
 */
export type SyncEvent =
  /** The counts so far, after each batch. `phase` says what the run is doing (REST, a dry run, Bulk jobs). */
  | { type: 'progress'; counts: Counts; apiCalls: number; phase: string }
  /** Said before writing: a risk the run takes (most are kept in the result's warnings too). */
  | { type: 'warning'; message: string }
  /** The existing records' match values are being exported with one Bulk query job. */
  | { type: 'match-export-started'; object: string; field: string; jobId: string }
  | { type: 'match-export-done'; field: string; records: number }
  /** The export failed: matching goes on with batched queries. */
  | { type: 'match-export-failed'; field: string; message: string }
  | { type: 'bulk-job-opened'; job: BulkJobReport }
  /** A resume read the results of the Bulk jobs the stopped run had left unread. */
  | { type: 'resumed-bulk-jobs'; jobs: number }
  /** The first SIGINT or SIGTERM: the calls in flight finish and every outcome is written. */
  | { type: 'stopping'; signal: StopSignal }
  /** --verbose: one line of the redacted HTTP trace. */
  | { type: 'trace'; line: string };

export type SyncEvents = (event: SyncEvent) => void;
