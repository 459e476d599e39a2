import type { SalesforceClient, SaveResult } from '../salesforce/client.js';

/**
 * Where the engine's writes go: sObject Collections (REST) or Bulk API 2.0 jobs. Results keep input order.
 * `sent` is called just before the records leave for Salesforce, with the Bulk API job carrying them (for the journal).
 */
export interface RecordWriter {
  create(
    object: string,
    records: Array<Record<string, unknown>>,
    sent?: (bulkJob?: string) => void,
  ): Promise<SaveResult[]>;
  update(
    object: string,
    records: Array<Record<string, unknown> & { Id: string }>,
    sent?: (bulkJob?: string) => void,
  ): Promise<SaveResult[]>;
  upsert(
    object: string,
    field: string,
    records: Array<Record<string, unknown>>,
    sent?: (bulkJob?: string) => void,
  ): Promise<SaveResult[]>;
  delete(object: string, ids: string[], sent?: (bulkJob?: string) => void): Promise<SaveResult[]>;
  /** Sends at once what the writer holds back to gather into larger calls (the engine is about to wait). */
  flush?(): void;
}

export function restWriter(client: SalesforceClient): RecordWriter {
  return {
    create: (object, records, sent) => {
      sent?.();
      return client.create(object, records);
    },
    update: (object, records, sent) => {
      sent?.();
      return client.update(object, records);
    },
    upsert: (object, field, records, sent) => {
      sent?.();
      return client.upsert(object, field, records);
    },
    delete: (_object, ids, sent) => {
      sent?.();
      return client.delete(ids);
    },
  };
}
