import type { SalesforceClient, SaveResult, WriteOptions } from '../salesforce/client.js';

/**
 * Where the engine's writes go: sObject Collections (REST) or Bulk API 2.0 jobs. Results keep input order.
 * `sent` is called just before the records leave for Salesforce, with the Bulk API job carrying them (for the journal);
 * records split across Bulk jobs are told job by job, with the index of the first and their number.
 */
export type Sent = (bulkJob?: string, from?: number, count?: number) => void;

export interface RecordWriter {
  create(object: string, records: Array<Record<string, unknown>>, sent?: Sent): Promise<SaveResult[]>;
  update(
    object: string,
    records: Array<Record<string, unknown> & { Id: string }>,
    sent?: Sent,
  ): Promise<SaveResult[]>;
  upsert(
    object: string,
    field: string,
    records: Array<Record<string, unknown>>,
    sent?: Sent,
  ): Promise<SaveResult[]>;
  delete(object: string, ids: string[], sent?: Sent): Promise<SaveResult[]>;
  /** Sends at once what the writer holds back to gather into larger calls (the engine is about to wait). */
  flush?(): void;
  /** Sends nothing new after an interrupt: calls not sent yet answer with it. */
  halt?(stop: Error): void;
  /** True while the writer holds a full call it cannot send yet: reading more would only grow the memory. */
  busy?(): boolean;
}

export function restWriter(client: SalesforceClient, write: WriteOptions = {}): RecordWriter {
  return {
    create: (object, records, sent) => {
      sent?.();
      return client.create(object, records, write);
    },
    update: (object, records, sent) => {
      sent?.();
      return client.update(object, records, write);
    },
    upsert: (object, field, records, sent) => {
      sent?.();
      return client.upsert(object, field, records, write);
    },
    delete: (_object, ids, sent) => {
      sent?.();
      return client.delete(ids);
    },
  };
}
