import fs from 'node:fs';
import path from 'node:path';
import { SfsyncError } from '../errors.js';
import { PlanUndoJournal, readPlanUndoHeader, type PlanUndoHeader } from './plan-undo-journal.js';
import type { PlanUndoSource } from './plan-undo-source.js';
import { ResultsLock } from './results-lock.js';
import { ensureResultsDir } from './results.js';

function timestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** An undo of a plan that has not ended (it stopped, or was killed): no summary.json saying it completed. */
function finished(dir: string): boolean {
  try {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { ended?: string };
    return summary.ended === 'completed';
  } catch {
    return false;
  }
}

/** The unfinished undos of the plan, newest first: under ./sfsync-results, and beside the plan's own folder. */
function unfinishedUndos(root: string, source: string): string[] {
  const found: string[] = [];
  for (const parent of [root, path.dirname(source)]) {
    if (!fs.existsSync(parent)) continue;
    for (const name of fs.readdirSync(parent).sort().reverse()) {
      const dir = path.join(parent, name);
      if (found.includes(dir) || dir === source) continue;
      if (readPlanUndoHeader(dir)?.source === source && !finished(dir)) found.push(dir);
    }
  }
  return found;
}

export interface PlanUndoFolder {
  dir: string;
  lock: ResultsLock;
  journal: PlanUndoJournal;
  header: PlanUndoHeader;
  resumed: boolean;
}

function shown(cwd: string, dir: string): string {
  const rel = path.relative(cwd, dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}

/** The folder of an interrupted undo of the plan, to continue: --results DIR, else the newest unfinished one. */
function resumeFolder(named: string | undefined, root: string, source: PlanUndoSource, shownDir: string) {
  const dir = named ?? unfinishedUndos(root, source.dir)[0];
  const header = dir ? readPlanUndoHeader(dir) : null;
  if (!dir || !header || header.source !== source.dir)
    throw new SfsyncError(
      'RESUME_NOT_POSSIBLE',
      dir
        ? `${dir} holds no undo of the plan in ${shownDir}: there is nothing to resume.`
        : `No unfinished undo of the plan in ${shownDir} was found under ${root} or beside it: there is nothing to resume.`,
      { hint: `To start the undo, run: sfsync undo ${shownDir}` },
    );
  return { dir, header };
}

/** A new folder for the undo: --results DIR (empty of results), else ./sfsync-results/<time>-undo-plan. */
function newFolder(named: string | undefined, root: string, now: Date): string {
  if (named) {
    if (['summary.json', 'undo-plan.ndjson'].some((f) => fs.existsSync(path.join(named, f))))
      throw new SfsyncError('RESULTS_EXIST', `${named} holds the results of an earlier run.`, {
        hint: 'Pass a new --results folder, or leave --results out.',
      });
    return named;
  }
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const base = path.join(root, `${timestamp(now)}-undo-plan`);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    try {
      // Atomic: two undos started in one second get a folder each.
      fs.mkdirSync(candidate, { mode: 0o700 });
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * The undo's own results folder, locked, with its journal: a new one, or on --resume the interrupted undo's. A step
 * folder of the undo is a single undo's results folder (and so can be resumed, and undone, alone).
 */
export function openPlanUndoFolder(
  opts: { results?: string; resume: boolean; dir: string },
  cwd: string,
  source: PlanUndoSource,
  now: Date,
): PlanUndoFolder {
  const root = path.join(cwd, 'sfsync-results');
  const named = opts.results !== undefined ? path.resolve(cwd, opts.results) : undefined;
  if (named === source.dir)
    throw new SfsyncError('USAGE', `--results ${opts.results} is the folder of the plan being undone.`, {
      hint: 'Leave --results out (the undo gets a folder of its own), or pass a new folder.',
    });
  if (opts.resume) {
    const { dir, header } = resumeFolder(named, root, source, opts.dir);
    const lock = ResultsLock.take(dir, now);
    fs.rmSync(path.join(dir, 'summary.json'), { force: true });
    return { dir, lock, header, journal: new PlanUndoJournal(dir, null), resumed: true };
  }
  const [unfinished] = unfinishedUndos(root, source.dir);
  if (unfinished && unfinished !== named)
    throw new SfsyncError(
      'RUN_UNFINISHED',
      `An earlier undo of the plan in ${opts.dir} did not finish (${unfinished}).`,
      { hint: `To continue it: sfsync undo ${opts.dir} --resume --results ${shown(cwd, unfinished)}` },
    );
  const dir = newFolder(named, root, now);
  ensureResultsDir(dir);
  const lock = ResultsLock.take(dir, now);
  const header: PlanUndoHeader = {
    v: 1,
    kind: 'sfsync-plan-undo',
    source: source.dir,
    steps: source.steps.map((s) => s.name).reverse(),
  };
  return { dir, lock, header, journal: new PlanUndoJournal(dir, header), resumed: false };
}
