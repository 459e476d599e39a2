import fs from 'node:fs';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { ExitCode, SfsyncError, type StopSignal } from '../errors.js';
import { plural, thousands } from '../core/plural.js';
import type { SalesforceClient } from '../salesforce/client.js';
import { openPlanUndoFolder, type PlanUndoFolder } from '../operations/plan-undo-folder.js';
import { createdBy, KeptParents, leftIds, touchedBy } from '../operations/plan-undo-keep.js';
import { parentsWritten } from '../operations/plan-undo-rollup.js';
import {
  readPlanUndoSource,
  type PlanUndoSource,
  type PlanUndoStep,
} from '../operations/plan-undo-source.js';
import { ResultsLock } from '../operations/results-lock.js';
import { writeResultFile } from '../operations/results.js';
import { emptyUndoCounts, type UndoCounts } from '../operations/undo-results.js';
import { BeforeImagesFile } from '../operations/undo-source.js';
import { renderPlanUndo } from './undo-plan-render.js';
import { runUndo, undoResumeCommand, type UndoOptions, type UndoResult } from './undo.js';

export interface PlanUndoStepResult {
  /** The step's folder in the plan's results (and in the undo's): `accounts`, `accounts.self`. */
  step: string;
  object: string;
  /** What the step did, taken back here. */
  operation: string;
  entries: number;
  counts: UndoCounts;
  failuresByCode: UndoResult['failuresByCode'];
  unaccounted: UndoResult['unaccounted'];
  conflicts: UndoResult['conflicts'];
  apiCalls: number;
  results: string | null;
  /** `done before`: taken back by the undo this one resumes; `not run`: the undo stopped before it. */
  ended: 'completed' | 'done before' | 'interrupted' | 'fatal' | 'not run';
}

export interface PlanUndoResult {
  operation: 'undo';
  plan: true;
  /** The plan's results folder (or an undo of a plan, undone in turn), and its steps that wrote. */
  source: { dir: string; kind: 'plan' | 'plan-undo'; steps: number; entries: number };
  dryRun: boolean;
  force: boolean;
  /** The steps, in the order they are taken back: the last one run first. */
  steps: PlanUndoStepResult[];
  counts: UndoCounts;
  /** Records left as they are (conflicts, failures, kept parents, not reached), by step. */
  left: Array<{ step: string; records: number; codes: string[] }>;
  apiCalls: number;
  results: { dir: string; summary: string } | null;
  ended: 'completed' | 'interrupted' | 'fatal';
  signal: StopSignal | null;
  durationMs: number;
}

type UndoDeps = Pick<Deps, 'connect' | 'now' | 'cwd' | 'io' | 'onInterrupt'> & Partial<Pick<Deps, 'env'>>;

interface PlanUndo {
  opts: UndoOptions;
  deps: UndoDeps;
  source: PlanUndoSource;
  folder: PlanUndoFolder | null;
  client: () => Promise<SalesforceClient>;
  touched: Set<string>;
  kept: KeptParents;
  steps: PlanUndoStepResult[];
  signal: StopSignal | null;
  started: number;
}

function readSummary(dir: string): (UndoResult & { ended?: string }) | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as UndoResult;
  } catch {
    return null;
  }
}

function stepResult(step: PlanUndoStep, r: UndoResult, apiCalls: number, ended: PlanUndoStepResult['ended']) {
  return {
    step: step.name,
    object: r.source.object,
    operation: r.source.operation,
    entries: r.source.entries,
    counts: r.counts,
    failuresByCode: r.failuresByCode,
    unaccounted: r.unaccounted ?? null,
    conflicts: r.conflicts,
    apiCalls,
    results: r.results?.dir ?? null,
    ended,
  };
}

/** One step taken back (or found taken back by the undo this one resumes); the records it left kept as parents. */
async function undoStep(run: PlanUndo, step: PlanUndoStep, onBatch?: OnBatch): Promise<void> {
  const dir = run.folder ? path.join(run.folder.dir, step.name) : null;
  const prior = dir ? readSummary(dir) : null;
  await parentsWritten(await run.client(), step.dir, run.touched);
  if (dir && prior?.ended === 'completed') {
    touchedBy(step.dir, run.touched);
    run.steps.push(stepResult(step, prior, 0, 'done before'));
  } else {
    const resume = dir !== null && fs.existsSync(path.join(dir, 'undo-journal.ndjson'));
    run.folder?.journal.started(step.name, resume);
    const left: string[] = [];
    const client = await run.client();
    const calls = client.apiCalls();
    const opts: UndoOptions = { ...run.opts, dir: step.dir, results: dir ?? undefined, resume };
    try {
      const { result } = await runUndo(
        opts,
        { ...run.deps, connect: run.client },
        (c, n) => onBatch?.(step.name, c, n),
        {
          touched: run.touched,
          keep: (id) => run.kept.keep(id),
          left: (id) => left.push(id),
          deletedNext: deletedNext(run, step),
        },
      );
      run.steps.push(stepResult(step, result, result.apiCalls - calls, 'completed'));
      run.folder?.journal.ended(step.name, 'completed', result.counts);
      if (!dir) await run.kept.add(client, result.source.object, step.name, left);
    } catch (err) {
      const r = err instanceof SfsyncError ? (err.result as UndoResult | undefined) : undefined;
      if (r) {
        run.steps.push(
          stepResult(step, r, r.apiCalls - calls, r.ended === 'interrupted' ? 'interrupted' : 'fatal'),
        );
        run.folder?.journal.ended(step.name, r.ended, r.counts);
      }
      throw err;
    }
  }
  const object = run.steps[run.steps.length - 1]?.object ?? '';
  if (dir) await run.kept.add(await run.client(), object, step.name, await leftIds(dir));
}

/** The folder to undo as a plan's (a plan's results, or an undo of a plan), or null for a single run's. */
export function planSourceOf(opts: UndoOptions, cwd: string): PlanUndoSource | null {
  const dir = path.resolve(cwd, opts.dir);
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? readPlanUndoSource(dir) : null;
}

export { renderPlanUndo };

/**
 * A plan's second pass (`accounts.self`) is taken back just before its step (`accounts`), which deletes the records
 * the step created: the second pass's updates of those need no setting back (one call per 200 records saved).
 */
function deletedNext(run: PlanUndo, step: PlanUndoStep): Set<string> | undefined {
  if (run.source.kind !== 'plan' || !step.name.endsWith('.self')) return undefined;
  const first = run.source.steps.find((s) => `${s.name}.self` === step.name);
  return first ? createdBy(first.dir) : undefined;
}

type OnBatch = (step: string, counts: UndoCounts, apiCalls: number) => void;

/**
 * `sfsync undo PLAN_RESULTS`: a plan taken back step by step, the last step run first (children before parents,
 * second passes before their steps), each as an undo of its own in a subfolder of the undo's folder. A record
 * left as it is keeps the records it refers to (see KeptParents). A step that stops stops the undo, with the
 * command that continues it.
 */
export async function runPlanUndo(
  opts: UndoOptions,
  deps: UndoDeps,
  source: PlanUndoSource,
  onBatch?: OnBatch,
): Promise<{ result: PlanUndoResult; exitCode: ExitCode }> {
  for (const step of source.steps) {
    const running = ResultsLock.heldBy(step.dir);
    if (running)
      throw new SfsyncError('RESULTS_LOCKED', `The plan in ${opts.dir} is still running (${running}).`, {
        hint: 'Wait for it to end (or stop it), then undo it.',
      });
  }
  if (source.steps.length === 0)
    throw new SfsyncError(
      'UNDO_NOT_POSSIBLE',
      `No step of the plan in ${opts.dir} wrote records: there is nothing to undo.`,
      {
        hint: 'Pass the results folder of a plan run that wrote (sfsync run PLAN printed it).',
      },
    );
  let client: Promise<SalesforceClient> | undefined;
  const connect = () =>
    (client ??= deps.connect({
      org: opts.org,
      apiVersion: opts.apiVersion,
      trace: opts.verbose ? (line) => deps.io.err(line) : undefined,
    }));
  await connect();
  const folder = opts.dryRun ? null : openPlanUndoFolder(opts, deps.cwd, source, deps.now());
  const run: PlanUndo = {
    opts,
    deps,
    source,
    folder,
    client: connect,
    touched: new Set(),
    kept: new KeptParents(),
    steps: [],
    signal: null,
    started: deps.now().getTime(),
  };
  const stopListening = deps.onInterrupt({
    stop: (s) => (run.signal = s),
    quit: (s) => {
      folder?.lock.release();
      return new SfsyncError('INTERRUPTED', `Quit at once by a second ${s}.`, {
        exitCode: s === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted,
        resume: folder ? undoResumeCommand(opts, folder.dir, deps.cwd) : undefined,
      });
    },
  });
  try {
    const order = [...source.steps].reverse();
    for (const step of order) {
      if (run.signal) break;
      await undoStep(run, step, onBatch);
    }
    if (run.signal) throw stoppedBetween(run.signal);
    return { result: await conclude(run, 'completed'), exitCode: exitCodeOf(run) };
  } catch (err) {
    throw await stopped(run, err);
  } finally {
    stopListening();
    folder?.journal.close();
    folder?.lock.release();
  }
}

function stoppedBetween(signal: StopSignal): SfsyncError {
  return new SfsyncError('INTERRUPTED', `Interrupted by ${signal}.`, {
    exitCode: signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted,
  });
}

function exitCodeOf(run: PlanUndo): ExitCode {
  const c = total(run.steps);
  const left =
    c.failed + c.conflict + c.skipped > 0 ||
    run.steps.some((s) => s.unaccounted && (s.unaccounted.count > 0 || s.unaccounted.killed));
  return left ? ExitCode.RecordsFailed : ExitCode.Ok;
}

function total(steps: PlanUndoStepResult[]): UndoCounts {
  const counts = emptyUndoCounts();
  for (const s of steps)
    for (const k of Object.keys(counts) as Array<keyof UndoCounts>) counts[k] += s.counts[k] ?? 0;
  return counts;
}

/** The plan's result: every step (those not reached too), what is left, and the plan-level summary.json. */
async function conclude(run: PlanUndo, ended: PlanUndoResult['ended']): Promise<PlanUndoResult> {
  const reached = new Set(run.steps.map((s) => s.step));
  const notRun: PlanUndoStepResult[] = [...run.source.steps]
    .reverse()
    .filter((s) => !reached.has(s.name))
    .map((s) => {
      const entries = stepEntries(s.dir);
      return {
        step: s.name,
        object: entries.object,
        operation: entries.operation,
        entries: entries.count,
        counts: emptyUndoCounts(),
        failuresByCode: [],
        unaccounted: null,
        conflicts: [],
        apiCalls: 0,
        results: null,
        ended: 'not run',
      };
    });
  const steps = [...run.steps, ...notRun];
  const client = await run.client();
  const result: PlanUndoResult = {
    operation: 'undo',
    plan: true,
    source: {
      dir: run.source.dir,
      kind: run.source.kind,
      steps: run.source.steps.length,
      entries: steps.reduce((n, s) => n + s.entries, 0),
    },
    dryRun: run.opts.dryRun,
    force: run.opts.force,
    steps,
    counts: total(steps),
    left: steps
      .map((s) => ({
        step: s.step,
        records: s.entries - s.counts.total + s.counts.failed + s.counts.conflict + s.counts.skipped,
        codes: s.failuresByCode.map((g) => g.code),
      }))
      .filter((l) => l.records > 0),
    apiCalls: client.apiCalls(),
    results: run.folder ? { dir: run.folder.dir, summary: path.join(run.folder.dir, 'summary.json') } : null,
    ended,
    signal: ended === 'interrupted' ? (run.signal ?? 'SIGINT') : null,
    durationMs: run.deps.now().getTime() - run.started,
  };
  if (run.folder) writeResultFile(result.results?.summary ?? '', `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function stepEntries(dir: string): { object: string; operation: string; count: number } {
  try {
    const file = new BeforeImagesFile(dir);
    return { object: file.header.object, operation: file.header.operation, count: file.entries };
  } catch {
    return { object: '', operation: '', count: 0 };
  }
}

/** A step that stopped stops the plan's undo: its summary so far, what is left, and the command that continues. */
async function stopped(run: PlanUndo, err: unknown): Promise<unknown> {
  if (!(err instanceof SfsyncError)) return err;
  // The step's own handler may have been the one told (a single listener), so its result names the signal.
  run.signal ??= (err.result as Partial<UndoResult> | undefined)?.signal ?? null;
  const result = await conclude(run, err.code === 'INTERRUPTED' ? 'interrupted' : 'fatal');
  const left = result.steps
    .filter((s) => s.ended !== 'completed' && s.ended !== 'done before')
    .map((s) =>
      s.ended === 'not run'
        ? s.step
        : `${s.step} (${thousands(s.entries - s.counts.total)} of ${plural(s.entries, 'write')})`,
    );
  const first = err.message.split('\n')[0] ?? err.message;
  return new SfsyncError(
    err.code,
    `${first}\nThe undo of the plan stopped${left.length > 0 ? `; left to take back: ${left.join(', ')}` : ''}.${result.results ? ` Results: ${result.results.dir}` : ''}`,
    {
      hint: err.hint,
      exitCode: err.exitCode,
      result,
      summary: renderPlanUndo(result),
      resume: run.folder ? undoResumeCommand(run.opts, run.folder.dir, run.deps.cwd) : undefined,
    },
  );
}
