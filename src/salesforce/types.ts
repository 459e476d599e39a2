import type { SfsyncError } from '../errors.js';
import type { RetryPolicy } from './retry.js';

/** The parts of Salesforce's describe results that sfsync reads. */
export interface FieldInfo {
  name: string;
  label: string;
  type: string;
  length: number;
  precision: number;
  scale: number;
  digits: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  filterable: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  caseSensitive: boolean;
  custom: boolean;
  calculated: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  restrictedPicklist: boolean;
  picklistValues: Array<{ active: boolean; value: string; label: string }>;
}

export interface ObjectInfo {
  name: string;
  label: string;
  labelPlural: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  queryable: boolean;
  /** False for objects whose deleted records cannot come back from the Recycle Bin (CampaignMember). */
  undeletable?: boolean;
  fields: FieldInfo[];
}

export type ObjectSummary = Omit<ObjectInfo, 'fields'> & { keyPrefix: string | null };

/** Required on create, as Salesforce defines it. */
export function isRequiredOnCreate(f: FieldInfo): boolean {
  return f.createable && !f.nillable && !f.defaultedOnCreate;
}

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
  /** DUPLICATES_DETECTED on REST: the duplicate rule and the records it matched (Bulk results carry none). */
  duplicateResult?: {
    allowSave?: boolean;
    duplicateRule?: string;
    matchResults?: Array<{ matchRecords?: Array<{ record?: { Id?: string } }> }>;
  };
}

/** Options of a REST write. */
export interface WriteOptions {
  /**
   * Acknowledge duplicate rule alerts and save anyway (`Sforce-Duplicate-Rule-Header: allowSave=true`); rules
   * whose action is Block still refuse.
   */
  allowDuplicates?: boolean;
  /**
   * `Sforce-Auto-Assign`: TRUE runs the active assignment rule (Salesforce's default when the header is absent),
   * FALSE none, or a rule's Id.
   */
  autoAssign?: string;
}

/** The Ids of the records a duplicate rule matched, from a DUPLICATES_DETECTED error. */
export function duplicateIds(error: SaveError | undefined): string[] {
  const ids = (error?.duplicateResult?.matchResults ?? []).flatMap((m) =>
    (m.matchRecords ?? []).map((r) => r.record?.Id),
  );
  return [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
}

export interface SaveResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: SaveError[];
  /**
   * The error that kept Salesforce from answering for the record: its Bulk job could not be opened or uploaded
   * (nothing of it applied), or its results could not be read (`BULK_RESULTS_UNREAD`: left for --resume to settle).
   */
  stop?: SfsyncError;
  /**
   * A record that only hit a row lock in a Bulk job: the values it was sent with, read back from the job's failed
   * results, to send it again (the record itself waits on disk as its result-file cells only).
   */
  resend?: Record<string, unknown>;
  /**
   * The answer of a call resent after the first one's answer was lost (an upsert on an external ID): a record the
   * lost call created reads here as updated (`created` false).
   */
  resent?: boolean;
}

/** Who a session belongs to. */
export interface Identity {
  username: string;
  userId: string;
  orgId: string;
  isSandbox: boolean;
}

/** The narrow view of Salesforce that sfsync needs. */
export interface SalesforceClient {
  readonly instanceUrl: string;
  readonly apiVersion: string;
  /** The one retry policy: the client's calls, and the engine's resends of records that hit a row lock. */
  readonly retry: RetryPolicy;
  /** REST calls this client sent, retries included. */
  apiCalls(): number;
  /**
   * The org's clock as last seen: the latest HTTP Date header of its answers (whole seconds, in ms since the epoch),
   * or null before the first answer. A write answered before this was read happened at or before it.
   */
  serverTime(): number | null;
  /** Refuse calls past this many (--max-api-calls). */
  setBudget(maxCalls: number | undefined): void;
  /** The org's remaining daily API requests, from /limits. */
  remainingDailyRequests(): Promise<number | null>;
  /** The user and org behind the session, and whether the org is a sandbox. */
  identity(): Promise<Identity>;
  describeGlobal(): Promise<ObjectSummary[]>;
  describe(object: string): Promise<ObjectInfo>;
  /**
   * Every row of a query, page by page (2,000 rows a call). `all` reads deleted and archived rows too (queryAll);
   * `onTotal` hears the query's totalSize once the first page is in, before its first row.
   */
  query(
    soql: string,
    options?: { all?: boolean; onTotal?: (totalSize: number) => void },
  ): AsyncGenerator<Record<string, unknown>>;
  /** The number a `SELECT COUNT() …` query answers. */
  count(soql: string): Promise<number>;
  /**
   * A Bulk API 2.0 query job: created, polled, and its CSV results read page by page (following Sforce-Locator),
   * each row handed to `onRow` with the header. Returns the job id and the number of rows.
   */
  bulkQuery(
    soql: string,
    onRow: (header: string[], row: string[]) => void,
    onOpen?: (jobId: string) => void,
    options?: { all?: boolean },
  ): Promise<{ jobId: string; rows: number }>;
  create(
    object: string,
    records: Array<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SaveResult[]>;
  update(
    object: string,
    records: Array<Record<string, unknown> & { Id: string }>,
    options?: WriteOptions,
  ): Promise<SaveResult[]>;
  upsert(
    object: string,
    externalIdField: string,
    records: Array<Record<string, unknown>>,
    options?: WriteOptions,
  ): Promise<SaveResult[]>;
  delete(ids: string[]): Promise<SaveResult[]>;
  /**
   * Records back from the Recycle Bin with their Ids, at most 200 a call: `undelete()` exists only in the SOAP API
   * (the Partner endpoint), so this one call goes there.
   */
  undelete(ids: string[]): Promise<SaveResult[]>;
  /**
   * The outcome of an ingest job opened earlier (by a run that was killed): an Open job is aborted, so nothing of
   * it is applied; otherwise it is polled to its end and its successful and failed results handed to `onRow`.
   */
  bulkIngestResults(
    jobId: string,
    onRow: (set: BulkResultSet, header: string[], row: string[]) => void,
  ): Promise<BulkJobOutcome>;
  /**
   * One Bulk API 2.0 ingest job, step by step: open, upload, close, poll, then its successful and failed results,
   * handed to `onRow` one row at a time (values as arrays, after the set's header), so no result set is held whole.
   * An upload cut off by a dropped connection aborts its job (nothing of an Open job is applied) and goes to a new
   * one: `onOpen` is then called again, with the new job. An error after the upload carries `unreadJob`.
   */
  bulkIngest(
    spec: BulkJobSpec,
    csv: string | { file: string; bytes: number; records: number },
    onOpen: (jobId: string) => void,
    onRow: (set: BulkResultSet, header: string[], row: string[]) => void,
  ): Promise<BulkJobOutcome>;
}

export type BulkResultSet = 'successfulResults' | 'failedResults';

export interface BulkJobSpec {
  object: string;
  operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  externalIdFieldName?: string;
  /** The Lead or Case assignment rule the job runs (without it, a job runs none). */
  assignmentRuleId?: string;
}

const BULK_END_STATES: ReadonlySet<string> = new Set(['JobComplete', 'Failed', 'Aborted']);

/** Whether a Bulk API 2.0 job in this state has ended: Salesforce runs it no further. */
export function bulkJobEnded(state: string): boolean {
  return BULK_END_STATES.has(state);
}

export interface BulkJobOutcome {
  jobId: string;
  state: string;
  errorMessage?: string;
}
