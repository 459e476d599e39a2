import type { SyncOperation } from '../core/sync-options.js';
import type { StopSignal } from '../errors.js';
import type { BulkJobReport } from './bulk-writer.js';
import type { DuplicateRetries } from './duplicate-retry.js';
import type { ObjectSource } from './infer-object.js';
import type { RepeatedKeys } from './key-scan.js';
import type { Counts, ResultFiles } from './results.js';

/** What a sync did: its --json result and summary.json (with `error`). */
export interface SyncResult {
  operation: SyncOperation;
  object: string;
  objectSource: ObjectSource;
  dryRun: boolean;
  offline: boolean;
  api: 'rest' | 'bulk';
  /** Every Bulk API 2.0 job the run opened, with its final state. */
  bulkJobs: BulkJobReport[];
  /** The Bulk query job that exported the existing records to match against, when one was used. */
  matchExport: { jobId: string; records: number } | null;
  matchStrategy: string;
  matchFields: string[];
  matchOperator: 'OR' | 'AND';
  /** Match keys that more than one input record carries (null for create): written in file order, one record each. */
  repeatedKeys: RepeatedKeys | null;
  counts: Counts;
  failuresByCode: Array<{
    code: string;
    count: number;
    lines: number[];
    message: string;
    fields?: string[];
    /** DUPLICATES_DETECTED: the first existing records the group collided with. */
    matchedIds?: string[];
  }>;
  apiCalls: number;
  results: ResultFiles;
  warnings: string[];
  stoppedEarly: boolean;
  /** How the run ended: every record read has an outcome in each case; only a completed run read all its input. */
  ended: 'completed' | 'interrupted' | 'fatal';
  /** The signal that interrupted the run. */
  signal: StopSignal | null;
  lastLine: number;
  durationMs: number;
  /** --allow-duplicates: alerts acknowledged, and the Bulk refusals sent again through REST. */
  duplicates?: { allowed: boolean } & DuplicateRetries;
  /** --hard: deletes were Bulk API hardDelete jobs (nothing went to the Recycle Bin). */
  hardDelete?: boolean;
}
