import type { ServerResponse } from 'node:http';
import type { IngestOperation, RowResult } from './bulk-rows.js';

export const NS = 'http://www.force.com/2009/06/asyncapi/dataload';
export const MAX_BATCH_RECORDS = 10_000;
export const OPERATIONS = new Set([
  'insert',
  'update',
  'upsert',
  'delete',
  'hardDelete',
  'query',
  'queryAll',
]);

export type BatchState = 'Queued' | 'InProgress' | 'Completed' | 'Failed' | 'NotProcessed';

export interface Batch {
  id: string;
  jobId: string;
  state: BatchState;
  stateMessage?: string;
  createdDate: string;
  systemModstamp: string;
  data: Buffer;
  json: boolean;
  results: RowResult[];
  failed: number;
  /** A query batch's result set (one result id per batch here; Salesforce may split large ones). */
  query?: { resultId: string; columns: string[]; rows: Array<Array<string | null>>; records: unknown[] };
}

export interface Job {
  id: string;
  operation: IngestOperation | 'query' | 'queryAll';
  object: string;
  externalIdFieldName?: string;
  concurrencyMode: 'Parallel' | 'Serial';
  contentType: 'CSV' | 'JSON';
  assignmentRuleId?: string;
  state: 'Open' | 'Closed' | 'Aborted' | 'Failed';
  createdDate: string;
  systemModstamp: string;
  apiVersion: string;
  batches: Batch[];
  /** Serial jobs run one batch at a time, in the order they were added. */
  running: Promise<void>;
}

export class AsyncError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function xmlEscape(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toXml(root: string, body: Record<string, unknown>): string {
  const inner = Object.entries(body)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
    .join('');
  return `<${root} xmlns="${NS}">${inner}</${root}>`;
}

/** The flat elements of a jobInfo XML body (all jobInfo has). */
export function fromXml(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) out[m[1] as string] = (m[2] as string).trim();
  return out;
}

export function csvCell(v: string): string {
  return `"${v.replace(/"/g, '""')}"`;
}

function splitError(error: string): { statusCode: string; message: string; fields: string[] } {
  const m = /^([A-Z_]+):([\s\S]*):([^:]*) --$/.exec(error);
  if (!m) return { statusCode: 'UNKNOWN_EXCEPTION', message: error, fields: [] };
  return {
    statusCode: m[1] as string,
    message: m[2] as string,
    fields: m[3] ? m[3].split(',') : [],
  };
}

/** A JSON record as the CSV cells the shared row rules read: null is #N/A, a parent reference `Rel.Key`. */
export function jsonRows(records: Array<Record<string, unknown>>): { header: string[]; rows: string[][] } {
  const header: string[] = [];
  const flat = records.map((rec) => {
    const cells: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'attributes') continue;
      if (v !== null && typeof v === 'object') {
        for (const [kk, vv] of Object.entries(v as Record<string, unknown>))
          if (kk !== 'attributes') cells[`${k}.${kk}`] = String(vv);
      } else cells[k] = v === null ? '#N/A' : String(v);
    }
    for (const k of Object.keys(cells)) if (!header.includes(k)) header.push(k);
    return cells;
  });
  return { header, rows: flat.map((c) => header.map((h) => c[h] ?? '')) };
}

export function sendResults(res: ServerResponse, batch: Batch): void {
  if (batch.state !== 'Completed' && batch.state !== 'Failed')
    throw new AsyncError(400, 'InvalidBatch', `Batch not completed: ${batch.state}`);
  if (batch.json) {
    const text = JSON.stringify(
      batch.results.map((r) =>
        r.error
          ? { success: false, created: false, id: r.id || null, errors: [splitError(r.error)] }
          : { success: true, created: r.created === true, id: r.id, errors: [] },
      ),
    );
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    return void res.end(text);
  }
  const lines = ['"Id","Success","Created","Error"'];
  for (const r of batch.results) {
    lines.push(
      [r.id, r.error ? 'false' : 'true', r.created === true ? 'true' : 'false', r.error ?? '']
        .map(csvCell)
        .join(','),
    );
  }
  const text = `${lines.join('\n')}\n`;
  res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function jobInfo(job: Job, userId: string): Record<string, unknown> {
  const count = (s: BatchState): number => job.batches.filter((b) => b.state === s).length;
  const processed = job.batches.reduce((n, b) => n + b.results.length, 0);
  const failed = job.batches.reduce((n, b) => n + b.failed, 0);
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: userId,
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    externalIdFieldName: job.externalIdFieldName,
    concurrencyMode: job.concurrencyMode,
    contentType: job.contentType,
    numberBatchesQueued: count('Queued'),
    numberBatchesInProgress: count('InProgress'),
    numberBatchesCompleted: count('Completed'),
    numberBatchesFailed: count('Failed'),
    numberBatchesTotal: job.batches.length,
    numberRecordsProcessed: processed,
    numberRetries: 0,
    apiVersion: job.apiVersion,
    assignmentRuleId: job.assignmentRuleId,
    numberRecordsFailed: failed,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };
}

export function batchInfo(batch: Batch): Record<string, unknown> {
  return {
    id: batch.id,
    jobId: batch.jobId,
    state: batch.state,
    stateMessage: batch.stateMessage,
    createdDate: batch.createdDate,
    systemModstamp: batch.systemModstamp,
    numberRecordsProcessed: batch.results.length,
    numberRecordsFailed: batch.failed,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };
}
