import fs from 'node:fs';
import path from 'node:path';
import { resumeCommand, runFlags } from '../core/resume-command.js';
import type { SyncOptions } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import {
  fileIdentity,
  type FileIdentity,
  Journal,
  latestRunFor,
  mappingHash,
  readJournal,
  readJournalHeader,
  runFinished,
  unfinishedRunsFor,
} from './journal.js';
import { readPrior } from './prior-results.js';
import { ResultsLock } from './results-lock.js';
import { ensureResultsDir, resultFiles } from './results.js';

function timestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** A new run's folder under the results root, named by time, made unique by a suffix when a run has it. */
function newRunFolder(root: string, name: string): string {
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  for (let n = 1; ; n++) {
    const dir = path.join(root, n === 1 ? name : `${name}-${n}`);
    try {
      // mkdir is atomic: of two runs started in the same second, each gets a folder of its own.
      fs.mkdirSync(dir, { mode: 0o700 });
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Where runs of a file may have left their folders: ./sfsync-results, and beside the --results folder. */
export function resultsRoots(cwd: string, named: string | undefined): string[] {
  const roots = [path.join(cwd, 'sfsync-results')];
  if (named && !roots.includes(path.dirname(named))) roots.push(path.dirname(named));
  return roots;
}

async function unfinishedRuns(
  roots: string[],
  named: string | undefined,
  run: { file: string; operation: string; mapping?: string | null },
): Promise<string[]> {
  const found: string[] = [];
  // The named folder first: a run there is the one the user most likely means.
  if (named) {
    const header = await readJournalHeader(named);
    const same =
      header?.file === run.file &&
      header.operation === run.operation &&
      (run.mapping === undefined || header.mapping === run.mapping);
    if (same && !runFinished(named)) found.push(named);
  }
  for (const root of roots)
    for (const dir of await unfinishedRunsFor(root, run)) if (!found.includes(dir)) found.push(dir);
  return found;
}

function isFile(file: string): boolean {
  try {
    return fs.lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/** How an earlier run in a folder ended, from its summary.json, for a refusal to name it. */
function endedAt(dir: string): string | null {
  const file = path.join(dir, 'summary.json');
  if (!isFile(file)) return null;
  let how = '';
  try {
    const ended = (JSON.parse(fs.readFileSync(file, 'utf8')) as { ended?: unknown }).ended;
    if (typeof ended === 'string' && ended !== 'completed') how = `, ${ended}`;
  } catch {
    // A summary that does not read still says when the run ended.
  }
  return `${fs
    .statSync(file)
    .mtime.toISOString()
    .replace(/\.\d+Z$/, 'Z')}${how}`;
}

/**
 * The refusals that need no org and no pass over the input, made before either: `--resume` into a folder with no
 * run to resume, a new run while an unfinished one of the same operation, file and mapping exists (under
 * ./sfsync-results or beside the --results folder: it would send that run's records a second time), and a new
 * run into a folder that holds an earlier run's results (it would overwrite them). `--restart` allows the last two.
 */
export async function checkRunFolder(opts: SyncOptions, cwd: string, file: string): Promise<void> {
  const named = opts.results !== undefined ? path.resolve(cwd, opts.results) : undefined;
  const roots = resultsRoots(cwd, named);
  if (opts.resume) {
    if (!named) return void (await runToResume(opts, cwd, file));
    if (fs.existsSync(path.join(named, 'journal.ndjson')) || startedEmpty(named)) return;
    const runs = await unfinishedRuns(roots, undefined, { file, operation: opts.operation });
    const where = roots.map((r) => path.relative(cwd, r) || 'the current folder').join(' and ');
    throw new SfsyncError(
      'RESUME_NOT_POSSIBLE',
      `${opts.results} ${fs.existsSync(named) ? 'holds no run to resume (it has no journal.ndjson)' : 'does not exist'}: there is no ${opts.operation} of ${opts.file} there to resume, and --resume never starts one from scratch.`,
      {
        hint:
          runs.length > 0
            ? `Unfinished ${opts.operation} runs of ${opts.file} under ${where}; to continue one, run:\n${runs.map((d) => `  ${resumeCommand(opts, d, cwd)}`).join('\n')}`
            : `No unfinished ${opts.operation} of ${opts.file} was found under ${where}. Check the folder the run printed (results: ...); to start a new run, leave out --resume.`,
      },
    );
  }
  if (opts.restart) return;
  if (!opts.dryRun && file !== '-') {
    const run = { file, operation: opts.operation, mapping: mappingHash(mappingFile(opts, cwd)) };
    const [unfinished] = await unfinishedRuns(roots, named, run);
    const running = unfinished ? ResultsLock.heldBy(unfinished) : null;
    if (unfinished && running) {
      throw new SfsyncError(
        'RESULTS_LOCKED',
        `An earlier ${opts.operation} of ${opts.file} is still running (${running}), in ${unfinished}.`,
        { hint: `Wait for it to end; if it stops unfinished: ${resumeCommand(opts, unfinished, cwd)}` },
      );
    }
    if (unfinished) {
      throw new SfsyncError(
        'RUN_UNFINISHED',
        `An earlier ${opts.operation} of ${opts.file} did not finish (${unfinished}): a new run would send its records again.`,
        {
          hint: `To continue it: ${resumeCommand(opts, unfinished, cwd)}. To start over on purpose, add --restart.`,
        },
      );
    }
  }
  if (!named) return;
  const files = [resultFiles(named, false), resultFiles(named, true)].flatMap((f) => [f.success, f.failures]);
  if (![path.join(named, 'summary.json'), ...files].some(isFile)) return;
  const ended = endedAt(named);
  throw new SfsyncError(
    'RESULTS_EXIST',
    `${opts.results} holds the results of an earlier run (${ended ? `ended ${ended}` : 'it has no summary.json: it was killed'}): this run would overwrite them.`,
    {
      hint: 'Pass a new --results folder, or delete that one (or add --restart to overwrite it on purpose).',
    },
  );
}

/**
 * A named folder whose run was stopped before it sent anything: its lock is there and no journal (the journal
 * is written before the first call), so resuming it is starting it.
 */
function startedEmpty(named: string): boolean {
  return fs.existsSync(path.join(named, 'sfsync.lock')) && !fs.existsSync(path.join(named, 'journal.ndjson'));
}

function mappingFile(opts: SyncOptions, cwd: string): string | undefined {
  return opts.mapping ? path.resolve(cwd, opts.mapping) : undefined;
}

/** What differs between the interrupted run (its journal header) and this one, or null when it may resume. */
function resumeMismatch(
  header: Awaited<ReturnType<typeof readJournal>>['header'],
  opts: SyncOptions,
  input: FileIdentity,
  mapping: ReturnType<typeof mappingHash>,
): string | null {
  if (header.operation !== opts.operation) return `it was a ${header.operation}, this is a ${opts.operation}`;
  if (header.file !== input.file) return `it read ${header.file}`;
  if (header.size !== input.size || header.sha256 !== input.sha256)
    return `${opts.file} has changed since (size or content)`;
  return header.mapping !== mapping ? 'the mapping file has changed since' : null;
}

/**
 * Where a run's `--resume` without `--results` looks, as a plan's does: ./sfsync-results, and the sfsync-results
 * folder beside the input file (a run started from the file's folder keeps its results there).
 */
function resumeRoots(cwd: string, file: string): string[] {
  return [...new Set([path.join(cwd, 'sfsync-results'), path.join(path.dirname(file), 'sfsync-results')])];
}

/**
 * The newest run of this operation on this file under the resume roots, for `--resume` without `--results`;
 * refused, naming where it looked, when there is none (before any call to the org or pass over the file).
 */
async function runToResume(opts: SyncOptions, cwd: string, file: string): Promise<string> {
  const roots = resumeRoots(cwd, file);
  let newest: string | null = null;
  for (const root of roots) {
    const dir = await latestRunFor(root, file, opts.operation);
    if (dir && (newest === null || path.basename(dir) > path.basename(newest))) newest = dir;
  }
  if (newest !== null) return newest;
  throw new SfsyncError(
    'RESUME_NOT_POSSIBLE',
    `No earlier ${opts.operation} of ${opts.file} was found under ${roots.join(' or ')}: there is nothing to resume, and --resume never starts a run from scratch.`,
    {
      hint: 'Pass the results folder of the interrupted run (results: ... in its output) with --results DIR; to start a new run, leave out --resume.',
    },
  );
}

/**
 * The results folder, locked for this run: a new one with a fresh journal, or on --resume the interrupted run's,
 * checked to be the same input and mapping, with what it already did. The refusals of checkRunFolder are made
 * again here (cheap), as the folders may have changed since.
 */
export async function openRunFolder(
  opts: SyncOptions,
  cwd: string,
  file: string,
  object: string,
  now: Date,
  hold: (lock: ResultsLock) => void,
  identify: () => Promise<FileIdentity> = () => fileIdentity(file),
) {
  await checkRunFolder(opts, cwd, file);
  const root = path.join(cwd, 'sfsync-results');
  const mapping = mappingFile(opts, cwd);
  const journaled = !opts.dryRun && file !== '-';
  const named = opts.results !== undefined ? path.resolve(cwd, opts.results) : undefined;
  if (!opts.resume || (named !== undefined && startedEmpty(named))) {
    const run = { mapping: mappingHash(mapping) };
    const dir = named ?? newRunFolder(root, `${timestamp(now)}-${opts.operation}-${object}`);
    ensureResultsDir(dir);
    hold(ResultsLock.take(dir, now));
    // A summary left by an earlier run in this folder must not speak for this one.
    fs.rmSync(path.join(dir, 'summary.json'), { force: true });
    const journal = journaled
      ? new Journal(path.join(dir, 'journal.ndjson'), {
          v: 2,
          operation: opts.operation,
          object,
          ...(await identify()),
          mapping: run.mapping,
          flags: runFlags(opts),
        })
      : null;
    return { dir, journal, prior: undefined, resume: undefined, commit: () => {} };
  }
  const dir = named ?? (await runToResume(opts, cwd, file));
  ensureResultsDir(dir);
  hold(ResultsLock.take(dir, now));
  const { header, sent, jobs } = await readJournal(dir);
  const changed = resumeMismatch(header, opts, await identify(), mappingHash(mapping));
  if (changed) {
    throw new SfsyncError('RESUME_MISMATCH', `Cannot resume the run in ${dir}: ${changed}.`, {
      hint: 'Resume with the same file and mapping, or start over with --restart (without --resume).',
    });
  }
  const files = resultFiles(dir, false);
  const { prior, done, commit } = await readPrior(files.success, files.failures);
  // A create or delete that was sent but has no recorded answer cannot be checked by its key: it is uncertain.
  const uncertain = new Map<number, string | undefined>();
  // An update or upsert can be sent again safely; one sent in a Bulk job is settled from the job's results when
  // they say it was created (sent again, it would say "updated").
  const byKey = opts.operation === 'update' || opts.operation === 'upsert';
  for (const line of sent)
    if (!done.has(line) && (!byKey || jobs.has(line))) uncertain.set(line, jobs.get(line));
  return {
    dir,
    journal: new Journal(path.join(dir, 'journal.ndjson'), null),
    prior,
    resume: { done, uncertain, unanswered: [...sent].filter((line) => !done.has(line)) },
    // Once the resume has what it needs: the files lose their torn and "not sent" rows, and the old summary.
    commit: () => {
      commit();
      fs.rmSync(path.join(dir, 'summary.json'), { force: true });
    },
  };
}
