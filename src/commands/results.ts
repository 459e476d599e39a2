import fs from 'node:fs';
import path from 'node:path';
import { resumeCommand, resumeCommandOf } from '../core/resume-command.js';
import type { SyncOperation, SyncOptions } from '../core/sync-options.js';
import type { Deps } from '../deps.js';
import { ExitCode, SfsyncError } from '../errors.js';
import { readJournalHeader, type JournalHeader } from '../operations/journal.js';
import type { CommonOptions } from './options.js';
import type { SyncResult } from '../core/sync-types.js';
import type { PlanResult } from '../operations/plan-run.js';
import { plural, thousands } from '../core/plural.js';
import { planNow } from '../operations/plan-now.js';
import { readPrior } from '../operations/prior-results.js';
import { resultFiles } from '../operations/results.js';
import { planResume } from '../operations/plan-stop.js';
import { renderPlan } from './plan-render.js';
import { renderSync } from './sync.js';
import { renderUndo, type UndoResult } from './undo.js';

export interface ResultsOptions extends CommonOptions {
  dir: string;
}

export type ResultsSummary = SyncResult & {
  error: { code: string; message: string } | null;
  /** For a run that did not finish: the command that continues it (null when it cannot be resumed). */
  resume?: string | null;
  /** What the resume command could not say (the mapping file, which the journal names only by its hash). */
  resumeNote?: string | null;
};

/** Whether a summary is of a run that completed (summaries written before `ended` existed: no error). */
function completed(r: ResultsSummary): boolean {
  return r.ended ? r.ended === 'completed' : r.error === null;
}

/** A step's folder of a plan run: the plan is resumed, not the step (its mapping and references are the plan's). */
function planStepResume(dir: string, cwd: string): { resume: string; resumeNote: string } | null {
  const parent = path.dirname(dir);
  let info: { plan?: string; dryRun?: boolean };
  try {
    info = JSON.parse(fs.readFileSync(path.join(parent, 'plan.json'), 'utf8')) as typeof info;
  } catch {
    return null;
  }
  if (info.dryRun || !info.plan) return null;
  const rel = path.relative(cwd, info.plan);
  const resume = planResume({ plan: rel && !rel.startsWith('..') ? rel : info.plan }, cwd, parent);
  return { resume, resumeNote: `This is the step ${path.basename(dir)} of a plan run: resume the plan.` };
}

const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** The resume command, as far as the journal and the summary tell the flags that decide what is sent. */
function resumeOf(
  dir: string,
  cwd: string,
  header: JournalHeader,
  r?: Partial<ResultsSummary>,
): { resume: string; resumeNote: string | null } {
  const step = planStepResume(dir, cwd);
  if (step) return step;
  const relative = path.relative(cwd, header.file);
  const file = relative.startsWith('..') || path.isAbsolute(relative) ? header.file : relative;
  const recorded = Array.isArray(header.flags) && header.flags.every((f) => typeof f === 'string');
  if (recorded)
    return {
      resume: resumeCommandOf(header.operation, file, header.flags as string[], dir, cwd),
      resumeNote: null,
    };
  const match = header.mapping === null && r?.matchFields?.length ? r.matchFields : undefined;
  const opts: SyncOptions = {
    operation: header.operation as SyncOperation,
    file,
    object: r?.object ?? header.object,
    match,
    matchOperator: match && match.length > 1 && r?.matchOperator === 'AND' ? 'AND' : undefined,
    api: r?.api === 'bulk' ? 'bulk' : undefined,
    json: false,
    verbose: false,
    dryRun: false,
    offline: false,
    resume: true,
    failFast: false,
  };
  return {
    resume: resumeCommand(opts, dir, cwd),
    resumeNote:
      header.mapping === null
        ? null
        : 'The run used a mapping file: add --mapping with that file (the journal keeps only its hash).',
  };
}

/**
 * A plan run's summary, with the command that continues it when it stopped; `note` when plan-summary.json no
 * longer tells the truth (a resume killed or running since it was written), and the counts are read from the steps.
 */
export type PlanResultsSummary = PlanResult & { resume?: string | null; note?: string };

function isPlan(r: ResultsSummary | PlanResultsSummary): r is PlanResultsSummary {
  return 'order' in r && Array.isArray(r.order);
}

/** A plan's results folder (plan.json): its plan-summary.json, a row per step; null for any other folder. */
async function planResults(dir: string, cwd: string, shown: string): Promise<PlanResultsSummary | null> {
  let info: { plan?: string; dryRun?: boolean };
  try {
    info = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) as typeof info;
  } catch {
    return null;
  }
  const rel = path.relative(cwd, info.plan ?? '');
  const plan = { plan: rel && !rel.startsWith('..') ? rel : (info.plan ?? '') };
  const resume = info.dryRun ? null : planResume(plan, cwd, dir);
  let stale: PlanResult | null = null;
  try {
    stale = JSON.parse(fs.readFileSync(path.join(dir, 'plan-summary.json'), 'utf8')) as PlanResult;
  } catch {
    // Killed before it wrote one (or still running): the step folders say how far it got.
  }
  if (stale?.ended === 'completed') return stale;
  const now = await planNow(dir, stale, info.plan);
  if (stale && !now) return { ...stale, resume };
  if (!now)
    throw new SfsyncError(
      'RUN_UNFINISHED',
      `${shown} holds a run of the plan ${plan.plan} that did not finish: it stopped without writing plan-summary.json (killed, or still running).`,
      { resume: resume ?? undefined },
    );
  const why = now.running
    ? `it is running now (${now.running})`
    : `its last run${stale ? ' (a --resume)' : ''} was killed before it could write plan-summary.json`;
  const note = `This plan did not finish: ${why}. The counts are read from the steps' result files as they are now.`;
  return { ...now.result, resume, note };
}

/** What a run without a summary has done, by its result files (the rows left for its resume not counted). */
async function soFar(dir: string): Promise<string> {
  try {
    const files = resultFiles(dir, false);
    const c = (await readPrior(files.success, files.failures)).prior.counts;
    return ` Its result files hold ${plural(c.total, 'record')} with an outcome so far: ${thousands(c.created)} created, ${thousands(c.updated)} updated, ${thousands(c.unchanged)} unchanged, ${thousands(c.deleted)} deleted, ${thousands(c.failed)} failed, ${thousands(c.skipped)} skipped.`;
  } catch {
    return '';
  }
}

/** The summary of an earlier run, from the summary.json it left in its results folder (a plan's: its steps'). */
export async function runResults(
  opts: ResultsOptions,
  deps: Pick<Deps, 'cwd'>,
): Promise<ResultsSummary | PlanResultsSummary> {
  const dir = path.resolve(deps.cwd, opts.dir);
  const plan = await planResults(dir, deps.cwd, opts.dir);
  if (plan) return plan;
  let summary: ResultsSummary;
  try {
    summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as ResultsSummary;
  } catch {
    const header = await readJournalHeader(dir);
    if (header) {
      const { resume, resumeNote } = resumeOf(dir, deps.cwd, header);
      throw new SfsyncError(
        'RUN_UNFINISHED',
        `${opts.dir} holds ${article(header.operation)} ${header.operation} of ${header.file} that did not finish: it stopped without writing summary.json (killed, or still running).${await soFar(dir)}`,
        { hint: resumeNote ?? undefined, resume },
      );
    }
    throw new SfsyncError(
      'RESULTS_NOT_FOUND',
      `${opts.dir} has no summary.json: it is not an sfsync results folder.`,
      {
        hint: 'Pass the folder a run printed (results: ...), by default under ./sfsync-results/.',
      },
    );
  }
  if (completed(summary)) return summary;
  const header = await readJournalHeader(dir);
  // Without a journal (standard input, a dry run) there is nothing to resume.
  const resume = header ? resumeOf(dir, deps.cwd, header, summary) : { resume: null, resumeNote: null };
  return { ...summary, ...resume };
}

/** Exit 1 for a run that did not complete, as the run itself did. */
export function resultsExitCode(r: ResultsSummary | PlanResultsSummary): ExitCode | undefined {
  if (isPlan(r)) return r.ended === 'completed' ? undefined : ExitCode.Fatal;
  return completed(r) ? undefined : ExitCode.Fatal;
}

export function renderResults(r: ResultsSummary | PlanResultsSummary): string[] {
  if (isPlan(r)) {
    const lines = renderPlan(r);
    if (r.note) lines.push(r.note);
    if (r.resume) lines.push('This plan did not finish. To continue it, run:', `  ${r.resume}`);
    return lines;
  }
  // An undo's folder: its summary is an undo's (see commands/undo.ts).
  if ((r.operation as string) === 'undo') {
    const undo = r as unknown as UndoResult;
    const lines = renderUndo(undo);
    if (undo.ended !== 'completed')
      lines.push(
        'This undo did not finish. To continue it, run:',
        `  sfsync undo ${undo.source.dir} --resume --results ${undo.results?.dir ?? '...'}`,
      );
    return lines;
  }
  const lines = renderSync(r);
  if (r.error)
    lines.splice(
      1,
      0,
      `  stopped after input line ${r.lastLine}: ${r.error.code} ${r.error.message.split('\n')[0]}`,
    );
  if (!completed(r)) {
    if (r.resume) lines.push('This run did not finish. To continue it, run:', `  ${r.resume}`);
    else
      lines.push('This run did not finish; it cannot be resumed (it read standard input, or was a dry run).');
    if (r.resumeNote) lines.push(r.resumeNote);
  }
  return lines;
}
