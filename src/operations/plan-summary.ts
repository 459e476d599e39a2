import fs from 'node:fs';
import path from 'node:path';
import { SfsyncError } from '../errors.js';
import type { PlanResult, PlanRun } from './plan-run.js';
import { planResume } from './plan-stop.js';
import { planStopMessage } from './plan-stop-lines.js';
import { emptyCounts, type Counts } from './results.js';

/** The plan's summary (plan-summary.json): every step's counts, their totals, how the plan ended. */
export function summary(run: PlanRun, ended: PlanResult['ended']): PlanResult {
  const counts = emptyCounts();
  for (const s of run.steps)
    for (const k of Object.keys(counts) as Array<Exclude<keyof Counts, 'missing'>>)
      counts[k] += s.counts[k] ?? 0;
  const result: PlanResult = {
    plan: run.checked.plan.file,
    dryRun: run.opts.dryRun,
    results: run.dir,
    order: run.checked.order.map((s) => s.name),
    steps: run.steps,
    counts,
    ended,
    keysInMemory: run.memory.size,
  };
  fs.writeFileSync(path.join(run.dir, 'plan-summary.json'), `${JSON.stringify(result, null, 2)}\n`, {
    mode: 0o600,
  });
  return result;
}

/**
 * The step's stop, as the plan's: its summary so far, where it stopped in the step's file, and the command that
 * continues the whole plan.
 */
export async function stopped(run: PlanRun, err: unknown): Promise<unknown> {
  if (!(err instanceof SfsyncError)) return err;
  const result = summary(run, 'stopped');
  const resume = run.opts.dryRun ? undefined : planResume(run.opts, run.ports.cwd, run.dir);
  const message = await planStopMessage(run, err.message).catch(() => err.message);
  return new SfsyncError(err.code, message, {
    hint: err.hint,
    exitCode: err.exitCode,
    result,
    resume: err.resume ? resume : undefined,
  });
}
