import path from 'node:path';
import { plural, thousands } from '../core/plural.js';
import { resumeCommand } from '../core/resume-command.js';
import type { SyncOptions } from '../core/sync-options.js';
import { continueHint, diskFullError, ExitCode, SfsyncError } from '../errors.js';
import type { EngineResult } from './engine.js';
import type { KeyCheck } from './key-check.js';
import { repeatedKeysOf } from './key-scan.js';
import { writeResultFile, type ResultSink } from './results.js';
import type { WritePlan } from './sync-plan.js';
import type { RunContext, SyncOutcome } from './sync-ports.js';
import type { SyncTarget } from './sync-prepare.js';
import type { SyncResult } from '../core/sync-types.js';
import { missingCounts, type MirrorReport } from './mirror.js';
import { adminResult, mirrorBrake } from './sync-admin.js';

/** A run that has ended, its files closed. */
export interface EndedRun {
  target: SyncTarget;
  keys: KeyCheck;
  writes: WritePlan;
  sink: ResultSink;
  dir: string;
  outcome: EngineResult;
  /** Mirror mode: what the step after the upsert found and did. */
  mirrored?: MirrorReport;
}

/**
 * The run's result, written to summary.json whatever the ending. A run that stopped throws, with its result and
 * the command that continues it; one that completed returns its exit code.
 */
export function settle(opts: SyncOptions, ctx: RunContext, run: EndedRun): SyncOutcome {
  const { sink, dir, outcome } = run;
  const fatal = outcome.fatal && (diskFullError(outcome.fatal, dir) ?? outcome.fatal);
  const result = syncResult(opts, ctx, run, fatal);
  let unwritten = '';
  try {
    writeResultFile(
      path.join(dir, 'summary.json'),
      `${JSON.stringify({ ...result, error: fatal ? { code: fatal.code, message: fatal.message } : null }, null, 2)}\n`,
    );
  } catch (err) {
    if (!fatal) throw diskFullError(err, dir) ?? err;
    unwritten = ` summary.json could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`;
  }
  if (fatal) {
    const c = sink.counts;
    const unread = sink.failureCodes.get('BULK_RESULTS_UNREAD')?.count ?? 0;
    const lost = sink.failureCodes.get('UNKNOWN_OUTCOME')?.count ?? 0;
    const resume = opts.file !== '-' && !opts.dryRun ? resumeCommand(opts, dir, ctx.cwd) : undefined;
    throw new SfsyncError(
      fatal.code,
      `${fatal.message}\nThe run stopped ${whereStopped(outcome)}: ${plural(c.created + c.updated + c.deleted, 'record')} written, ${c.unchanged ? `${thousands(c.unchanged)} unchanged (nothing to write), ` : ''}${thousands(c.failed)} failed, ${thousands(c.skipped - unread - lost)} not sent${unread > 0 ? `, ${thousands(unread)} sent in Bulk jobs whose results are not read yet` : ''}${lost > 0 ? `, ${thousands(lost)} sent without an answer (UNKNOWN_OUTCOME)` : ''}. Results: ${dir}${unwritten}`,
      {
        // A plain re-run is refused while this run is unfinished: a hint that says so points at the resume.
        hint: resume ? continueHint(fatal) : fatal.hint,
        exitCode: fatal.exitCode,
        result,
        resume,
      },
    );
  }
  const brake = mirrorBrake(run.writes.mirror, run.mirrored);
  if (brake) throw new SfsyncError(brake.code, brake.message, { hint: brake.hint, result });
  // Exit 0 only when every record was written: a record failed, or skipped without being written (one a resume
  // could not settle, a blank row), leaves the run short of what was asked. A dry run exits as the real run would:
  // its records are planned, not skipped, so what it counts as failed or skipped the real run does too.
  const short = sink.counts.failed + sink.counts.skipped + (run.mirrored?.failed ?? 0);
  return { result, exitCode: short > 0 ? ExitCode.RecordsFailed : ExitCode.Ok };
}

/**
 * Where the run stopped, by the outcomes written: records grouped by parent are written out of file order, so the
 * last line read or written does not say which lines before it have their outcome.
 */
function whereStopped({ stop, lastLine }: EngineResult): string {
  if (!stop) return lastLine > 0 ? `after input line ${lastLine}` : 'before reading any input';
  const { handledUpTo, open, highest, records } = stop;
  if (open === undefined)
    return handledUpTo > 0
      ? `after input line ${handledUpTo}${linesNotRecords(records, handledUpTo)}`
      : 'before reading any input';
  const before =
    handledUpTo > 0
      ? `after input line ${handledUpTo}${linesNotRecords(records, handledUpTo)}`
      : 'before any record had its outcome';
  if (highest < open) return `${before}; from line ${open} no record has an outcome (the resume sends them)`;
  return `${handledUpTo > 0 ? `${before}, the records up to there all handled` : before}; from line ${open} some have no outcome (the resume sends them), though lines up to ${highest} have one`;
}

/** Why fewer records than lines came before where the run stopped, when they did: the count looks short otherwise. */
function linesNotRecords(records: number, lastLine: number): string {
  return records < lastLine - 1
    ? ` (${plural(records, 'record')} up to there: the header, blank lines and line breaks inside values are no records)`
    : '';
}

function syncResult(
  opts: SyncOptions,
  ctx: RunContext,
  { target, keys, writes, sink, outcome, mirrored }: EndedRun,
  fatal: SfsyncError | null,
): SyncResult {
  const { client, matching } = target;
  const { exported } = writes;
  return {
    operation: opts.operation,
    object: target.object.name,
    objectSource: target.objectSource,
    dryRun: opts.dryRun,
    offline: target.offline,
    api: writes.bulk ? 'bulk' : 'rest',
    bulkJobs: writes.bulk?.jobs ?? [],
    matchExport: exported ? { jobId: exported.jobId, records: exported.records } : null,
    matchStrategy: matching.strategy,
    matchFields: matching.spec?.fields.map((f) => f.name) ?? [],
    matchOperator: matching.spec?.operator ?? 'OR',
    repeatedKeys: keys.repeated ?? (keys.counting ? repeatedKeysOf(keys.counting) : null),
    counts: mirrored ? { ...sink.counts, missing: missingCounts(mirrored, opts.dryRun) } : sink.counts,
    failuresByCode: [...sink.failureCodes.entries()]
      .map(([code, v]) => ({ code, ...v }))
      .sort((a, b) => b.count - a.count),
    apiCalls: client?.apiCalls() ?? 0,
    results: sink.files,
    warnings: [
      ...target.compiled.warnings.map((w) => `${w.where}: ${w.message}`),
      ...keys.warnings,
      ...(writes.changes.warning ? [writes.changes.warning] : []),
    ],
    stoppedEarly: outcome.stoppedEarly,
    ended: !fatal ? 'completed' : fatal.code === 'INTERRUPTED' ? 'interrupted' : 'fatal',
    signal: fatal?.code === 'INTERRUPTED' ? (ctx.state.signal ?? 'SIGINT') : null,
    // The line every record up to which has its outcome (the last line read is not that when grouped by parent).
    lastLine: fatal && outcome.stop ? outcome.stop.handledUpTo : outcome.lastLine,
    durationMs: ctx.now().getTime() - ctx.started,
    ...(opts.allowDuplicates ? { duplicates: { allowed: true, ...writes.retries } } : {}),
    ...(opts.hard ? { hardDelete: true } : {}),
    ...adminResult(opts, writes.assignment, writes.grouping, writes.locks.retries, mirrored),
  };
}
