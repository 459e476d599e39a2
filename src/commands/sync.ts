import { renderAdmin } from '../operations/sync-admin.js';
import path from 'node:path';
import { plural, thousands } from '../core/plural.js';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { estimateRecords } from '../operations/api-choice.js';
import type { MissingCounts, SyncResult } from '../core/sync-types.js';
import { runSync, type SyncEvent, type SyncOutcome } from '../operations/run-sync.js';
import { FAILURE_HINTS } from '../ui/failure-hints.js';
import type { IO } from '../ui/io.js';
import { createProgress, type Progress } from '../ui/progress.js';
import type { SyncOptions } from './options.js';

export type { SyncOptions, SyncResult };

type SyncDeps = Pick<Deps, 'connect' | 'now' | 'cwd' | 'io' | 'env' | 'onInterrupt'> &
  Partial<Pick<Deps, 'prompt'>>;

/**
 * create, update, upsert and delete: the sync use case (src/operations/run-sync.ts) with this process's streams,
 * its events drawn as progress and notices on stderr (none under --json but the --verbose trace). A run that
 * stopped part way shows its summary before the error.
 */
export async function runSyncCommand(opts: SyncOptions, deps: SyncDeps): Promise<SyncOutcome> {
  const progress = createProgress(deps.io, {
    json: opts.json,
    expected: estimateRecords(opts.file === '-' ? '-' : path.resolve(deps.cwd, opts.file)) || null,
  });
  const prompt = deps.prompt;
  try {
    return await runSync(
      opts,
      {
        connect: deps.connect,
        now: deps.now,
        cwd: deps.cwd,
        env: deps.env,
        stdin: deps.io.stdin,
        confirm:
          deps.io.canPrompt && prompt
            ? (question) => prompt.confirm(question, { default: false })
            : undefined,
        onInterrupt: deps.onInterrupt,
      },
      (event) => showEvent(event, opts, deps.io, progress),
    );
  } catch (err) {
    if (err instanceof SfsyncError && err.result !== undefined)
      throw withSummary(err, err.result as SyncResult);
    throw err;
  } finally {
    progress.done();
  }
}

function withSummary(err: SfsyncError, result: SyncResult): SfsyncError {
  return new SfsyncError(err.code, err.message, {
    hint: err.hint,
    exitCode: err.exitCode,
    result,
    summary: renderSync(result),
    resume: err.resume,
  });
}

function showEvent(event: SyncEvent, opts: SyncOptions, io: IO, progress: Progress): void {
  if (event.type === 'progress') return progress.update(event.counts, event.apiCalls, event.phase);
  if (event.type === 'trace') return io.err(event.line);
  if (!opts.json) io.err(renderSyncEvent(event));
}

/** A line on stderr for each notice of a running sync. */
export function renderSyncEvent(event: Exclude<SyncEvent, { type: 'progress' | 'trace' }>): string {
  switch (event.type) {
    case 'warning':
      return `Warning: ${event.message}`;
    case 'match-export-started':
      return `Matching on ${event.field}: exporting the existing ${event.object} records (Bulk query job ${event.jobId})`;
    case 'match-export-done':
      return `Matching on ${event.field}: ${plural(event.records, 'existing record')} exported`;
    case 'match-export-failed':
      return `Matching on ${event.field}: ${event.message}; matching with batched queries instead`;
    case 'bulk-job-opened':
      return `Bulk job ${event.job.id}: ${event.job.operation} ${event.job.object}, ${plural(event.job.records, 'record')}`;
    case 'resumed-bulk-jobs':
      return `Resuming: read the results of ${plural(event.jobs, 'Bulk job')} the interrupted run had opened`;
    case 'stopping':
      // A second signal of either kind quits at once; a job that sent SIGTERM has no Ctrl-C to press.
      return event.signal === 'SIGINT'
        ? 'Interrupted: finishing the calls in flight and writing the results (Ctrl-C again to quit at once).'
        : 'Terminated (SIGTERM): finishing the calls in flight and writing the results (a second SIGTERM or Ctrl-C quits at once).';
  }
}

/** Mirror mode's records, beside the file's: `3 deleted (missing from the file)`. */
function missingText(m: MissingCounts, would: string): string {
  const [verb, done] = Object.entries(m).find(([k]) => k !== 'failed') ?? ['deleted', 0];
  return `${thousands(done)} ${would}${verb}${m.failed ? `, ${thousands(m.failed)} failed` : ''} (missing from the file)`;
}

export function renderSync(r: SyncResult): string[] {
  // Summaries written before `ended` existed were of runs that completed or stopped with an error.
  const verb =
    r.ended === 'interrupted'
      ? `Stopped by ${r.signal ?? 'SIGINT'}`
      : r.ended === 'fatal'
        ? 'Stopped'
        : r.dryRun
          ? 'Dry run'
          : 'Done';
  const c = r.counts;
  const n = thousands;
  const would = r.dryRun ? 'would be ' : '';
  const lines = [
    `${verb}: ${r.operation} ${r.object} (object from ${r.objectSource}${r.matchFields.length ? `; matched on ${r.matchFields.join(', ')}${r.matchFields.length > 1 ? ` (${r.matchOperator})` : ''}` : ''})`,
    `  ${plural(c.total, 'record')}: ${n(c.created)} ${would}created, ${n(c.updated)} ${would}updated, ${c.unchanged || r.operation === 'update' || r.operation === 'upsert' ? `${n(c.unchanged ?? 0)} unchanged, ` : ''}${n(c.deleted)} ${would}deleted, ${n(c.failed)} ${r.dryRun ? 'rejected' : 'failed'}, ${n(c.skipped)} skipped${c.missing ? `; ${missingText(c.missing, would)}` : ''}`,
    `  ${plural(r.apiCalls, 'API call')}${r.offline ? ' (offline)' : ''}`,
  ];
  if (r.failuresByCode.length > 0) lines.push(`  ${r.dryRun ? 'Rejected' : 'Failed or skipped'}, by cause:`);
  for (const f of r.failuresByCode) {
    const fields = f.fields && f.fields.length > 0 ? ` [${f.fields.join(', ')}]` : '';
    lines.push(
      `    ${f.code}${fields}: ${plural(f.count, 'record')} (line${f.lines.length === 1 ? '' : 's'} ${f.lines.join(', ')}${f.count > f.lines.length ? ', …' : ''}${f.originalLines?.length ? `; original_line ${f.originalLines.join(', ')}` : ''})`,
    );
    lines.push(`      ${f.message}`);
    if (f.matchedIds && f.matchedIds.length > 0)
      lines.push(
        `      collided with: ${f.matchedIds.join(', ')}${f.matchedIds.length >= 10 ? ', …' : ''} (matched_ids in failures.csv)`,
      );
    const hint = Object.hasOwn(FAILURE_HINTS, f.code) ? FAILURE_HINTS[f.code] : undefined;
    if (hint) lines.push(`      fix: ${hint}`);
  }
  const repeated = r.repeatedKeys;
  if (repeated && repeated.keys > 0)
    lines.push(
      `  repeated keys: ${plural(repeated.keys, 'key')} carried by ${plural(repeated.records, 'record')} (${repeated.groups.map((g) => `${g.key} on lines ${g.lines.join(', ')}${g.count > g.lines.length ? ', …' : ''}`).join('; ')}${repeated.keys > repeated.groups.length ? '; …' : ''}): the first of each ${r.dryRun ? 'would create or update the record, the later ones would update it' : 'created or updated the record, the later ones updated it'}`,
    );
  const d = r.duplicates;
  if (d?.allowed)
    lines.push(
      `  --allow-duplicates: duplicate rule alerts acknowledged (Sforce-Duplicate-Rule-Header: allowSave=true)${d.retried > 0 ? `; ${plural(d.retried, 'record')} refused by a duplicate rule in a Bulk job went again through REST with the header, ${n(d.saved)} saved` : ''}`,
    );
  if (r.hardDelete) lines.push('  --hard: deleted with Bulk API hardDelete; nothing went to the Recycle Bin');
  lines.push(...renderAdmin(r, r.dryRun));
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  lines.push(`  results: ${r.results.dir}`);
  return lines;
}
