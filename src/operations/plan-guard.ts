import fs from 'node:fs';
import path from 'node:path';
import { shellWord } from '../core/resume-command.js';
import { SfsyncError } from '../errors.js';
import type { EarlierRun } from './plan-created.js';
import { samePlan } from './plan-folder.js';
import { planRunFolders } from './plan-runs-index.js';
import { ResultsLock } from './results-lock.js';

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The runs of a plan under ./sfsync-results, the plan's folder's sfsync-results and beside --results, newest first. */
export function earlierRuns(
  cwd: string,
  planFile: string,
  results?: string,
  env: NodeJS.ProcessEnv = {},
): EarlierRun[] {
  const runs: EarlierRun[] = [];
  for (const dir of planRunFolders(env, cwd, planFile, results)) {
    const info = readJson(path.join(dir, 'plan.json'));
    if (!info || !samePlan(info.plan, planFile) || info.dryRun !== false) continue;
    const summary = readJson(path.join(dir, 'plan-summary.json'));
    runs.push({
      dir,
      started: String(info.started),
      finished: summary?.ended === 'completed',
      steps: Array.isArray(summary?.steps) ? (summary.steps as EarlierRun['steps']) : [],
    });
  }
  return runs.sort((a, b) => b.started.localeCompare(a.started));
}

/**
 * A new run of a plan while its last run is unfinished is refused, as a single run's is: its create steps would
 * send their records a second time. `--restart` starts over on purpose (the unfinished run is then left behind).
 */
export function refuseUnfinished(
  runs: EarlierRun[],
  opts: { plan: string; org?: string; restart?: boolean },
  cwd: string,
): void {
  const unfinished = runs[0];
  if (!unfinished || unfinished.finished || opts.restart) return;
  const rel = path.relative(cwd, unfinished.dir);
  const resume = [
    'sfsync',
    'run',
    opts.plan,
    ...(opts.org ? ['--org', opts.org] : []),
    '--resume',
    '--results',
    rel && !rel.startsWith('..') ? rel : unfinished.dir,
  ]
    .map(shellWord)
    .join(' ');
  const running = runningStep(unfinished.dir);
  if (running)
    throw new SfsyncError(
      'RESULTS_LOCKED',
      `An earlier run of ${opts.plan} is still running (${running}), in ${unfinished.dir}.`,
      { hint: `Wait for it to end; if it stops unfinished: ${resume}` },
    );
  throw new SfsyncError(
    'RUN_UNFINISHED',
    `An earlier run of ${opts.plan} did not finish (${unfinished.dir}): a new run would send its records again.`,
    { hint: `To continue it: ${resume}. To start over on purpose, add --restart.` },
  );
}

/** Who holds the lock of a step folder of a plan run, when one is running. */
function runningStep(dir: string): string | null {
  for (const name of fs.readdirSync(dir)) {
    const held = ResultsLock.heldBy(path.join(dir, name));
    if (held) return held;
  }
  return null;
}
