import path from 'node:path';
import { plural } from '../core/plural.js';
import { resumeCommand } from '../core/resume-command.js';
import type { SyncOptions } from '../core/sync-options.js';
import { ExitCode, SfsyncError, type StopSignal } from '../errors.js';
import { mappingHash } from './journal.js';
import { checkKeys, mayRefuse } from './key-check.js';
import { claimRun } from './run-claim.js';
import { READ_AHEAD_RECORDS, readAhead } from './read-ahead.js';
import { resultsRoots } from './run-folder.js';
import type { ResultsLock } from './results-lock.js';
import type { SyncEvents } from './sync-events.js';
import { planWrites } from './sync-plan.js';
import type { StopState, SyncOutcome, SyncPorts } from './sync-ports.js';
import { openInput, prepareTarget } from './sync-prepare.js';
import { runEngine } from './sync-run.js';
import { mirrorCheck, withoutRecords } from './sync-admin.js';

export type { SyncPorts, SyncOutcome } from './sync-ports.js';
export type { SyncEvent, SyncEvents } from './sync-events.js';
export type { SyncResult } from '../core/sync-types.js';

/**
 * A sync that owns SIGINT and SIGTERM from its start: the first stops reading and lets the calls in flight
 * finish, so every record read gets an outcome and the run ends with its summary and the command to continue.
 * The results folder stays locked until the run has written its last file, however it ends. A run that stops
 * throws an SfsyncError carrying its `result` and the command that continues it.
 */
export async function runSync(opts: SyncOptions, ports: SyncPorts, emit: SyncEvents): Promise<SyncOutcome> {
  const state: StopState = {};
  let lock: ResultsLock | undefined;
  let unclaim = (): void => {};
  const stopListening = ports.onInterrupt({
    stop: (signal) => {
      state.signal = signal;
      emit({ type: 'stopping', signal });
      state.engine?.interrupt(signal);
    },
    quit: (signal) => {
      lock?.release();
      unclaim();
      return quitError(opts, ports.cwd, state, signal);
    },
  });
  try {
    return await sync(
      opts,
      ports,
      emit,
      state,
      (l) => (lock = l),
      (u) => (unclaim = u),
    );
  } finally {
    stopListening();
    lock?.release();
    unclaim();
  }
}

/**
 * The first promise's result; when it fails, the error is thrown once the other (already started) has settled too,
 * so nothing of the failed run goes on behind it.
 */
async function afterOther<T>(first: Promise<T>, other: Promise<unknown> | null): Promise<T> {
  try {
    return await first;
  } catch (err) {
    await other?.catch(() => undefined);
    throw err;
  }
}

function quitError(opts: SyncOptions, cwd: string, state: StopState, signal: StopSignal): SfsyncError {
  const c = state.counts;
  const resumable = state.dir !== undefined && opts.file !== '-' && !opts.dryRun;
  return new SfsyncError(
    'INTERRUPTED',
    `Quit at once by a second ${signal}${c ? ` after ${plural(c.total, 'record')} with an outcome` : ''}: the calls in flight have no recorded outcome.${state.dir ? ` Results: ${state.dir}` : ''}`,
    {
      hint: resumable ? 'Continuing checks the records sent without an answer against the org.' : undefined,
      exitCode: signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted,
      resume: resumable ? resumeCommand(opts, state.dir as string, cwd) : undefined,
    },
  );
}

async function sync(
  opts: SyncOptions,
  ports: SyncPorts,
  emit: SyncEvents,
  state: StopState,
  hold: (lock: ResultsLock) => void,
  claimed: (release: () => void) => void,
): Promise<SyncOutcome> {
  const started = ports.now().getTime();
  // --serial: one batch (one Bulk job) in flight at a time.
  if (opts.serial) opts = { ...opts, concurrency: 1 };
  const input = await openInput(opts, ports);
  const mapping = opts.mapping ? mappingHash(path.resolve(ports.cwd, opts.mapping)) : null;
  claimed(claimRun(opts, ports.cwd, input.file, mapping, ports.env));
  const target = await prepareTarget(opts, ports, input, emit);
  // A signal already in: nothing more is asked of the org (the match export can be a long Bulk job).
  const stopped = (): boolean => Boolean(state.signal);
  const checking = checkKeys(opts, {
    mapping: input.mapping,
    spec: target.matching.spec,
    compiled: target.compiled,
    object: target.object,
    offline: target.offline,
    file: input.file,
    format: input.format,
    stopped,
    identity: input.identity ?? undefined,
    roots: resultsRoots(
      ports.cwd,
      opts.results === undefined ? undefined : path.resolve(ports.cwd, opts.results),
    ),
  });
  // The pass that counts the file's keys and the org's reads before writing (limits, the match export) do not
  // depend on each other: the org runs the export job while sfsync counts. Unless the count may refuse the run
  // (shared keys), which must come before any call.
  const early = mayRefuse(opts, target.matching.spec, target.offline, input.mapping)
    ? null
    : planWrites(opts, ports.env, target, input.file, emit, stopped);
  // Handled where it is awaited, after the count: not an unhandled rejection meanwhile.
  early?.catch(() => undefined);
  const keys = await afterOther(checking, early);
  [...keys.warnings, ...keys.notices].forEach((message) => emit({ type: 'warning', message }));
  // The org may still be exporting (a count read back from an earlier run of the file ends at once): the first
  // records are read meanwhile.
  if (early) input.all = readAhead(input.all, early, READ_AHEAD_RECORDS);
  const writes = await (early ?? planWrites(opts, ports.env, target, input.file, emit, stopped));
  writes.mirror = await mirrorCheck(
    opts,
    target.matching.spec,
    target.compiled,
    input.file,
    input.format,
    input.mapping.timezone,
  );
  if (writes.mirror && target.offline)
    emit({
      type: 'warning',
      message:
        'mirror mode: an offline dry run cannot list the records of --scope the file lacks (that needs the org); run the dry run without --offline to see them',
    });
  await input.confirmHard?.(target.object.name, target.client?.instanceUrl ?? '');
  // A plan's step leaves out the rows outside its section, and those an earlier run of the plan created.
  const read = { ...input, all: withoutRecords(input.all, ports.skipRecord) };
  return runEngine(opts, { ...ports, started, state, hold, emit }, read, target, keys, writes);
}
