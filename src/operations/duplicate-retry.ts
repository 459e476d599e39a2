import type { DuplicateRetries } from '../core/sync-types.js';
import type { SaveResult } from '../salesforce/client.js';
import type { RecordWriter, Sent } from './writer.js';

export type { DuplicateRetries };

/** REST calls carry at most this many records. */
const REST_CHUNK = 200;

/**
 * --allow-duplicates on the Bulk path: Bulk API jobs cannot carry the Sforce-Duplicate-Rule-Header, so the records
 * a duplicate rule refused in a job (nothing of them was saved) go again through REST collections with the header.
 * Results keep the order of the records; the rest of the writer is the Bulk one.
 */
export function retryDuplicatesThroughRest(
  bulk: RecordWriter,
  rest: RecordWriter,
  stats: DuplicateRetries,
): RecordWriter {
  /**
   * The records wait for their job as JSON text, not as objects: the engine spools its own copies while a Bulk job
   * runs, and text is several times smaller than the objects it describes.
   */
  async function again<T extends Record<string, unknown>>(
    records: T[],
    first: Promise<SaveResult[]>,
    sent: Sent | undefined,
    resend: (chunk: T[]) => Promise<SaveResult[]>,
  ): Promise<SaveResult[]> {
    const kept = records.map((r) => {
      try {
        return JSON.stringify(r);
      } catch {
        return undefined; // not writable as JSON: it keeps its Bulk answer
      }
    });
    const answered = await first;
    const refused = answered
      .map((r, i) => (r.errors[0]?.statusCode === 'DUPLICATES_DETECTED' && kept[i] !== undefined ? i : -1))
      .filter((i) => i >= 0);
    if (refused.length === 0) return answered;
    const results = [...answered];
    for (let k = 0; k < refused.length; k += REST_CHUNK) {
      const at = refused.slice(k, k + REST_CHUNK);
      // The journal learns that these lines left again, outside their Bulk job: a resumed run must not take the
      // job's failure for their outcome.
      for (const i of at) sent?.(undefined, i, 1);
      const answers = await resend(at.map((i) => JSON.parse(kept[i] as string) as T));
      at.forEach((i, j) => {
        const answer = answers[j];
        stats.retried++;
        if (answer?.success) stats.saved++;
        if (answer) results[i] = answer;
      });
    }
    return results;
  }
  return {
    create: (object, records, sent) =>
      again(records, bulk.create(object, records, sent), sent, (chunk) => rest.create(object, chunk)),
    update: (object, records, sent) =>
      again(records, bulk.update(object, records, sent), sent, (chunk) => rest.update(object, chunk)),
    upsert: (object, field, records, sent) =>
      again(records, bulk.upsert(object, field, records, sent), sent, (chunk) =>
        rest.upsert(object, field, chunk),
      ),
    delete: (object, ids, sent) => bulk.delete(object, ids, sent),
    flush: () => bulk.flush?.(),
    busy: () => bulk.busy?.() ?? false,
    halt: (stop) => bulk.halt?.(stop),
  };
}
