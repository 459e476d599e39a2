import type { SalesforceClient, SaveResult } from '../salesforce/client.js';

/** Where the engine's writes go: sObject Collections (REST) or Bulk API 2.0 jobs. Results keep input order. */
export interface RecordWriter {
  create(object: string, records: Array<Record<string, unknown>>): Promise<SaveResult[]>;
  update(object: string, records: Array<Record<string, unknown> & { Id: string }>): Promise<SaveResult[]>;
  upsert(object: string, field: string, records: Array<Record<string, unknown>>): Promise<SaveResult[]>;
  delete(object: string, ids: string[]): Promise<SaveResult[]>;
  /** Sends at once what the writer holds back to gather into larger calls (the engine is about to wait). */
  flush?(): void;
}

export function restWriter(client: SalesforceClient): RecordWriter {
  return {
    create: (object, records) => client.create(object, records),
    update: (object, records) => client.update(object, records),
    upsert: (object, field, records) => client.upsert(object, field, records),
    delete: (_object, ids) => client.delete(ids),
  };
}
