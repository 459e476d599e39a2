import fs from 'node:fs';
import path from 'node:path';
import { defaultConfigDir } from '../config/config-dir.js';

/**
 * The plan runs sfsync started, by plan file (plan-runs.ndjson in the config folder, beside the stored orgs): a
 * plan's runs go under ./sfsync-results of wherever it was run, so a `--resume` from another folder would not
 * find them there. A line per run, appended (atomic for lines this short); a folder since deleted is passed over.
 */
export function planRunsIndex(env: NodeJS.ProcessEnv): string {
  return path.join(defaultConfigDir(env), 'plan-runs.ndjson');
}

/** Notes a new run of a plan. The index only helps to find runs: a folder that cannot be written is no error. */
export function notePlanRun(env: NodeJS.ProcessEnv, plan: string, dir: string): void {
  try {
    const file = planRunsIndex(env);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(file, `${JSON.stringify({ plan, dir })}\n`, { mode: 0o600 });
  } catch {
    // Read-only home, no space: the run goes on; --results DIR still finds it.
  }
}

/** The folders of the plan's runs the index names (the same file by its real path too). */
export function indexedPlanRuns(env: NodeJS.ProcessEnv, plan: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(planRunsIndex(env), 'utf8');
  } catch {
    return [];
  }
  const real = realPath(plan);
  const dirs = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as { plan?: unknown; dir?: unknown };
      if (typeof entry.dir !== 'string' || typeof entry.plan !== 'string') continue;
      if (entry.plan === plan || realPath(entry.plan) === real) dirs.add(entry.dir);
    } catch {
      // A line cut short by a crash: the others still count.
    }
  }
  return [...dirs].filter((d) => fs.existsSync(path.join(d, 'plan.json')));
}

export function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/**
 * Where a plan's runs may be, for a refusal to name: ./sfsync-results, the plan's folder's sfsync-results, beside
 * the --results folder.
 */
export function planRoots(cwd: string, planFile: string, results?: string): string[] {
  const roots = [path.join(cwd, 'sfsync-results'), path.join(path.dirname(planFile), 'sfsync-results')];
  if (results !== undefined) roots.push(path.dirname(path.resolve(cwd, results)));
  return [...new Set(roots)];
}

/**
 * Every folder holding a run of some plan under the roots, and with `indexed` those the list names (each once).
 * The list serves `--resume` only: a new run's checks (an unfinished run, rows created before) stay with the runs
 * kept where it runs, so a plan run in a scratch folder, perhaps against another org, does not speak for it.
 */
export function planRunFolders(
  env: NodeJS.ProcessEnv,
  cwd: string,
  planFile: string,
  results?: string,
  indexed = false,
): string[] {
  const dirs = new Set<string>();
  for (const root of planRoots(cwd, planFile, results)) {
    if (!fs.existsSync(root)) continue;
    for (const name of fs.readdirSync(root)) dirs.add(path.join(root, name));
  }
  if (indexed) for (const dir of indexedPlanRuns(env, planFile)) dirs.add(dir);
  return [...dirs];
}
