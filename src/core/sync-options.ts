/** What a sync is asked to do: the typed options of create, update, upsert and delete (after flag parsing). */

export interface CommonOptions {
  json: boolean;
  verbose: boolean;
}

export type SyncOperation = 'create' | 'update' | 'upsert' | 'delete';

export interface SyncOptions extends CommonOptions {
  operation: SyncOperation;
  /** A path, or `-` for standard input. */
  file: string;
  object?: string;
  match?: string[];
  matchOperator?: 'OR' | 'AND';
  /** Run although a match field does not identify a record (records sharing a value update one record). */
  allowSharedKeys?: boolean;
  /** Upsert: a record whose match key is blank is created instead of failing with MATCH_KEY_EMPTY. */
  createWhenKeyEmpty?: boolean;
  mapping?: string;
  format?: 'csv' | 'ndjson';
  delimiter?: string;
  encoding?: 'utf8' | 'latin1' | 'utf16le';
  dryRun: boolean;
  offline: boolean;
  api?: 'rest' | 'bulk' | 'auto';
  batchSize?: number;
  concurrency?: number;
  results?: string;
  resume: boolean;
  /** Start a new run although an unfinished one of the same operation, file and mapping exists. */
  restart?: boolean;
  org?: string;
  apiVersion?: string;
  failFast: boolean;
  /** Update/upsert: send every mapped field of every matched record, without comparing with its current values. */
  writeAll?: boolean;
  /** An API call budget for the run. */
  maxApiCalls?: number;
  /** Acknowledge duplicate rule alerts (REST header; records a rule refused under Bulk go again through REST). */
  allowDuplicates?: boolean;
  /** delete: Bulk API 2.0 hardDelete, past the Recycle Bin. */
  hard?: boolean;
  /** Confirm what would otherwise be asked (--hard), for runs without a terminal. */
  yes?: boolean;
  /** Lead/Case assignment rule: `default` (the active rule), `none`, or a rule Id (01Q…). */
  assignmentRule?: string;
  /** One write in flight at a time (REST) / one Bulk job at a time: the last resort against row locks. */
  serial?: boolean;
  /** Group records by their parent lookup so parallel writes touch different parents (default on). */
  groupByParent?: boolean;
  /** Mirror (upsert): what happens to records in --scope whose key the file lacks. */
  missing?: { verb: 'delete' | 'clear' | 'deactivate'; field?: string; value?: string };
  /** Mirror: the SOQL WHERE clause bounding the records that may be touched. */
  scope?: string;
  /** Mirror: the most that may go, a count or a percentage of the scope (default 10%). */
  maxDelete?: string;
  /** update/upsert/delete: the full records the run touches, exported to backup.csv before they are touched. */
  backup?: boolean;
}
