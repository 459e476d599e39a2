/**
 * The sync's domain types, shared by the use case (src/operations/) and its front ends (src/commands/, src/ui/):
 * what a record's outcome is, how they are counted, how records are matched, and what a run reports.
 */
import type { StopSignal } from '../errors.js';
import type { SyncOperation } from './sync-options.js';

export type { SyncOperation } from './sync-options.js';

export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'failed' | 'skipped';

export interface Counts {
  total: number;
  created: number;
  updated: number;
  /** Matched records whose values were all stored already: not sent (absent from summaries of older runs). */
  unchanged: number;
  deleted: number;
  failed: number;
  skipped: number;
  /**
   * Mirror mode: records of the scope the file does not have, deleted (or cleared, deactivated; for a dry run, that
   * would be), and those whose change failed. Not input records: not in `total`.
   */
  missing?: MissingCounts;
}

export type MissingCounts = { failed: number } & (
  { deleted: number } | { cleared: number } | { deactivated: number }
);

export function emptyCounts(): Counts {
  return { total: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0, skipped: 0 };
}

/** Why one record failed or was not sent. */
export interface FailureDetail {
  code: string;
  message: string;
  fields?: string[];
  /** The Ids an ambiguous record matched, or the existing records a duplicate rule found it collides with. */
  matchedIds?: string[];
  /** 300 for ambiguous matches, like Salesforce's Multiple Choices. */
  status?: number;
  /** A record failing for several problems: each is counted under its own code. */
  causes?: Array<{ code: string; message: string; fields?: string[] }>;
}

/** How several match fields combine. */
export type MatchOperator = 'OR' | 'AND';

/** How existing records are found: not at all, by the Id in the record, by Salesforce's upsert, or by query. */
export type MatchStrategy = 'none' | 'id' | 'native-upsert' | 'query';

/** Where the object of a run came from. */
export type ObjectSource = '--object' | 'mapping' | 'file name';

/** A group of input records that share one match key. */
export interface KeyGroup {
  /** The key as matched: `Field=value`, the value as Salesforce compares it (lower case for most text). */
  key: string;
  count: number;
  /** The first few input lines that carry it. */
  lines: number[];
}

export interface RepeatedKeys {
  /** Distinct keys carried by more than one input record. */
  keys: number;
  /** Input records carrying such a key. */
  records: number;
  /** The first few groups, in file order. */
  groups: KeyGroup[];
}

/** What the REST retries of --allow-duplicates did, for the summary. */
export interface DuplicateRetries {
  /** Records a duplicate rule refused in a Bulk job, sent again through REST with the header. */
  retried: number;
  /** Of those, the ones saved on the retry (the rest hit a rule whose action is Block). */
  saved: number;
}

/** The files of a results folder. */
export interface ResultFiles {
  dir: string;
  success: string;
  failures: string;
  plan: string | null;
}

/** A Bulk API 2.0 job a run opened, with its final state. */
export interface BulkJobReport {
  id: string;
  operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  object: string;
  records: number;
  state: string;
  errorMessage?: string;
}

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
  matchOperator: MatchOperator;
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
    /** A results file fed back: the first input's lines of the records of `lines`. */
    originalLines?: number[];
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
  /** --assignment-rule: what was asked, and what the run told Salesforce. */
  assignmentRule?: AdminResult['assignmentRule'];
  /** Row locks: records sent again after UNABLE_TO_LOCK_ROW, the parent field records were grouped by, --serial. */
  locks?: AdminResult['locks'];
  /** Mirror mode (--delete-missing, --missing): the records of the scope the file lacks, and what became of them. */
  mirror?: AdminResult['mirror'];
}

/** What the mirror step did, for the summary and `--json`. */
export interface MirrorReport {
  action: 'delete' | 'clear' | 'deactivate';
  field?: string;
  scope: string;
  /** Records in the scope (after the upsert). */
  inScope: number;
  /** Of those, the ones whose key is not in the file. */
  missing: number;
  /** Records of the scope with a blank key: no file can name them, so they are left alone. */
  unkeyed: number;
  /** The most that may go (--max-delete, default 10% of the scope). */
  limit: number;
  /** Records deleted, cleared or deactivated. */
  done: number;
  failed: number;
  /** The brake held: more than `limit` would have gone, so nothing did. */
  stopped: boolean;
  /** would-delete.csv (dry run, brake) or deleted.csv (one row per record, with its outcome). */
  file: string;
}

export interface AdminResult {
  /** --assignment-rule: what was asked, and what the run told Salesforce. */
  assignmentRule?: { asked: string; note: string };
  /** Row locks: records sent again after UNABLE_TO_LOCK_ROW, the parent field records were grouped by, --serial. */
  locks: { retries: number; groupedBy: string | null; serial: boolean };
  /** Mirror mode (--delete-missing, --missing): the records of the scope the file lacks, and what became of them. */
  mirror?: MirrorReport;
}
