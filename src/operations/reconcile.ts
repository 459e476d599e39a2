import { SfsyncError } from '../errors.js';
import type { SalesforceClient } from '../salesforce/client.js';
import { resultLine } from './bulk-writer.js';

/** What one Bulk API job of a stopped run did: its uploaded columns, the Ids it created by uploaded CSV line. */
export interface BulkJobCreations {
  state: string;
  /** Why the job's results cannot settle its records (Salesforce no longer has the job). */
  missing?: string;
  columns: string[];
  created: Map<string, string[]>;
  /** The Ids of the records it changed without creating them (a delete's deleted records). */
  done: Set<string>;
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
    const job: BulkJobCreations = { state: '', columns: [], created: new Map(), done: new Set() };
    let layout: { header: string[]; id: number; created: number; at: number[] } | undefined;
    let outcome;
    try {
      outcome = await client.bulkIngestResults(jobId, (set, header, row) => {
        if (set !== 'successfulResults') return;
        if (layout?.header !== header) {
          job.columns = header.filter((h) => !h.startsWith('sf__'));
          layout = {
            header,
            id: header.indexOf('sf__Id'),
            created: header.indexOf('sf__Created'),
            at: job.columns.map((c) => header.indexOf(c)),
          };
        }
        // Rows an upsert updated: sending them again updates them again, which is what they report.
        if (row[layout.created] !== 'true') {
          job.done.add(row[layout.id] ?? '');
          return;
        }
        const line = resultLine(layout.at.map((k) => row[k] ?? ''));
        const ids = job.created.get(line) ?? [];
        ids.push(row[layout.id] ?? '');
        job.created.set(line, ids);
      });
    } catch (err) {
      // Salesforce deletes jobs (after seven days, or by hand): their records stay uncertain, and the rest of
      // the resume goes on. Any other error stops the resume before it has changed anything.
      if (!(err instanceof SfsyncError) || err.code !== 'NOT_FOUND') throw err;
      out.set(jobId, {
        state: 'Missing',
        missing: `Salesforce no longer has job ${jobId} (it deletes jobs seven days after they end), so its results cannot tell: check for the record in the org before sending it again.`,
        columns: [],
        created: new Map(),
        done: new Set(),
      });
      continue;
    }
    job.state = outcome.state;
    out.set(jobId, job);
  }
  return out;
}
