import type { SyncOptions } from '../core/sync-options.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo } from '../salesforce/types.js';
import { chooseApi, estimateRecords } from './api-choice.js';
import { ChangeFields } from './changes.js';
import { exportMatches, type MatchExport } from './match-export.js';
import type { MatchPlan } from './prepare.js';
import type { SyncEvents } from './sync-events.js';

export interface ChangeDetection {
  fields?: ChangeFields;
  warning?: string;
}

/**
 * Only what changed (update and upsert, unless --write-all): the fields compared, and what comparing costs when
 * the run would not read the records otherwise (by Id, or Salesforce's upsert on an external ID).
 */
export function changeDetection(
  opts: Pick<SyncOptions, 'writeAll' | 'operation'>,
  compiled: CompiledMapping,
  strategy: string,
  matchFields: FieldInfo[],
): ChangeDetection {
  if (opts.writeAll || (opts.operation !== 'update' && opts.operation !== 'upsert')) return {};
  const fields = new ChangeFields(compiled, matchFields);
  const read =
    strategy === 'native-upsert'
      ? `the upsert on ${compiled.object.name}.${matchFields[0]?.name ?? 'its external ID'} reads`
      : strategy === 'id'
        ? 'matching by Id reads'
        : undefined;
  return {
    fields,
    warning: read
      ? `change detection: ${read} the matched records first (a query per batch, as many calls as the writes it may save, or one Bulk export for a large file) and sends only what changed; --write-all sends everything without comparing (an upsert still reads what it updates, for its before-images).`
      : undefined,
  };
}

/**
 * How the run reads the existing records: the fields it compares, and the Bulk export of their match values when
 * that is cheaper than batched queries. By Id or Salesforce's upsert, records are read only to compare.
 */
export async function planReads(
  opts: SyncOptions,
  client: SalesforceClient | null,
  compiled: CompiledMapping,
  plan: MatchPlan,
  file: string,
  emit: SyncEvents,
  stopped: () => boolean = () => false,
): Promise<{ changes: ChangeDetection; exported: MatchExport | null }> {
  const { strategy, spec } = plan;
  const changes = changeDetection(opts, compiled, strategy, spec?.fields ?? []);
  // Salesforce's upsert through Bulk: an export too large to hold waits on disk (one query job, not one per batch).
  const onDisk =
    strategy === 'native-upsert' && client !== null && chooseApi({ ...opts, dryRun: false }, file) === 'bulk';
  const exported =
    client &&
    spec &&
    (strategy === 'query' || (changes.fields && (strategy === 'native-upsert' || strategy === 'id')))
      ? await exportMatches(client, spec, estimateRecords(file), emit, changes.fields, stopped, onDisk)
      : null;
  // Through Bulk, reading by query would cost more calls than the jobs it could save (about 33 queries against 8
  // job calls per 10,000 records): without the export, Salesforce's upsert sends everything. By Id the records are
  // read all the same (their before-images, one query per 200), so they are compared too: a rerun writes nothing.
  // The dry run decides the same.
  if (
    changes.fields &&
    strategy === 'native-upsert' &&
    !exported &&
    client &&
    chooseApi({ ...opts, dryRun: false }, file) === 'bulk'
  )
    return {
      changes: {
        warning: `change detection is off: Salesforce's upsert on an external ID does not read the records, and reading them by query would cost more API calls than the Bulk jobs it could save; every record is sent (as with --write-all).`,
      },
      exported,
    };
  return { changes, exported };
}
