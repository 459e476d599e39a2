import type { BeforeImages } from './before-images.js';
import type { AdminResult } from '../core/sync-types.js';
import { plural } from '../core/plural.js';
import type { SyncOptions } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import type { InputRecord } from '../input/types.js';
import { readRecords } from '../input/read-records.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import type { AssignmentChoice } from './assignment-rule.js';
import type { KeyCensus } from './key-census.js';
import { BULK_JOBS_AT_ONCE } from './api-choice.js';
import { groupByParent, parentField } from './lock-grouping.js';
import { recordKeys, type MatchSpec } from './match.js';
import {
  brakeError,
  fileKeys,
  mirror,
  parseDeleteLimit,
  renderMirror,
  type MirrorPlan,
  type MirrorReport,
} from './mirror.js';

/** Records gathered at most before the lock grouping reorders them (bounds its memory). */
const GROUPING_WINDOW = 50_000;

/** How records are grouped by parent so that parallel writes do not lock each other; null keeps file order. */
export interface GroupingPlan {
  compiled: CompiledMapping;
  field: NonNullable<ReturnType<typeof parentField>>;
  lanes: number;
  unit: number;
}

export function planGrouping(
  opts: SyncOptions,
  compiled: CompiledMapping,
  offline: boolean,
  bulk: boolean,
  sizing: { batchSize: number; concurrency: number; jobRecords: number },
): GroupingPlan | null {
  // Writes in flight at once: REST calls, or Bulk jobs (one at a time unless --concurrency says more).
  const slots = opts.concurrency ?? (bulk ? BULK_JOBS_AT_ONCE : 4);
  if (opts.groupByParent === false || opts.operation === 'delete' || offline || slots <= 1) return null;
  // Bulk jobs cut by bytes (no --batch-size) have no record count to fill lanes with: file order then.
  if (bulk && !Number.isFinite(sizing.jobRecords)) return null;
  const field = parentField(compiled);
  if (!field) return null;
  // REST batches finish out of order, so a slot frees before the batch next to it is done: twice as many lanes as
  // slots keep the batches in flight on different parents. A Bulk job is one unit; `slots` of them run at once.
  return bulk
    ? { compiled, field, lanes: slots, unit: sizing.jobRecords }
    : { compiled, field, lanes: sizing.concurrency * 2, unit: sizing.batchSize };
}

/** The input without the records `skip` names (none: the input itself). */
export async function* withoutRecords(
  all: AsyncIterable<InputRecord[]>,
  skip: ((record: InputRecord) => boolean) | undefined,
): AsyncIterable<InputRecord[]> {
  if (!skip) {
    yield* all;
    return;
  }
  for await (const chunk of all) yield chunk.filter((r) => !skip(r));
}

export function groupedInput(
  all: AsyncIterable<InputRecord[]>,
  plan: GroupingPlan | null,
  spec: MatchSpec | null,
  zone: string | undefined,
): AsyncIterable<InputRecord[]> {
  if (!plan) return all;
  return groupByParent(all, {
    compiled: plan.compiled,
    field: plan.field,
    zone,
    lanes: plan.lanes,
    unit: plan.unit,
    window: Math.min(Math.max(plan.lanes * plan.unit * 4, 2_000), GROUPING_WINDOW),
    keysOf: spec ? (r) => recordKeys(spec, r) : undefined,
  });
}

export interface MirrorCheck {
  census: KeyCensus;
  plan: MirrorPlan;
}

/**
 * Mirror mode, before anything is written: the file's keys (one more pass, in a compact table), and a refusal when
 * a record's key cannot be read, since the record it names would look missing and be deleted.
 */
export async function mirrorCheck(
  opts: SyncOptions,
  spec: MatchSpec | null,
  compiled: CompiledMapping,
  file: string,
  format: 'csv' | 'ndjson',
  zone: string | undefined,
): Promise<MirrorCheck | null> {
  if (!opts.missing || !opts.scope) return null;
  if (opts.operation !== 'upsert' || !spec)
    throw new SfsyncError(
      'USAGE',
      'Mirror mode (--delete-missing, --missing) needs an upsert with --match KEY.',
      {
        hint: `Run: sfsync upsert ${opts.file} --match KEY --delete-missing --scope "WHERE ..."`,
      },
    );
  const keys = await fileKeys(
    readRecords({ file, format, delimiter: opts.delimiter, encoding: opts.encoding }),
    compiled,
    spec,
    zone,
  );
  if (keys.unreadableCount > 0)
    throw new SfsyncError(
      'MIRROR_KEYS_UNREADABLE',
      `${plural(keys.unreadableCount, 'record')} of ${opts.file} ${keys.unreadableCount === 1 ? 'has a match key' : 'have match keys'} that cannot be read (line${keys.unreadable.length === 1 ? '' : 's'} ${keys.unreadable.join(', ')}${keys.unreadableCount > keys.unreadable.length ? ', …' : ''}): the records they name would look missing and be ${opts.missing.verb === 'delete' ? 'deleted' : 'changed'}. Nothing was written.`,
      {
        hint: `Fix those lines (sfsync ${opts.operation} ${opts.file} --dry-run shows why each is refused), then run again.`,
      },
    );
  return {
    census: keys.census,
    plan: {
      action: opts.missing,
      scope: opts.scope,
      limit: opts.maxDelete ? parseDeleteLimit(opts.maxDelete) : { percent: 10 },
    },
  };
}

/** After an upsert that read its whole file: the records of the scope the file lacks. */
export async function runMirror(
  check: MirrorCheck | null,
  client: SalesforceClient | null,
  object: ObjectInfo,
  spec: MatchSpec | null,
  dir: string,
  dryRun: boolean,
  images?: BeforeImages,
): Promise<MirrorReport | undefined> {
  if (!check || !client || !spec) return undefined;
  return mirror(client, object, spec, check.plan, check.census, dir, dryRun, images);
}

/** The brake held: the run stops with the list, after its summary is written. */
export function mirrorBrake(check: MirrorCheck | null, report: MirrorReport | undefined): SfsyncError | null {
  return check && report?.stopped ? brakeError(report, check.plan) : null;
}

/** What the result says of the admin controls. */
export type { AdminResult };

export function adminResult(
  opts: SyncOptions,
  assignment: AssignmentChoice | null,
  grouping: GroupingPlan | null,
  lockRetries: number,
  mirrored: MirrorReport | undefined,
): AdminResult {
  return {
    ...(assignment
      ? { assignmentRule: { asked: opts.assignmentRule as string, note: assignment.note } }
      : {}),
    locks: {
      retries: lockRetries,
      groupedBy: grouping ? (grouping.field.referenceField?.name ?? grouping.field.target) : null,
      serial: opts.serial === true,
    },
    ...(mirrored ? { mirror: mirrored } : {}),
  };
}

/** The summary lines of the admin controls. */
export function renderAdmin(r: Partial<AdminResult>, dryRun: boolean): string[] {
  const lines: string[] = [];
  if (r.assignmentRule) lines.push(`  --assignment-rule ${r.assignmentRule.asked}: ${r.assignmentRule.note}`);
  if (r.locks && (r.locks.retries > 0 || r.locks.serial))
    lines.push(
      `  row locks: ${plural(r.locks.retries, 'record')} sent again after UNABLE_TO_LOCK_ROW${r.locks.groupedBy ? ` (records grouped by ${r.locks.groupedBy})` : ''}${r.locks.serial ? '; --serial: one batch at a time' : r.locks.retries > 0 ? '; if many still fail, try --serial' : ''}`,
    );
  if (r.mirror) lines.push(...renderMirror(r.mirror, dryRun));
  return lines;
}
