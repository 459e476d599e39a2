import type { SalesforceClient } from '../salesforce/client.js';
import { resultLine } from './bulk-writer.js';

/** What one Bulk API job of a killed run created: its uploaded columns, and the Ids by uploaded CSV line. */
export interface BulkJobCreations {
  state: string;
  columns: string[];
  created: Map<string, string[]>;
}

/**
 * Asks Salesforce what the Bulk API jobs of an interrupted create did, so that `--resume` can settle the records
 * it sent in them: created (with their Ids), or not applied and safe to send again. A job still open is aborted,
 * one still running is waited for.
 */
export async function bulkJobCreations(
  client: SalesforceClient,
  jobIds: Iterable<string>,
): Promise<Map<string, BulkJobCreations>> {
  const out = new Map<string, BulkJobCreations>();
  for (const jobId of new Set(jobIds)) {
    const job: BulkJobCreations = { state: '', columns: [], created: new Map() };
    let layout: { header: string[]; id: number; at: number[] } | undefined;
    const outcome = await client.bulkIngestResults(jobId, (set, header, row) => {
      if (set !== 'successfulResults') return;
      if (layout?.header !== header) {
        job.columns = header.filter((h) => !h.startsWith('sf__'));
        layout = { header, id: header.indexOf('sf__Id'), at: job.columns.map((c) => header.indexOf(c)) };
      }
      const line = resultLine(layout.at.map((k) => row[k] ?? ''));
      const ids = job.created.get(line) ?? [];
      ids.push(row[layout.id] ?? '');
      job.created.set(line, ids);
    });
    job.state = outcome.state;
    out.set(jobId, job);
  }
  return out;
}
