import path from 'node:path';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { loadPlan } from '../mapping/plan-load.js';
import { polySteps } from '../mapping/plan-poly.js';
import { compositeSteps } from '../mapping/plan-composite.js';
import { checkPlan } from '../operations/plan-check.js';
import { runPlan, type PlanEvent, type PlanResult, type PlanRunOptions } from '../operations/plan-run.js';
import type { ExitCode } from '../errors.js';
import type { IO } from '../ui/io.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { renderPlan } from './plan-render.js';
import { renderSyncEvent } from './sync.js';

export type { PlanRunOptions, PlanResult };
export { renderPlan };

export interface PlanCheckOptions {
  plan: string;
  json: boolean;
  verbose: boolean;
  org?: string;
}

export interface PlanCheckResult {
  plan: string;
  order: string[];
  steps: Array<{ step: string; object: string; operation: string; file: string; refersTo: string[] }>;
}

type PlanDeps = Pick<Deps, 'connect' | 'now' | 'cwd' | 'io' | 'env' | 'onInterrupt'>;

/** `sfsync plan check PLAN`: the plan's structure, files, objects, fields and references, and its order. */
export async function runPlanCheck(
  opts: PlanCheckOptions,
  deps: Pick<Deps, 'connect' | 'cwd'>,
): Promise<PlanCheckResult> {
  const plan = loadPlan(path.resolve(deps.cwd, opts.plan));
  const client = await deps.connect({ org: opts.org });
  const checked = await checkPlan(plan, client);
  return {
    plan: opts.plan,
    order: checked.order.map((s) => s.name),
    steps: checked.order.map((s) => ({
      step: s.name,
      object: s.object,
      operation: s.operation,
      file: s.fileAsWritten,
      refersTo: [
        ...new Set([
          ...s.references.map((r) => r.step),
          ...s.polymorphic.flatMap(polySteps),
          ...(s.composites ?? []).flatMap(compositeSteps),
        ]),
      ],
    })),
  };
}

export function renderPlanCheck(r: PlanCheckResult): string[] {
  return [
    `${r.plan} is valid: ${r.steps.length} steps, in this order:`,
    ...r.steps.map(
      (s, i) =>
        `  ${i + 1}. ${s.step}: ${s.operation} ${s.object} from ${s.file}${s.refersTo.length ? ` (refers to ${s.refersTo.join(', ')})` : ''}`,
    ),
  ];
}

/** `sfsync run PLAN`: the plan's steps, each step's notices and progress on stderr, and the plan's table. */
export async function runPlanCommand(
  opts: PlanRunOptions,
  deps: PlanDeps,
): Promise<{ result: PlanResult; exitCode: ExitCode }> {
  let progress: Progress | undefined;
  try {
    return await runPlan(
      opts,
      {
        connect: deps.connect,
        now: deps.now,
        cwd: deps.cwd,
        env: deps.env,
        stdin: deps.io.stdin,
        onInterrupt: deps.onInterrupt,
      },
      (event) => (progress = showEvent(event, opts, deps.io, progress)),
    );
  } catch (err) {
    if (err instanceof SfsyncError && err.result !== undefined)
      throw new SfsyncError(err.code, err.message, {
        hint: err.hint,
        exitCode: err.exitCode,
        result: err.result,
        summary: renderPlan(err.result as PlanResult),
        resume: err.resume,
      });
    throw err;
  } finally {
    progress?.done();
  }
}

function showEvent(
  event: PlanEvent,
  opts: PlanRunOptions,
  io: IO,
  progress: Progress | undefined,
): Progress | undefined {
  if (event.type === 'notice') {
    if (!opts.json) io.err(`  ${event.step}: ${event.message}`);
    return progress;
  }
  if (event.type === 'stopping') {
    // A step in flight says so itself (its sync's own notice): this is the plan's, between steps.
    if (!opts.json && !event.stepRunning)
      io.err(
        `${event.signal === 'SIGINT' ? 'Interrupted' : 'Terminated (SIGTERM)'}: stopping before the next step.`,
      );
    return progress;
  }
  if (event.type === 'step-started') {
    progress?.done();
    if (!opts.json)
      io.err(
        `Step ${event.step}${event.pass === 'self-references' ? ' (self-references)' : ''}${event.resumed ? ': resuming' : ''}`,
      );
    return createProgress(io, { json: opts.json, expected: null });
  }
  const e = event.event;
  if (e.type === 'progress') progress?.update(e.counts, e.apiCalls, e.phase);
  else if (e.type === 'trace') io.err(e.line);
  else if (!opts.json) io.err(`  ${event.step}: ${renderSyncEvent(e)}`);
  return progress;
}
