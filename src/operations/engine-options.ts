import type { MatchSpill } from './bulk-match-spill.js';
import type { StopPoint } from './line-ledger.js';
import type { SyncOperation } from '../core/sync-options.js';
import type { MatchStrategy } from '../core/sync-types.js';
import type { Backup } from './backup.js';
import type { BeforeImages } from './before-images.js';
import type { SfsyncError } from '../errors.js';
import type { MappedRecord } from '../mapping/apply.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { RetryPolicy } from '../salesforce/retry.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ChangeFields } from './changes.js';
import type { KeyCensus } from './key-census.js';
import type { MatchIndex, MatchSpec } from './match.js';
import type { FailureDetail } from './results.js';
import type { BulkJobCreations } from './reconcile.js';
import type { Spool } from './spool.js';
import type { RecordWriter } from './writer.js';

export type { MatchStrategy } from '../core/sync-types.js';

export interface EngineOptions {
  operation: SyncOperation;
  compiled: CompiledMapping;
  mappingZone?: string;
  match: MatchSpec | null;
  strategy: MatchStrategy;
  /** REST collections or Bulk API 2.0 jobs. */
  writer: RecordWriter;
  /** The client's retry policy, which also paces resends of records that hit a row lock (default: DEFAULT_RETRY). */
  retry?: RetryPolicy;
  /** Called with the input lines of each write call before it is sent (the journal). */
  onSend?: (lines: number[], bulkJob?: string) => void;
  /** On resume: lines that already have an outcome, and lines whose create may or may not have happened. */
  resume?: {
    done: Set<number>;
    uncertain: Map<number, string | undefined>;
    /** Lines sent without an answer (uncertain ones too). */
    unanswered?: number[];
    /** What the Bulk jobs of the interrupted create did, by job id (see reconcile.ts). */
    bulk?: Map<string, BulkJobCreations>;
  };
  batchSize: number;
  concurrency: number;
  /**
   * Where records wait while a write is in flight (Bulk API jobs keep tens of thousands of records waiting for
   * minutes; as objects they would dominate the memory of the run). Without it they stay in memory.
   */
  spool?: Spool;
  dryRun: boolean;
  failFast: boolean;
  onBatch?: () => void;
  /** Called as each batch is handed on, a point where the run may pause for a moment (garbage collection). */
  onDispatch?: () => void;
  /**
   * Existing records exported once before the run (instead of queries per batch); the engine adds each record it
   * creates, so later rows with the same key find it as they would with a query.
   */
  matchIndex?: MatchIndex;
  /** The export kept on disk (too large to hold): each batch reads the rows its records match. */
  matchSpill?: MatchSpill;
  /**
   * Change detection (update and upsert; off with --write-all): matched records are read with these fields, and
   * only the fields that differ are sent; a record with none is `unchanged` and not sent.
   */
  changes?: ChangeFields;
  /** Batches looked up and matched at once (default: concurrency); the rest wait, or wait for their writes. */
  prepareConcurrency?: number;
  /** Upsert: a record whose match key is blank is created; otherwise it fails with MATCH_KEY_EMPTY. */
  createWhenKeyEmpty?: boolean;
  /**
   * The keys of the whole input counted before the run (a dry run then remembers only the creates whose key
   * comes again); without it the engine counts them as it reads (standard input) into `countKeys`.
   */
  keyCounts?: KeyCensus;
  countKeys?: KeyCensus;
  /**
   * The count of the whole input found no match key on more than one record: batches need not wait for each other
   * by key, nor keep their keys while their Bulk jobs run (about 100 bytes a record in flight).
   */
  uniqueKeys?: boolean;
  /** Told how many records are sent again because they only met a row lock (UNABLE_TO_LOCK_ROW). */
  onLockRetry?: (records: number) => void;
  /** Where each write records what it replaces, before it is sent (undo reads them). */
  beforeImages?: BeforeImages;
  /** --backup: the records about to be updated or deleted, exported before they are touched. */
  backup?: Backup;
  /** A plan's references (plan-references.ts): parents found in memory before the others are looked up in the org. */
  resolveReferences?: ReferenceResolver;
}

/** Fills the references it knows in each record's payload, and says which records fail (their parent failed, or a polymorphic key is missing or ambiguous). */
export type ReferenceResolver = (
  records: MappedRecord[],
  client: SalesforceClient | null,
) => Map<MappedRecord, FailureDetail> | Promise<Map<MappedRecord, FailureDetail>>;

export interface EngineResult {
  /** Set when the run stopped before the end of the input; the records it had read are all accounted for. */
  fatal: SfsyncError | null;
  stoppedEarly: boolean;
  lastLine: number;
  /** How many records were read up to `lastLine` (set by the run that ends the engine). */
  recordsRead?: number;
  /** Where the run is in its input by the outcomes written (set by the run that ends the engine). */
  stop?: StopPoint;
}
