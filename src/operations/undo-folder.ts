import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { SfsyncError } from '../errors.js';
import { runFinished } from './journal.js';
import { ResultsLock } from './results-lock.js';
import { ensureResultsDir } from './results.js';
import { readUndoJournal } from './undo-journal.js';
import { readPriorUndo, type PriorUndo } from './undo-results.js';

function timestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The unfinished undos of a run, newest first: under ./sfsync-results, and beside the run's own folder (where an
 * undo given --results next to it is).
 */
async function unfinishedUndos(root: string, source: string): Promise<string[]> {
  const found: string[] = [];
  for (const parent of [root, path.dirname(source)]) {
    if (!fs.existsSync(parent)) continue;
    for (const name of fs.readdirSync(parent).sort().reverse()) {
      const dir = path.join(parent, name);
      if (found.includes(dir) || dir === source) continue;
      const journal = await readUndoJournal(dir);
      if (journal?.header.source === source && !runFinished(dir)) found.push(dir);
    }
  }
  return found;
}

/**
 * The lines of the run's updates an earlier undo of the same folder took back (set back, or found as they were):
 * from the success.csv of every undo folder under ./sfsync-results and beside the run's (a plan's undo keeps a step's
 * in a subfolder named as the step). A record deleted since then needs nothing more: that update is done.
 */
export async function earlierUndone(cwd: string, source: string, own?: string): Promise<Set<number>> {
  const lines = new Set<number>();
  const step = path.basename(source);
  for (const parent of new Set([path.join(cwd, 'sfsync-results'), path.dirname(source)])) {
    if (!fs.existsSync(parent)) continue;
    for (const name of fs.readdirSync(parent)) {
      for (const dir of [path.join(parent, name), path.join(parent, name, step)]) {
        if (dir === source || dir === own) continue;
        const file = path.join(dir, 'success.csv');
        if (!fs.existsSync(file) || (await readUndoJournal(dir))?.header.source !== source) continue;
        const rows = parse<Record<string, string>>(fs.readFileSync(file, 'utf8'), {
          columns: true,
          relax_column_count: true,
        });
        for (const row of rows) if (row.undid === 'update') lines.add(Number(row.line));
      }
    }
  }
  return lines;
}

export interface UndoFolder {
  dir: string;
  lock: ResultsLock;
  /** Resuming: what the interrupted undo already settled, and the recreates it sent without an answer. */
  prior?: PriorUndo;
  uncertain?: Set<number>;
}

/**
 * The undo's own results folder, locked: a new one (--results DIR, else ./sfsync-results/<time>-undo-<Object>), or
 * on --resume the interrupted undo's (--results DIR, else the newest unfinished undo of the same run).
 */
export async function openUndoFolder(
  opts: { results?: string; resume: boolean; dir: string },
  cwd: string,
  source: string,
  object: string,
  now: Date,
): Promise<UndoFolder> {
  const root = path.join(cwd, 'sfsync-results');
  const named = opts.results !== undefined ? path.resolve(cwd, opts.results) : undefined;
  if (named === source)
    throw new SfsyncError('USAGE', `--results ${opts.results} is the folder of the run being undone.`, {
      hint: 'Leave --results out (the undo gets a folder of its own), or pass a new folder.',
    });
  if (opts.resume) {
    const dir = named ?? (await unfinishedUndos(root, source))[0];
    const journal = dir ? await readUndoJournal(dir) : null;
    if (!dir || !journal || journal.header.source !== source)
      throw new SfsyncError(
        'RESUME_NOT_POSSIBLE',
        `${dir ? `${opts.results ?? dir} holds no undo of ${opts.dir}` : `No unfinished undo of ${opts.dir} was found under ${root} or beside ${opts.dir}`}: there is nothing to resume.`,
        { hint: `To start the undo, run: sfsync undo ${opts.dir}` },
      );
    ensureResultsDir(dir);
    const lock = ResultsLock.take(dir, now);
    fs.rmSync(path.join(dir, 'summary.json'), { force: true });
    return { dir, lock, prior: readPriorUndo(dir), uncertain: journal.created };
  }
  const [unfinished] = await unfinishedUndos(root, source);
  if (unfinished && unfinished !== named)
    throw new SfsyncError(
      'RUN_UNFINISHED',
      `An earlier undo of ${opts.dir} did not finish (${unfinished}).`,
      {
        hint: `To continue it: sfsync undo ${opts.dir} --resume --results ${path.relative(cwd, unfinished) || unfinished}`,
      },
    );
  let dir = named;
  if (dir) {
    if (
      ['summary.json', 'success.csv', 'before.ndjson'].some((f) => fs.existsSync(path.join(dir as string, f)))
    )
      throw new SfsyncError('RESULTS_EXIST', `${opts.results} holds the results of an earlier run.`, {
        hint: 'Pass a new --results folder, or leave --results out.',
      });
  } else {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const base = path.join(root, `${timestamp(now)}-undo-${object}`);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      try {
        // Atomic: two undos started in one second get a folder each.
        fs.mkdirSync(candidate, { mode: 0o700 });
        dir = candidate;
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
  ensureResultsDir(dir);
  return { dir, lock: ResultsLock.take(dir, now) };
}
