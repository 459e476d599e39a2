import { bulkJobEnded } from '../salesforce/client.js';
import type { InputRecord } from '../input/types.js';
import { applyMapping } from '../mapping/apply.js';
import { csvLineOf } from './bulk-writer.js';
import { withoutId } from './engine-failures.js';
import type { EngineOptions } from './engine-options.js';
import type { FailureDetail } from '../core/sync-types.js';
import type { ResultSink } from './results.js';

/**
 * An input line the interrupted run sent without recording an answer: settled (its Bulk job's results say it was
 * created, with the Id, or deleted), to send again (the job did not apply it, or it is an update or upsert,
 * which finds its record again), or uncertain (no job results to tell).
 */
export function settleFromJob(
  opts: EngineOptions,
  sink: ResultSink,
  input: InputRecord,
): 'settled' | 'send' | 'uncertain' {
  const jobId = opts.resume?.uncertain.get(input.line);
  const job = jobId ? opts.resume?.bulk?.get(jobId) : undefined;
  // An update or upsert the job's results cannot settle is sent again: it finds its record by its key.
  const unsure = opts.operation === 'update' || opts.operation === 'upsert' ? 'send' : 'uncertain';
  if (!job || !bulkJobEnded(job.state) || input.error) return unsure;
  const mapped = applyMapping(opts.compiled, input.line, input.values, opts.mappingZone);
  // A record whose lookups were resolved by query cannot be rebuilt exactly as it was sent.
  if (mapped.error || mapped.lookups.length > 0) return unsure;
  if (opts.operation === 'delete') {
    // Only a delete by the Id in the file can be told from the job's results (a deleted record no longer matches).
    const id = opts.strategy === 'id' ? mapped.payload.Id : undefined;
    if (typeof id !== 'string') return 'uncertain';
    if (!job.done.has(id)) return 'send';
    sink.succeed(input.line, 'deleted', id, input.values);
    return 'settled';
  }
  const id = job.created.get(csvLineOf(job.columns, withoutId(mapped.payload)))?.shift();
  if (!id) return 'send';
  sink.succeed(input.line, 'created', id, input.values);
  // Created by the job of the stopped run: its before-image, so that undo deletes it.
  opts.beforeImages?.created(input.line, id);
  return 'settled';
}

/** A line sent without a recorded answer, which nothing can settle: skipped, with what to check. */
export function uncertainDetail(opts: EngineOptions, line: number): FailureDetail {
  const job = opts.resume?.uncertain.get(line);
  return {
    code: 'UNCERTAIN',
    message: job
      ? `Sent in Bulk API job ${job} just before the run was interrupted, and no answer was recorded: it may or may not have been applied. ${opts.resume?.bulk?.get(job)?.missing ?? "Check the job's results in Salesforce (Setup > Bulk Data Load Jobs) before sending it again."}`
      : 'Sent just before the run was interrupted, and no answer was recorded: it may or may not have been created. Check before creating it again.',
  };
}
