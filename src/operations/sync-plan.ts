import type { SyncOptions } from '../core/sync-options.js';
import type { SalesforceClient } from '../salesforce/client.js';
import {
  BULK_JOBS_AT_ONCE,
  bulkJobBytes,
  checkRestBatchSize,
  chooseApi,
  engineSizing,
  preflight,
} from './api-choice.js';
import { BulkWriter } from './bulk-writer.js';
import { planReads, type ChangeDetection } from './change-detection.js';
import { retryDuplicatesThroughRest, type DuplicateRetries } from './duplicate-retry.js';
import type { MatchExport } from './match-export.js';
import { syncTuning } from '../config/settings.js';
import type { SyncEvents } from './sync-events.js';
import type { SyncTarget } from './sync-prepare.js';
import { restWriter, type RecordWriter } from './writer.js';
import { chooseAssignment, type AssignmentChoice } from './assignment-rule.js';
import { planGrouping, type GroupingPlan, type MirrorCheck } from './sync-admin.js';

/** How the run writes: REST or Bulk, the engine's batches, and how it reads the existing records. */
export interface WritePlan {
  bulk: BulkWriter | null;
  writer: RecordWriter;
  retries: DuplicateRetries;
  heapBytes: number;
  batchSize: number;
  concurrency: number;
  changes: ChangeDetection;
  exported: MatchExport | null;
  /** --assignment-rule, ready for REST and Bulk. */
  assignment: AssignmentChoice | null;
  /** How records are grouped by parent against row locks (null: file order). */
  grouping: GroupingPlan | null;
  /** Records sent again after UNABLE_TO_LOCK_ROW, counted as the run goes. */
  locks: { retries: number };
  /** Mirror mode: the file's keys and what to do with the records of the scope it lacks. */
  mirror: MirrorCheck | null;
}

export async function planWrites(
  opts: SyncOptions,
  env: NodeJS.ProcessEnv,
  target: SyncTarget,
  file: string,
  emit: SyncEvents,
  stopped: () => boolean = () => false,
): Promise<WritePlan> {
  const { client, offline, compiled, matching } = target;
  const api = chooseApi(opts, file);
  checkRestBatchSize(api, opts.batchSize);
  const tuning = syncTuning(env);
  const heapBytes = tuning.heapLimitBytes;
  const sizing = engineSizing(opts, api === 'bulk' && client !== null, offline);
  const assignment = await chooseAssignment(opts.assignmentRule, target.object.name, api, client);
  const bulk =
    api === 'bulk' && client
      ? new BulkWriter(client, {
          jobRecords: sizing.jobRecords,
          jobsAtOnce: opts.concurrency ?? BULK_JOBS_AT_ONCE,
          maxUploadBytes: tuning.bulkUploadBytesSet ? tuning.bulkUploadBytes : bulkJobBytes(file),
          onJob: (job) => emit({ type: 'bulk-job-opened', job }),
          hardDelete: opts.hard === true,
          assignmentRuleId: assignment?.ruleId,
        })
      : null;
  const retries: DuplicateRetries = { retried: 0, saved: 0 };
  // Offline, the writer is never called: a dry run only plans.
  const rest = restWriter(client as SalesforceClient, {
    allowDuplicates: opts.allowDuplicates === true,
    autoAssign: assignment?.header,
  });
  if (client && !opts.dryRun) await preflight(client, opts.batchSize, file, api, matching.strategy);
  const { changes, exported } = await planReads(opts, client, compiled, matching, file, emit, stopped);
  return {
    bulk,
    writer: bulk && opts.allowDuplicates ? retryDuplicatesThroughRest(bulk, rest, retries) : (bulk ?? rest),
    retries,
    heapBytes,
    batchSize: sizing.batchSize,
    concurrency: sizing.concurrency,
    changes,
    exported,
    assignment,
    grouping: planGrouping(opts, compiled, offline, bulk !== null, sizing),
    locks: { retries: 0 },
    mirror: null,
  };
}
