import path from 'node:path';
import { syncTuning } from '../config/settings.js';
import type { Deps } from '../deps.js';
import { ExitCode, SfsyncError, signalExitCode, toSfsyncError, type StopSignal } from '../errors.js';
import { plural, thousands } from '../core/plural.js';
import { shellWord } from '../core/resume-command.js';
import { BEFORE_FILE, openBeforeImages } from '../operations/before-images.js';
import { HeapGovernor } from '../operations/heap.js';
import { ResultsLock } from '../operations/results-lock.js';
import { closeAll, writeResultFile } from '../operations/results.js';
import { Undoer, type UndoerOptions } from '../operations/undo.js';
import { earlierUndone, openUndoFolder, type UndoFolder } from '../operations/undo-folder.js';
import { UndoJournal } from '../operations/undo-journal.js';
import { laterUndoWrites, laterWriters } from '../operations/undo-later.js';
import { chooseUndoApi, undoWriting } from '../operations/undo-writer.js';
import { UndoSink, undoFiles, type UndoCounts, type UndoProblem } from '../operations/undo-results.js';
import { BeforeImagesFile } from '../operations/undo-source.js';
import { readUnaccounted, unaccountedLines, type Unaccounted } from '../operations/undo-unaccounted.js';
import { findUncertainCreates, recordFound } from '../operations/undo-uncertain-find.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import type { CommonOptions } from './options.js';

export interface UndoOptions extends CommonOptions {
  /** The results folder of the run to take back. */
  dir: string;
  dryRun: boolean;
  force: boolean;
  resume: boolean;
  results?: string;
  batchSize?: number;
  /** REST, Bulk API 2.0 for the deletes and updates, or auto by the number of writes (default). */
  api?: 'auto' | 'rest' | 'bulk';
  org?: string;
  apiVersion?: string;
}

export interface UndoResult {
  operation: 'undo';
  /** The run taken back: its results folder, operation and object. */
  source: { dir: string; operation: string; object: string; entries: number };
  dryRun: boolean;
  force: boolean;
  counts: UndoCounts;
  /** The first conflicts (records changed since the run), with what the run wrote and what they hold now. */
  conflicts: Array<{ line: number; id: string } & UndoProblem>;
  failuresByCode: Array<{ code: string; count: number; lines: number[]; message: string }>;
  /** Records the run sent without an answer (UNCERTAIN in its failures.csv): what it created of them is left. */
  unaccounted: Unaccounted | null;
  apiCalls: number;
  /** How the deletes, updates and creates were sent (undeletes are SOAP calls either way), and the Bulk jobs. */
  api: 'rest' | 'bulk';
  bulkJobs: number;
  /** The undo's own results (null for a dry run): its before.ndjson makes it undoable in turn. */
  results: { dir: string; success: string; failures: string; before: string } | null;
  ended: 'completed' | 'interrupted' | 'fatal';
  signal: StopSignal | null;
  durationMs: number;
}

type UndoDeps = Pick<Deps, 'connect' | 'now' | 'cwd' | 'io' | 'onInterrupt'> & Partial<Pick<Deps, 'env'>>;

export function undoResumeCommand(opts: UndoOptions, dir: string, cwd: string): string {
  const rel = path.relative(cwd, dir);
  const shown = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
  const flags: Array<[string, string | number | boolean | undefined]> = [
    ['--force', opts.force],
    ['--batch-size', opts.batchSize],
    ['--api', opts.api],
    ['--org', opts.org],
    ['--api-version', opts.apiVersion],
  ];
  const words = ['sfsync', 'undo', opts.dir];
  for (const [flag, value] of flags)
    if (value === true) words.push(flag);
    else if (value !== undefined && value !== false) words.push(flag, String(value));
  words.push('--resume', '--results', shown);
  return words.map(shellWord).join(' ');
}

/** The run to take back: its before-images, checked to be readable and not being written by a run still going. */
function openSource(opts: UndoOptions, cwd: string): { dir: string; file: BeforeImagesFile } {
  const dir = path.resolve(cwd, opts.dir);
  const file = new BeforeImagesFile(dir);
  const running = ResultsLock.heldBy(dir);
  if (running)
    throw new SfsyncError('RESULTS_LOCKED', `The run in ${opts.dir} is still going (${running}).`, {
      hint: 'Wait for it to end (or stop it), then undo it.',
    });
  return { dir, file };
}

/**
 * The run's object, and its creates sent without an answer found by their key: the run's own, their Ids added to
 * its before-images (reads only, and a fact learned: nothing is taken back yet), so they are taken back with the rest.
 */
async function settleUncertain(
  opts: UndoOptions,
  source: { dir: string; file: BeforeImagesFile },
  client: SalesforceClient,
) {
  const object = await client.describe(source.file.header.object);
  const settled = await findUncertainCreates(source.dir, object, client);
  if (!opts.dryRun && settled.found.length > 0) {
    recordFound(source.dir, settled.found);
    source.file = new BeforeImagesFile(source.dir);
  }
  return { object, settled };
}

/** The undo's files: outcomes, journal and before-images (none for a dry run). */
function openFiles(folder: UndoFolder | null, source: string, client: SalesforceClient, object: ObjectInfo) {
  const dir = folder?.dir ?? null;
  const sink = new UndoSink(dir, folder?.prior);
  const header = { v: 1, kind: 'sfsync-undo', source, object: object.name } as const;
  const journal = dir ? new UndoJournal(dir, folder?.prior ? null : header) : null;
  const images = dir ? openBeforeImages(dir, { operation: 'undo' }, client, object, folder?.prior) : null;
  return {
    dir,
    sink,
    journal,
    images,
    close: () => closeAll([() => sink.close(), () => journal?.close(), () => images?.close()]),
  };
}

interface UndoState {
  signal: StopSignal | null;
  undoer?: Undoer;
  folder?: UndoFolder | null;
}

/** What a plan's undo shares between the undos of its steps (see src/commands/undo-plan.ts). */
export type UndoStepHooks = Pick<UndoerOptions, 'touched' | 'keep' | 'left' | 'deletedNext'>;

/**
 * `sfsync undo RESULTS_DIR`: takes a run back from its before-images, as a run of its own. It owns SIGINT and
 * SIGTERM from its start, as a sync does: a signal while it connects stops it before anything is written (said so,
 * exit 130/143); once its folder is open the batch in flight ends, and it prints what it did and how to continue.
 */
export async function runUndo(
  opts: UndoOptions,
  deps: UndoDeps,
  onBatch?: (counts: UndoCounts, apiCalls: number) => void,
  hooks?: UndoStepHooks,
): Promise<{ result: UndoResult; exitCode: ExitCode }> {
  const state: UndoState = { signal: null };
  const stopListening = deps.onInterrupt({
    stop: (s) => {
      state.signal = s;
      if (!opts.json)
        deps.io.err(
          `${s === 'SIGINT' ? 'Interrupted' : 'Terminated (SIGTERM)'}: ${state.undoer ? 'finishing the batch in flight' : 'stopping before anything is written'}.`,
        );
      state.undoer?.interrupt(s);
    },
    quit: (s) => {
      state.folder?.lock.release();
      return new SfsyncError('INTERRUPTED', `Quit at once by a second ${s}.`, {
        exitCode: signalExitCode(s),
        resume: state.folder ? undoResumeCommand(opts, state.folder.dir, deps.cwd) : undefined,
      });
    },
  });
  try {
    return await undo(opts, deps, state, onBatch, hooks);
  } finally {
    stopListening();
    state.folder?.lock.release();
  }
}

/** A signal that came before the undo opened its folder: nothing was written, and it starts anew. */
function stoppedBeforeStart(opts: UndoOptions, signal: StopSignal): SfsyncError {
  return new SfsyncError(
    'INTERRUPTED',
    `Interrupted by ${signal} before the undo started: nothing was taken back, and no results folder was made.`,
    {
      exitCode: signalExitCode(signal),
      hint: `To undo the run, start again: sfsync undo ${shellWord(opts.dir)}${opts.resume ? ' --resume' : ''}`,
    },
  );
}

async function undo(
  opts: UndoOptions,
  deps: UndoDeps,
  state: UndoState,
  onBatch?: (counts: UndoCounts, apiCalls: number) => void,
  hooks?: UndoStepHooks,
): Promise<{ result: UndoResult; exitCode: ExitCode }> {
  const started = deps.now().getTime();
  const source = openSource(opts, deps.cwd);
  const client = await deps.connect({
    org: opts.org,
    apiVersion: opts.apiVersion,
    trace: opts.verbose ? (line) => deps.io.err(line) : undefined,
  });
  const { object, settled } = await settleUncertain(opts, source, client);
  if (state.signal) throw stoppedBeforeStart(opts, state.signal);
  const folder = opts.dryRun
    ? null
    : await openUndoFolder(opts, deps.cwd, source.dir, object.name, deps.now());
  state.folder = folder;
  const files = openFiles(folder, source.dir, client, object);
  const batchSize = opts.batchSize ?? 200;
  const writing = undoWriting(client, chooseUndoApi(opts.api, source.file.entries, opts.dryRun), batchSize);
  // The heap is kept near the undo's live data between batches, as a sync's is (see HeapGovernor).
  const heap = new HeapGovernor(syncTuning(deps.env ?? {}).heapLimitBytes);
  const undoer = new Undoer(client, object, source.file, files.sink, files.images, files.journal, {
    force: opts.force,
    dryRun: opts.dryRun,
    batchSize,
    concurrency: writing.concurrency,
    writer: writing.writer,
    done: folder?.prior?.done,
    uncertain: folder?.uncertain,
    undone: await earlierUndone(deps.cwd, source.dir, folder?.dir),
    laterUndone: await laterUndoWrites(deps.cwd, source.dir, folder?.dir),
    onBatch: () => {
      heap.check();
      onBatch?.(files.sink.counts, client.apiCalls());
    },
    ...hooks,
  });
  state.undoer = undoer;
  if (state.signal) undoer.interrupt(state.signal);
  let stop = await undoer.run();
  try {
    files.close();
  } catch (err) {
    stop ??= toSfsyncError(err);
  }
  nameLaterWriters(deps.cwd, source.dir, folder?.dir, files.sink.conflicts);
  const result: UndoResult = {
    operation: 'undo',
    source: {
      dir: source.dir,
      operation: source.file.header.operation,
      object: object.name,
      entries: source.file.entries,
    },
    dryRun: opts.dryRun,
    force: opts.force,
    counts: files.sink.counts,
    conflicts: files.sink.conflicts,
    failuresByCode: files.sink.failureGroups(),
    unaccounted: await readUnaccounted(source.dir, settled),
    apiCalls: client.apiCalls(),
    api: writing.api,
    bulkJobs: writing.jobs.length,
    results: files.dir
      ? { dir: files.dir, ...undoFiles(files.dir), before: path.join(files.dir, BEFORE_FILE) }
      : null,
    ended: !stop ? 'completed' : stop.code === 'INTERRUPTED' ? 'interrupted' : 'fatal',
    signal: stop?.code === 'INTERRUPTED' ? (state.signal ?? 'SIGINT') : null,
    durationMs: deps.now().getTime() - started,
  };
  return conclude(opts, deps.cwd, result, stop);
}

/** Each conflict shown names the later sfsync runs and undos that wrote its record, if any. */
function nameLaterWriters(
  cwd: string,
  source: string,
  own: string | undefined,
  conflicts: UndoSink['conflicts'],
): void {
  const writers = laterWriters(
    cwd,
    source,
    own,
    conflicts.map((k) => k.id),
  );
  for (const k of conflicts) {
    const by = writers.get(k.id.slice(0, 15));
    if (by) k.writtenBy = by;
  }
}

/** summary.json, then the exit code, or the error of an undo that stopped (with the command that continues it). */
function conclude(
  opts: UndoOptions,
  cwd: string,
  result: UndoResult,
  stop: SfsyncError | null,
): { result: UndoResult; exitCode: ExitCode } {
  const dir = result.results?.dir;
  if (dir)
    writeResultFile(
      path.join(dir, 'summary.json'),
      `${JSON.stringify({ ...result, error: stop ? { code: stop.code, message: stop.message } : null }, null, 2)}\n`,
    );
  if (stop) {
    const left = result.source.entries - result.counts.total;
    throw new SfsyncError(
      stop.code,
      `${stop.message}\nThe undo stopped with ${plural(left, 'write')} of the run not yet taken back.${dir ? ` Results: ${dir}` : ''}`,
      {
        hint: stop.hint,
        exitCode: stop.exitCode,
        result,
        summary: renderUndo(result),
        resume: dir ? undoResumeCommand(opts, dir, cwd) : undefined,
      },
    );
  }
  const c = result.counts;
  const u = result.unaccounted;
  const left = c.failed + c.conflict + c.skipped > 0 || (u !== null && (u.count > 0 || u.killed));
  return { result, exitCode: left ? ExitCode.RecordsFailed : ExitCode.Ok };
}

function shown(v: unknown): string {
  return v === null || v === undefined ? 'blank' : JSON.stringify(v);
}

export function renderUndo(r: UndoResult): string[] {
  const verb =
    r.ended === 'interrupted'
      ? `Stopped by ${r.signal ?? 'SIGINT'}`
      : r.ended === 'fatal'
        ? 'Stopped'
        : r.dryRun
          ? 'Dry run'
          : 'Done';
  const c = Object.fromEntries(
    Object.entries(r.counts).map(([k, v]: [string, number]) => [k, thousands(v)]),
  ) as Record<keyof UndoResult['counts'], string>;
  const would = r.dryRun ? 'would be ' : '';
  const article = /^[aeiou]/i.test(r.source.operation) ? 'an' : 'a';
  const lines = [
    `${verb}: undo of ${article} ${r.source.operation} of ${r.source.object} (${r.source.dir})`,
    `  ${plural(r.counts.total, 'write')} of ${thousands(r.source.entries)} taken back or checked: ${c.deleted} ${would}deleted, ${c.updated} ${would}set back, ${c.undeleted} ${would}undeleted, ${c.created} ${would}created again, ${c.unchanged} unchanged, ${c.conflict} conflict${r.counts.conflict === 1 ? '' : 's'}, ${c.failed} failed, ${c.skipped} skipped`,
    `  ${plural(r.apiCalls, 'API call')}${r.api === 'bulk' ? ` (deletes and updates through Bulk API 2.0: ${plural(r.bulkJobs, 'job')})` : ''}`,
  ];
  if (r.conflicts.length > 0) {
    lines.push(`  Conflicts: changed since the run, left as they are (--force takes them back anyway):`);
    for (const k of r.conflicts) {
      const fields = (k.fields ?? [])
        .map((f) => `${f}: run wrote ${shown(k.runValues?.[f])}, now ${shown(k.currentValues?.[f])}`)
        .join('; ');
      const input = k.runLine ? ` (the run's input line ${k.runLine})` : '';
      const by = k.writtenBy ? `; written since by sfsync: ${k.writtenBy.join(', ')}` : '';
      lines.push(`    before.ndjson line ${k.line}${input} ${k.id}: ${fields}${by}`);
    }
    if (r.counts.conflict > r.conflicts.length) lines.push(`    … (every conflict is in failures.csv)`);
  }
  for (const f of r.failuresByCode.filter((g) => g.code !== 'CONFLICT'))
    lines.push(
      `  ${f.code}: ${plural(f.count, 'record')} (${f.lines.length === 1 ? 'line' : 'lines'} ${f.lines.join(', ')}): ${f.message}`,
    );
  if (r.unaccounted) lines.push(...unaccountedLines(r.unaccounted, r.source.object));
  if (r.counts.created > 0)
    lines.push(
      '  Records purged since the run were created again with new Ids: see id and original_id in success.csv',
    );
  lines.push(r.results ? `  results: ${r.results.dir}` : '  results: none (dry run)');
  return lines;
}
