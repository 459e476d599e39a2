import fs from 'node:fs';
import path from 'node:path';
import { resumeCommand } from '../core/resume-command.js';
import type { SyncOptions } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import {
  fileIdentity,
  Journal,
  latestRunFor,
  mappingHash,
  readJournal,
  readJournalHeader,
  runFinished,
  unfinishedRunFor,
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

/**
 * An unfinished run of the same operation, file and mapping: in the named folder, or anywhere under the results
 * root when the new run would get a folder of its own.
 */
async function unfinishedRun(
  root: string,
  named: string | undefined,
  run: { file: string; operation: string; mapping: string | null },
): Promise<string | null> {
  if (!named) return unfinishedRunFor(root, run);
  const header = await readJournalHeader(named);
  const same =
    header?.file === run.file && header.operation === run.operation && header.mapping === run.mapping;
  return same && !runFinished(named) ? named : null;
}

/**
 * The results folder, locked for this run: a new one with a fresh journal, or on --resume the interrupted run's,
 * checked to be the same input and mapping, with what it already did. A new run is refused while an unfinished
 * run of the same operation, file and mapping exists (it would send that run's records a second time).
 */
export async function openRunFolder(
  opts: SyncOptions,
  cwd: string,
  file: string,
  object: string,
  now: Date,
  hold: (lock: ResultsLock) => void,
) {
  const root = path.join(cwd, 'sfsync-results');
  const mapping = opts.mapping ? path.resolve(cwd, opts.mapping) : undefined;
  const journaled = !opts.dryRun && file !== '-';
  const named = opts.results !== undefined ? path.resolve(cwd, opts.results) : undefined;
  // The journal is written before the first call is sent: a named results folder without one holds a run that
  // was stopped before it sent anything, so resuming it is starting it.
  const nothingSent =
    opts.resume && named !== undefined && !fs.existsSync(path.join(named, 'journal.ndjson'));
  if (!opts.resume || nothingSent) {
    const run = { file, operation: opts.operation, mapping: mappingHash(mapping) };
    const unfinished =
      journaled && !opts.restart && !nothingSent ? await unfinishedRun(root, named, run) : null;
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
          ...(await fileIdentity(file)),
          mapping: run.mapping,
        })
      : null;
    return { dir, journal, prior: undefined, resume: undefined, commit: () => {} };
  }
  const dir = named ?? (await latestRunFor(root, file, opts.operation));
  if (!dir) {
    throw new SfsyncError(
      'RESUME_NOT_POSSIBLE',
      `No earlier ${opts.operation} of ${opts.file} was found under ${root}.`,
      {
        hint: 'Pass the results folder of the interrupted run with --results DIR.',
      },
    );
  }
  ensureResultsDir(dir);
  hold(ResultsLock.take(dir, now));
  const { header, sent, jobs } = await readJournal(dir);
  const now_ = await fileIdentity(file);
  const changed =
    header.operation !== opts.operation
      ? `it was a ${header.operation}, this is a ${opts.operation}`
      : header.file !== now_.file
        ? `it read ${header.file}`
        : header.size !== now_.size || header.sha256 !== now_.sha256
          ? `${opts.file} has changed since (size or content)`
          : header.mapping !== mappingHash(mapping)
            ? 'the mapping file has changed since'
            : null;
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
    resume: { done, uncertain },
    // Once the resume has what it needs: the files lose their torn and "not sent" rows, and the old summary.
    commit: () => {
      commit();
      fs.rmSync(path.join(dir, 'summary.json'), { force: true });
    },
  };
}
