import type { MappedRecord } from '../mapping/apply.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { EngineOptions } from './engine-options.js';
import type { EngineOutcomes } from './engine-outcomes.js';
import { resolveLookups } from './lookups.js';

/**
 * Fills in the parents of a batch: a plan's references from memory first, then lookups against the org. Records
 * whose parent cannot be found fail here; the rest go on to matching.
 */
export async function resolveParents(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  client: SalesforceClient | null,
  records: MappedRecord[],
): Promise<MappedRecord[]> {
  let pending = records;
  const refs = opts.resolveReferences?.(pending);
  for (const [r, detail] of refs ?? []) outcomes.fail(r, detail);
  if (refs?.size) pending = pending.filter((r) => !refs.has(r));
  if (client && pending.some((r) => r.lookups.length > 0)) {
    const failures = await resolveLookups(client, pending);
    for (const [r, detail] of failures) outcomes.fail(r, detail);
    pending = pending.filter((r) => !failures.has(r));
  }
  return pending;
}
