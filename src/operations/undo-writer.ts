import type { SalesforceClient } from '../salesforce/client.js';
import { AUTO_BULK_RECORDS, BULK_JOB_BYTES } from './api-choice.js';
import { BulkWriter, type BulkJobReport } from './bulk-writer.js';
import { restWriter, type RecordWriter } from './writer.js';

/** Records in one Bulk API job of an undo: its deletes and updates are gathered from many 200-record reads. */
const UNDO_JOB_RECORDS = 10_000;
/** Batches an undo has in flight over REST: as many as a sync's REST calls (--concurrency's default). */
const REST_BATCHES = 4;

export interface UndoWriting {
  api: 'rest' | 'bulk';
  writer: RecordWriter;
  /** Batches (one read of at most 200 records each) in flight at once. */
  concurrency: number;
  /** The Bulk API jobs opened so far. */
  jobs: BulkJobReport[];
}

/** --api for an undo: as asked, or with auto, Bulk API 2.0 for undos of AUTO_BULK_RECORDS writes or more. */
export function chooseUndoApi(
  api: 'auto' | 'rest' | 'bulk' | undefined,
  entries: number,
  dryRun: boolean,
): 'rest' | 'bulk' {
  if (dryRun) return 'rest';
  if (api === 'rest' || api === 'bulk') return api;
  return entries >= AUTO_BULK_RECORDS ? 'bulk' : 'rest';
}

/**
 * How an undo writes. REST: a call per kind of write per batch. Bulk API 2.0: the deletes and updates of many
 * batches gathered into jobs of up to UNDO_JOB_RECORDS records, with enough batches in flight to fill one job while
 * the one before runs (undelete() has no Bulk form: it stays a SOAP call per batch).
 */
export function undoWriting(client: SalesforceClient, api: 'rest' | 'bulk', batchSize: number): UndoWriting {
  if (api === 'rest') return { api, writer: restWriter(client), concurrency: REST_BATCHES, jobs: [] };
  const jobs: BulkJobReport[] = [];
  const writer = new BulkWriter(client, {
    jobRecords: UNDO_JOB_RECORDS,
    jobsAtOnce: 1,
    maxUploadBytes: BULK_JOB_BYTES,
    onJob: (job) => jobs.push(job),
  });
  // One job running, the next one full and waiting, a third one filling: a job never waits for reads to fill it.
  return { api, writer, concurrency: 3 * Math.ceil(UNDO_JOB_RECORDS / batchSize), jobs };
}
