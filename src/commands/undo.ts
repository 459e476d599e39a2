import path from 'node:path';
import type { Deps } from '../deps.js';
import { ExitCode, SfsyncError, toSfsyncError, type StopSignal } from '../errors.js';
import { plural } from '../core/plural.js';
import { shellWord } from '../core/resume-command.js';
import { BEFORE_FILE, openBeforeImages } from '../operations/before-images.js';
import { ResultsLock } from '../operations/results-lock.js';
import { closeAll, writeResultFile } from '../operations/results.js';
import { Undoer } from '../operations/undo.js';
import { openUndoFolder } from '../operations/undo-folder.js';
import { UndoJournal } from '../operations/undo-journal.js';
import { UndoSink, undoFiles, type UndoCounts, type UndoProblem } from '../operations/undo-results.js';
import { BeforeImagesFile } from '../operations/undo-source.js';
import type { CommonOptions } from './options.js';

export interface UndoOptions extends CommonOptions {
  /** The results folder of the run to take back. */
  dir: string;
  dryRun: boolean;
  force: boolean;
  resume: boolean;
  results?: string;
  batchSize?: number;
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
  apiCalls: number;
  /** The undo's own results (null for a dry run): its before.ndjson makes it undoable in turn. */
  results: { dir: string; success: string; failures: string; before: string } | null;
  ended: 'completed' | 'interrupted' | 'fatal';
  signal: StopSignal | null;
  durationMs: number;
}

type UndoDeps = Pick<Deps, 'connect' | 'now' | 'cwd' | 'io' | 'onInterrupt'>;

export function undoResumeCommand(opts: UndoOptions, dir: string, cwd: string): string {
  const rel = path.relative(cwd, dir);
  const shown = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
  const flags: Array<[string, string | number | boolean | undefined]> = [
    ['--force', opts.force],
    ['--batch-size', opts.batchSize],
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

/** `sfsync undo RESULTS_DIR`: takes a run back from its before-images, as a run of its own. */
export async function runUndo(
  opts: UndoOptions,
  deps: UndoDeps,
  onBatch?: (counts: UndoCounts, apiCalls: number) => void,
): Promise<{ result: UndoResult; exitCode: ExitCode }> {
  const started = deps.now().getTime();
  const sourceDir = path.resolve(deps.cwd, opts.dir);
  const source = new BeforeImagesFile(sourceDir);
  const running = ResultsLock.heldBy(sourceDir);
  if (running)
    throw new SfsyncError('RESULTS_LOCKED', `The run in ${opts.dir} is still going (${running}).`, {
      hint: 'Wait for it to end (or stop it), then undo it.',
    });
  const client = await deps.connect({
    org: opts.org,
    apiVersion: opts.apiVersion,
    trace: opts.verbose ? (line) => deps.io.err(line) : undefined,
  });
  const object = await client.describe(source.header.object);
  const folder = opts.dryRun
    ? null
    : await openUndoFolder(opts, deps.cwd, sourceDir, object.name, deps.now());
  let signal = null as StopSignal | null;
  let undoer: Undoer | undefined;
  const stopListening = deps.onInterrupt({
    stop: (s) => {
      signal = s;
      if (!opts.json)
        deps.io.err(
          `${s === 'SIGINT' ? 'Interrupted' : 'Terminated (SIGTERM)'}: finishing the batch in flight.`,
        );
      undoer?.interrupt(s);
    },
    quit: (s) => {
      folder?.lock.release();
      return new SfsyncError('INTERRUPTED', `Quit at once by a second ${s}.`, {
        exitCode: s === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted,
        resume: folder ? undoResumeCommand(opts, folder.dir, deps.cwd) : undefined,
      });
    },
  });
  try {
    const dir = folder?.dir ?? null;
    const sink = new UndoSink(dir, folder?.prior);
    const journal = dir
      ? new UndoJournal(
          dir,
          folder?.prior ? null : { v: 1, kind: 'sfsync-undo', source: sourceDir, object: object.name },
        )
      : null;
    const images = dir ? openBeforeImages(dir, { operation: 'undo' }, client, object, folder?.prior) : null;
    undoer = new Undoer(client, object, source, sink, images, journal, {
      force: opts.force,
      dryRun: opts.dryRun,
      batchSize: opts.batchSize ?? 200,
      done: folder?.prior?.done,
      uncertain: folder?.uncertain,
      onBatch: () => onBatch?.(sink.counts, client.apiCalls()),
    });
    if (signal) undoer.interrupt(signal);
    let stop = await undoer.run();
    try {
      closeAll([() => sink.close(), () => journal?.close(), () => images?.close()]);
    } catch (err) {
      stop ??= toSfsyncError(err);
    }
    const files = dir ? undoFiles(dir) : null;
    const result: UndoResult = {
      operation: 'undo',
      source: {
        dir: sourceDir,
        operation: source.header.operation,
        object: object.name,
        entries: source.entries,
      },
      dryRun: opts.dryRun,
      force: opts.force,
      counts: sink.counts,
      conflicts: sink.conflicts,
      failuresByCode: [...sink.failuresByCode.entries()]
        .map(([code, g]) => ({ code, ...g }))
        .sort((a, b) => b.count - a.count),
      apiCalls: client.apiCalls(),
      results: dir && files ? { dir, ...files, before: path.join(dir, BEFORE_FILE) } : null,
      ended: !stop ? 'completed' : stop.code === 'INTERRUPTED' ? 'interrupted' : 'fatal',
      signal: stop?.code === 'INTERRUPTED' ? (signal ?? 'SIGINT') : null,
      durationMs: deps.now().getTime() - started,
    };
    if (dir)
      writeResultFile(
        path.join(dir, 'summary.json'),
        `${JSON.stringify({ ...result, error: stop ? { code: stop.code, message: stop.message } : null }, null, 2)}\n`,
      );
    if (stop) {
      const left = source.entries - result.counts.total;
      throw new SfsyncError(
        stop.code,
        `${stop.message}\nThe undo stopped with ${plural(left, 'write')} of the run not yet taken back.${dir ? ` Results: ${dir}` : ''}`,
        {
          hint: stop.hint,
          exitCode: stop.exitCode,
          result,
          summary: renderUndo(result),
          resume: dir ? undoResumeCommand(opts, dir, deps.cwd) : undefined,
        },
      );
    }
    const c = result.counts;
    return { result, exitCode: c.failed + c.conflict + c.skipped > 0 ? ExitCode.RecordsFailed : ExitCode.Ok };
  } finally {
    stopListening();
    folder?.lock.release();
  }
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
  const c = r.counts;
  const would = r.dryRun ? 'would be ' : '';
  const lines = [
    `${verb}: undo of a ${r.source.operation} of ${r.source.object} (${r.source.dir})`,
    `  ${plural(c.total, 'write')} of ${r.source.entries.toLocaleString('en-US')} taken back or checked: ${c.deleted} ${would}deleted, ${c.updated} ${would}set back, ${c.undeleted} ${would}undeleted, ${c.created} ${would}created again, ${c.unchanged} unchanged, ${c.conflict} conflict${c.conflict === 1 ? '' : 's'}, ${c.failed} failed, ${c.skipped} skipped`,
    `  ${plural(r.apiCalls, 'API call')}`,
  ];
  if (r.conflicts.length > 0) {
    lines.push(`  Conflicts: changed since the run, left as they are (--force takes them back anyway):`);
    for (const k of r.conflicts) {
      const fields = (k.fields ?? [])
        .map((f) => `${f}: run wrote ${shown(k.runValues?.[f])}, now ${shown(k.currentValues?.[f])}`)
        .join('; ');
      lines.push(`    line ${k.line} ${k.id}: ${fields}`);
    }
    if (c.conflict > r.conflicts.length) lines.push(`    … (every conflict is in failures.csv)`);
  }
  for (const f of r.failuresByCode.filter((g) => g.code !== 'CONFLICT'))
    lines.push(`  ${f.code}: ${plural(f.count, 'record')} (lines ${f.lines.join(', ')}): ${f.message}`);
  if (c.created > 0)
    lines.push(
      '  Records purged since the run were created again with new Ids: see id and original_id in success.csv',
    );
  lines.push(r.results ? `  results: ${r.results.dir}` : '  results: none (dry run)');
  return lines;
}
