import fs from 'node:fs';
import path from 'node:path';
import { loadPlan } from '../mapping/plan-load.js';
import { planOrder } from '../mapping/plan-order.js';
import type { SyncOperation } from '../core/sync-options.js';
import { readJournalHeader } from './journal.js';
import type { PlanResult, PlanStepResult } from './plan-run.js';
import { readPrior } from './prior-results.js';
import { ResultsLock } from './results-lock.js';
import { emptyCounts, resultFiles, type Counts } from './results.js';

/** A step folder as it is now, for `sfsync results` of a plan whose last run did not write its summary. */
interface StepNow {
  counts: Counts;
  ended: PlanStepResult['ended'];
  running: string | null;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/**
 * A step folder's state: its summary when it has one (a resume removes the one of the stop it continues, so a
 * summary there is current), else what its result files hold (killed, or running: the rows on disk, those left
 * for a resume not counted).
 */
async function stepNow(dir: string): Promise<StepNow | null> {
  const running = ResultsLock.heldBy(dir);
  const summary = readJson<{ ended?: string; counts?: Counts }>(path.join(dir, 'summary.json'));
  if (summary?.counts)
    return {
      counts: summary.counts,
      ended: summary.ended === 'completed' ? 'completed' : 'stopped',
      running,
    };
  if (!fs.existsSync(path.join(dir, 'journal.ndjson'))) return null;
  const files = resultFiles(dir, false);
  try {
    const { prior } = await readPrior(files.success, files.failures);
    return { counts: prior.counts, ended: running ? 'running' : 'killed', running };
  } catch {
    return { counts: emptyCounts(), ended: running ? 'running' : 'killed', running };
  }
}

/** Records of a create step's file an earlier run of the plan created (not sent, counted unchanged). */
function notSent(planDir: string, step: string): number {
  try {
    const text = fs.readFileSync(path.join(planDir, 'plan-inputs', `${step}.before.csv`), 'latin1');
    let rows = -1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) rows++;
    return Math.max(0, rows);
  } catch {
    return 0;
  }
}

/** The plan's step order, from its summary or, without one, from the plan file itself (local, no org). */
function orderOf(stale: PlanResult | null, planFile: string | undefined): string[] {
  if (stale) return stale.order;
  try {
    return planFile ? planOrder(loadPlan(planFile)).map((s) => s.name) : [];
  } catch {
    return [];
  }
}

async function entryOf(planDir: string, dir: string, now: StepNow): Promise<PlanStepResult | null> {
  const name = path.basename(dir);
  const self = name.endsWith('.self');
  const header = await readJournalHeader(dir).catch(() => null);
  const summary = readJson<{ operation?: string; object?: string }>(path.join(dir, 'summary.json'));
  const operation = (header?.operation ?? summary?.operation) as SyncOperation | undefined;
  const object = header?.object ?? summary?.object;
  if (!operation || !object) return null;
  const step = self ? name.slice(0, -'.self'.length) : name;
  return withSeed(planDir, {
    step,
    pass: self ? 'self-references' : 'records',
    object,
    operation,
    results: dir,
    ...now,
  });
}

/** A records pass counts the rows an earlier run created and this one did not send, as the plan run did. */
function withSeed(planDir: string, s: PlanStepResult & { running?: string | null }): PlanStepResult {
  const { running: _running, ...entry } = s;
  const seed = s.pass === 'records' ? notSent(planDir, s.step) : 0;
  if (seed === 0) return entry;
  const c = entry.counts;
  return { ...entry, counts: { ...c, total: c.total + seed, unchanged: c.unchanged + seed } };
}

/**
 * A stopped plan as its folders show it now. plan-summary.json is written when the plan ends or stops; a
 * `--resume` that was killed (SIGKILL, a crash) or is still running leaves the one of the stop before, so its
 * counts are stale: each step that had not finished then is read again from its own folder, and the steps begun
 * since are added. Null when nothing differs from the summary.
 */
export async function planNow(
  planDir: string,
  stale: PlanResult | null,
  planFile?: string,
): Promise<{ result: PlanResult; running: string | null } | null> {
  const order = orderOf(stale, planFile);
  const steps: PlanStepResult[] = [];
  const listed = new Set<string>();
  let changed = stale === null;
  let running: string | null = null;
  for (const s of stale?.steps ?? []) {
    listed.add(path.resolve(planDir, s.results));
    const now = s.ended === 'stopped' ? await stepNow(path.resolve(planDir, s.results)) : null;
    if (!now) {
      steps.push(s);
      continue;
    }
    running ??= now.running;
    const fresh = withSeed(planDir, { ...s, ...now });
    if (JSON.stringify(fresh) !== JSON.stringify(s)) changed = true;
    steps.push(fresh);
  }
  const rank = (s: PlanStepResult): number =>
    (order.indexOf(s.step) + 1 || order.length + 1) * 2 + (s.pass === 'self-references' ? 1 : 0);
  const added: PlanStepResult[] = [];
  for (const name of fs.existsSync(planDir) ? fs.readdirSync(planDir) : []) {
    const dir = path.join(planDir, name);
    if (name === 'plan-inputs' || listed.has(dir) || !fs.statSync(dir).isDirectory()) continue;
    const now = await stepNow(dir);
    const entry = now ? await entryOf(planDir, dir, now) : null;
    if (!now || !entry) continue;
    running ??= now.running;
    added.push(entry);
  }
  if (!changed && added.length === 0) return null;
  steps.push(...added.sort((a, b) => rank(a) - rank(b)));
  const counts = emptyCounts();
  for (const s of steps)
    for (const k of Object.keys(counts) as Array<Exclude<keyof Counts, 'missing'>>)
      counts[k] += s.counts[k] ?? 0;
  const base = stale ?? { plan: planFile ?? '', dryRun: false, results: planDir, keysInMemory: 0 };
  return { result: { ...base, order, steps, counts, ended: 'stopped' }, running };
}
