import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { shellWord } from '../core/resume-command.js';
import { SfsyncError } from '../errors.js';
import type { PlanStep } from '../mapping/plan-types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { fileIdentity, readJournalHeader } from './journal.js';
import { stepStatus } from './plan-folder.js';
import { ResultsLock } from './results-lock.js';
import { resultFiles, type Counts } from './results.js';
import { inQueries } from './soql.js';

/** An earlier (not dry) run of the same plan file, and whether it ran to the end. */
interface EarlierRun {
  dir: string;
  started: string;
  finished: boolean;
  /** Each step's results folder and how it ended, from plan-summary.json. */
  steps: Array<{ step: string; pass: string; results: string; ended: string }>;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The runs of a plan under ./sfsync-results and beside the --results folder, newest first. */
export function earlierRuns(cwd: string, planFile: string, results?: string): EarlierRun[] {
  const roots = [path.join(cwd, 'sfsync-results')];
  if (results !== undefined) roots.push(path.dirname(path.resolve(cwd, results)));
  const runs: EarlierRun[] = [];
  for (const root of new Set(roots)) {
    if (!fs.existsSync(root)) continue;
    for (const name of fs.readdirSync(root)) {
      const dir = path.join(root, name);
      const info = readJson(path.join(dir, 'plan.json'));
      if (!info || info.plan !== planFile || info.dryRun !== false) continue;
      const summary = readJson(path.join(dir, 'plan-summary.json'));
      runs.push({
        dir,
        started: String(info.started),
        finished: summary?.ended === 'completed',
        steps: Array.isArray(summary?.steps) ? (summary.steps as EarlierRun['steps']) : [],
      });
    }
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

/** A create step the plan's last finished run already ran on the same file: its folder there and its counts. */
export interface CreatedBefore {
  dir: string;
  counts: Counts;
  /** Of the records it created, those the org still has (the others were deleted since, or undone). */
  existing: number;
}

/** How many of the records a step's run created the org still has: their Ids looked up, a query per few hundred. */
async function stillThere(dir: string, object: ObjectInfo, client: SalesforceClient): Promise<number> {
  const idField = object.fields.find((f) => f.name === 'Id');
  const file = resultFiles(dir, false).success;
  if (!idField || !fs.existsSync(file)) return 0;
  let found = 0;
  let ids: string[] = [];
  const count = async (): Promise<void> => {
    for (const q of inQueries(object.name, ['Id'], idField, ids))
      for await (const _row of client.query(q)) found++;
    ids = [];
  };
  const rows = fs.createReadStream(file).pipe(parse({ relax_column_count: true, from_line: 2 }));
  for await (const cells of rows as AsyncIterable<string[]>) {
    if (cells[1] === 'created' && cells[2]) ids.push(cells[2]);
    if (ids.length >= 2000) await count();
  }
  if (ids.length > 0) await count();
  return found;
}

/**
 * The create steps of the plan's last finished run whose input has not changed since (same content): a second
 * run would create their records again, so they are not run again (their key maps are read from that run) while
 * the org still has any of them; when it has none (none was created, they were deleted, or the run was undone),
 * the step runs again.
 */
export async function createdBefore(
  steps: PlanStep[],
  runs: EarlierRun[],
  org: { client: SalesforceClient; objects: Map<string, ObjectInfo> },
): Promise<Map<string, CreatedBefore>> {
  const found = new Map<string, CreatedBefore>();
  const last = runs.find((r) => r.finished);
  if (!last) return found;
  for (const step of steps) {
    if (step.operation !== 'create') continue;
    // Its folder: that run's, or the one before it when that run found the step created before too.
    const entry = last.steps.find((s) => s.step === step.name && s.pass === 'records');
    const dir = entry?.results ?? path.join(last.dir, step.name);
    const status = stepStatus(dir);
    const header = status.state === 'done' ? await readJournalHeader(dir) : null;
    if (!header || header.file !== step.file) continue;
    const object = org.objects.get(step.name);
    if ((await fileIdentity(step.file)).sha256 !== header.sha256 || !status.counts || !object) continue;
    const existing = status.counts.created > 0 ? await stillThere(dir, object, org.client) : 0;
    if (existing > 0) found.set(step.name, { dir, counts: status.counts, existing });
  }
  return found;
}

const CREATED_FILE = path.join('plan-inputs', 'created-before.json');

/** The run's create steps taken as created before, kept in its folder for --resume. */
export function saveCreated(dir: string, created: Map<string, CreatedBefore>): void {
  fs.writeFileSync(
    path.join(dir, CREATED_FILE),
    `${JSON.stringify(Object.fromEntries(created), null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
}

export function readCreated(dir: string): Map<string, CreatedBefore> {
  const saved = readJson(path.join(dir, CREATED_FILE)) as Record<string, CreatedBefore> | null;
  return new Map(Object.entries(saved ?? {}));
}
