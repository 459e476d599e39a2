import fs from 'node:fs';
import path from 'node:path';
import { SfsyncError } from '../errors.js';
import { notePlanRun, planRoots, planRunFolders, planRunsIndex, realPath } from './plan-runs-index.js';
import type { Counts } from './results.js';

/** What a plan's results folder says about the plan that writes it (plan.json), for --resume to check. */
interface PlanFolderInfo {
  plan: string;
  dryRun: boolean;
  started: string;
}

/** As a single run's folder is named (20261203T161500Z-create-Contact): 20261203T161500Z-plan-NAME. */
function stamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The plan's results folder: --results, or a new one under ./sfsync-results; on --resume, the one named or the
 * latest of the same plan there. A folder holding another run is refused, as a single run's is.
 */
export function planFolder(
  opts: { results?: string; resume: boolean; dryRun: boolean },
  cwd: string,
  planFile: string,
  now: Date,
  env: NodeJS.ProcessEnv = {},
): string {
  const base = path.basename(planFile).replace(/\.(ya?ml|json)$/i, '');
  const root = path.join(cwd, 'sfsync-results');
  const named = opts.results === undefined ? undefined : path.resolve(cwd, opts.results);
  if (opts.resume) {
    const dir = named ?? latest(env, cwd, planFile);
    const info = dir ? readInfo(dir) : null;
    if (!dir || !info)
      throw new SfsyncError(
        'RESUME_NOT_POSSIBLE',
        named
          ? `${opts.results} holds no plan run to resume (it has no plan.json).`
          : `No run of ${path.basename(planFile)} (${planFile}) to resume was found: looked under ${planRoots(cwd, planFile).join(' and ')}, and in the list of plan runs ${planRunsIndex(env)}.`,
        {
          hint: 'Pass the results folder the plan printed (results: ...) with --results DIR, or leave out --resume.',
        },
      );
    if (!samePlan(info.plan, planFile) || info.dryRun)
      throw new SfsyncError(
        'RESUME_MISMATCH',
        `Cannot resume the plan run in ${dir}: it ran ${info.dryRun ? 'a dry run of ' : ''}${info.plan}.`,
        { hint: `Resume with the same plan file, or start a new run without --resume.` },
      );
    return dir;
  }
  const dir = named ?? unique(path.join(root, `${stamp(now)}-plan-${base}`));
  if (fs.existsSync(path.join(dir, 'plan.json')))
    throw new SfsyncError(
      'RESULTS_EXIST',
      `${opts.results ?? dir} holds the results of an earlier plan run.`,
      {
        hint: 'Pass a new --results folder, or continue that run with --resume.',
      },
    );
  fs.mkdirSync(path.join(dir, 'plan-inputs'), { recursive: true, mode: 0o700 });
  const info: PlanFolderInfo = { plan: planFile, dryRun: opts.dryRun, started: now.toISOString() };
  fs.writeFileSync(path.join(dir, 'plan.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  if (!opts.dryRun) notePlanRun(env, planFile, dir);
  return dir;
}

/** The same plan file, named by another path (a symbolic link, another working folder) or moved back. */
export function samePlan(a: unknown, b: string): boolean {
  return typeof a === 'string' && (a === b || realPath(a) === realPath(b));
}

function unique(dir: string): string {
  let candidate = dir;
  for (let i = 2; fs.existsSync(candidate); i++) candidate = `${dir}-${i}`;
  return candidate;
}

function readInfo(dir: string): PlanFolderInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) as PlanFolderInfo;
  } catch {
    return null;
  }
}

/** The plan's latest run (not a dry run): under ./sfsync-results, the plan's own folder's, or in the list. */
function latest(env: NodeJS.ProcessEnv, cwd: string, planFile: string): string | undefined {
  let best: { dir: string; started: string } | undefined;
  for (const dir of planRunFolders(env, cwd, planFile, undefined, true)) {
    const info = readInfo(dir);
    if (!info || info.dryRun || !samePlan(info.plan, planFile)) continue;
    if (!best || info.started > best.started) best = { dir, started: info.started };
  }
  return best?.dir;
}

/** A step's folder: finished (its summary says it completed), started (to resume), or not yet run. */
export function stepStatus(dir: string): { state: 'done' | 'started' | 'new'; counts?: Counts } {
  if (!fs.existsSync(dir)) return { state: 'new' };
  try {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as {
      ended?: string;
      counts?: Counts;
    };
    if (summary.ended === 'completed') return { state: 'done', counts: summary.counts };
  } catch {
    // No summary (killed), or a stopped run's: it continues.
  }
  return { state: 'started' };
}
