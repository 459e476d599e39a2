import { SfsyncError } from '../errors.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ChangeFields } from './changes.js';
import { MatchSpill } from './bulk-match-spill.js';
import { MatchIndex, matchSelect, type MatchSpec } from './match.js';
import type { SyncEvents } from './sync-events.js';

/** Existing records an export may bring into memory to match against; past it, matching queries per batch. */
const EXPORT_MAX_RECORDS = 100_000;
/** Below this many input records, batched queries are always cheap enough. */
const EXPORT_MIN_INPUT = 3_000;
const STOPPED = new Error('the run was interrupted during the match export');
/**
 * Above this many input records, batched queries again: the records a run creates join the index (later rows
 * with their keys must find them), so the index grows with the file, about 110 bytes a record.
 */
const EXPORT_MAX_INPUT = 200_000;

export interface MatchExport {
  /** The export in memory; or, too large for that (`spill`), on disk, each batch reading its own rows. */
  index?: MatchIndex;
  spill?: MatchSpill;
  jobId: string;
  records: number;
}

/**
 * Exports the existing records' match values with one Bulk API query job when that costs fewer calls than the
 * batched queries would (each carries a few hundred keys) and the export is small enough to hold: a large file
 * against a modest org. `onDisk` (a Bulk run): one too large to hold waits on disk instead (bulk-match-spill.ts). A single match field only: keys of a record that several fields match can change with
 * its updates, which an export taken before the run would not see.
 */
export async function exportMatches(
  client: SalesforceClient,
  spec: MatchSpec,
  inputRecords: number,
  emit: SyncEvents,
  changes?: ChangeFields,
  stopped: () => boolean = () => false,
  onDisk = false,
): Promise<MatchExport | null> {
  const field = spec.fields[0];
  if (spec.fields.length !== 1 || !field) return null;
  if (inputRecords < EXPORT_MIN_INPUT || (inputRecords > EXPORT_MAX_INPUT && !onDisk) || stopped())
    return null;
  const where = `WHERE ${field.name} != null`;
  let existing: number;
  try {
    existing = await client.count(`SELECT COUNT() FROM ${spec.object} ${where}`);
  } catch (err) {
    if (outOfBudget(err)) return null;
    throw err;
  }
  const queryCalls = Math.ceil(inputRecords / 300);
  const exportCalls = 4 + Math.ceil(existing / 100_000);
  const tooLarge = existing > EXPORT_MAX_RECORDS || inputRecords > EXPORT_MAX_INPUT;
  if ((tooLarge && !onDisk) || exportCalls >= queryCalls || stopped()) return null;
  const spill = tooLarge ? new MatchSpill(spec, changes, existing) : undefined;
  const index = spill ? undefined : new MatchIndex(spec, changes);
  try {
    const { jobId, rows } = await client.bulkQuery(
      `SELECT ${matchSelect(spec, changes).join(', ')} FROM ${spec.object} ${where}`,
      (header, row) => {
        // Interrupted: the rest of the pages are not read (the run stops before its first record).
        if (stopped()) throw STOPPED;
        if (spill) spill.add(header, row);
        else index?.addCsvRow(header, row);
      },
      (id) => emit({ type: 'match-export-started', object: spec.object, field: field.name, jobId: id }),
    );
    emit({ type: 'match-export-done', field: field.name, records: rows });
    return { index, spill, jobId, records: rows };
  } catch (err) {
    spill?.close();
    // --max-api-calls ran out: the run's first call stops it on the budget, with its summary and results.
    if (outOfBudget(err) || err === STOPPED) return null;
    // The export only saves calls: when Salesforce fails its job, the batched queries do the same work.
    if (!(err instanceof SfsyncError) || err.code !== 'BULK_QUERY_FAILED') throw err;
    emit({ type: 'match-export-failed', field: field.name, message: err.message });
    return null;
  }
}

/**
 * The budget ran out during the export, before the run has a results folder: no export, and the run goes on to its
 * first call, which stops it on the budget as any budget stop (summary, results, the command to continue).
 */
function outOfBudget(err: unknown): boolean {
  return err instanceof SfsyncError && err.code === 'API_BUDGET_EXCEEDED';
}
