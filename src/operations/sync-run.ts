import { bulkJobEnded } from '../salesforce/client.js';
import path from 'node:path';
import type { SyncOptions } from '../core/sync-options.js';
import type { MirrorReport } from '../core/sync-types.js';
import { diskFullError, toSfsyncError } from '../errors.js';
import type { BulkWriter } from './bulk-writer.js';
import { Backup } from './backup.js';
import { openBeforeImages, type BeforeImages } from './before-images.js';
import { ResentCreates } from './resent-creates.js';
import { SyncEngine, type EngineResult } from './engine.js';
import { HeapGovernor } from './heap.js';
import type { KeyCheck } from './key-check.js';
import { bulkJobCreations } from './reconcile.js';
import { closeAll, ResultSink, resultFiles } from './results.js';
import { openRunFolder } from './run-folder.js';
import { Spool } from './spool.js';
import type { WritePlan } from './sync-plan.js';
import type { EngineOptions } from './engine-options.js';
import type { RunContext, SyncOutcome } from './sync-ports.js';
import type { SyncInput, SyncTarget } from './sync-prepare.js';
import { settle } from './sync-settle.js';
import { groupedInput, runMirror } from './sync-admin.js';
import type { InputRecord } from '../input/types.js';
import { sortByLine } from './line-order.js';
import { LineLedger } from './line-ledger.js';

/** Opens the results folder, runs the engine over the input, closes every file and settles the outcome. */
export async function runEngine(
  opts: SyncOptions,
  ctx: RunContext,
  input: SyncInput,
  target: SyncTarget,
  keys: KeyCheck,
  writes: WritePlan,
): Promise<SyncOutcome> {
  const { client } = target;
  const files = await openFolder(opts, ctx, input, target, keys);
  const { dir } = files;
  // Resuming a run stopped with Bulk jobs unread: their results say which records they created.
  const jobIds = [...(files.resume?.uncertain.values() ?? [])].filter((j): j is string => j !== undefined);
  const bulkCreations = client && jobIds.length > 0 ? await bulkJobCreations(client, jobIds) : undefined;
  if (bulkCreations) ctx.emit({ type: 'resumed-bulk-jobs', jobs: bulkCreations.size });
  files.commit();
  const sink = openSink(opts, input, target, dir, files.prior);
  const { beforeImages, backup } = takeBack(opts, dir, client, target, files.resume !== undefined);
  // Only an upsert that reads before it writes images every record it finds (see resent-creates.ts).
  const readsFirst = target.matching.strategy !== 'native-upsert' || writes.changes.fields !== undefined;
  if (beforeImages && files.resume?.unanswered && opts.operation === 'upsert' && readsFirst) {
    const resent = new ResentCreates(dir, files.resume.unanswered);
    sink.onSucceed = (line, outcome, id) => resent.settled(beforeImages, line, outcome, id);
  }
  const heap = new HeapGovernor(writes.heapBytes);
  const { bulk } = writes;
  // Records waiting on Bulk API jobs wait on disk, in the (owner-only) results folder, until the run ends.
  const spool = bulk && !opts.dryRun ? new Spool(path.join(dir, 'spool.tmp')) : undefined;
  bulk?.useFolder(dir, () => heap.check());
  const engine = new SyncEngine(client, sink, {
    operation: opts.operation,
    compiled: target.compiled,
    mappingZone: input.mapping.timezone,
    match: target.matching.spec,
    strategy: target.matching.strategy,
    ...matchesOf(writes),
    changes: writes.changes.fields,
    writer: writes.writer,
    retry: client?.retry,
    batchSize: writes.batchSize,
    spool,
    concurrency: writes.concurrency,
    prepareConcurrency: opts.concurrency ?? 4,
    dryRun: opts.dryRun,
    failFast: opts.failFast,
    onDispatch: () => heap.check(),
    onBatch: () => {
      heap.check();
      ctx.emit({
        type: 'progress',
        counts: sink.counts,
        apiCalls: client?.apiCalls() ?? 0,
        phase: phase(opts, bulk),
      });
    },
    onSend: files.journal ? (lines, job) => files.journal?.sent(lines, job) : undefined,
    resume: files.resume && { ...files.resume, bulk: bulkCreations },
    ...keysOf(keys),
    onLockRetry: (n) => {
      writes.locks.retries += n;
    },
    beforeImages,
    backup,
    resolveReferences: ctx.resolveReferences,
  });
  Object.assign(ctx.state, { engine, dir, counts: sink.counts });
  // A signal that came while the run was being prepared stops it before it reads anything.
  if (ctx.state.signal) engine.interrupt(ctx.state.signal);
  const { all, ledger } = inputWithLedger(sink, input, writes, target);
  const outcome = await runToEnd(engine, all, sink, ledger, [
    () => files.journal?.close(),
    () => [spool, writes.exported?.spill].forEach((scratch) => scratch?.close()),
    () => beforeImages?.flush(),
    () => backup?.close(),
  ]);
  const mirrored = await mirrorAfter(outcome, writes, client, target, dir, opts.dryRun, beforeImages);
  return settle(opts, ctx, { target, keys, writes, sink, dir, outcome, mirrored });
}

/**
 * The input, grouped by parent when that is planned; the ledger notes its lines in file order first, since grouped
 * records are written out of it (where the run stopped is then said by the outcomes, see line-ledger.ts).
 */
function inputWithLedger(
  sink: ResultSink,
  input: SyncInput,
  writes: WritePlan,
  target: SyncTarget,
): { all: AsyncIterable<InputRecord[]>; ledger: LineLedger } {
  const ledger = new LineLedger(sink);
  const spec = target.matching.spec;
  return { all: groupedInput(ledger.tap(input.all), writes.grouping, spec, input.mapping.timezone), ledger };
}

/** The run's results folder, locked, with the file's key count saved in it for a later run of the same file. */
async function openFolder(
  opts: SyncOptions,
  ctx: RunContext,
  input: SyncInput,
  target: SyncTarget,
  keys: KeyCheck,
): ReturnType<typeof openRunFolder> {
  const { file, identity } = input;
  const files = await openRunFolder(
    opts,
    ctx.cwd,
    file,
    target.object.name,
    ctx.now(),
    ctx.hold,
    identity ?? undefined,
  );
  keys.keep?.(files.dir);
  return files;
}

/**
 * Mirror: only after an upsert that read its whole file; the brake stops it before it touches anything. Its
 * deletes and updates get before-images too (the file is closed after it), so that `sfsync undo` takes them back.
 */
async function mirrorAfter(
  outcome: EngineResult,
  writes: { mirror: Parameters<typeof runMirror>[0] },
  client: SyncTarget['client'],
  target: SyncTarget,
  dir: string,
  dryRun: boolean,
  beforeImages: BeforeImages | undefined,
): Promise<MirrorReport | undefined> {
  try {
    return outcome.fatal
      ? undefined
      : await runMirror(
          writes.mirror,
          client,
          target.object,
          target.matching.spec,
          dir,
          dryRun,
          beforeImages,
        );
  } finally {
    try {
      beforeImages?.close();
    } catch {
      // Only what the flush after the run could not write (already the run's fatal error) fails here.
    }
  }
}

/** The result files of the run (a full disk is said as such). */
function openSink(
  opts: SyncOptions,
  input: SyncInput,
  target: SyncTarget,
  dir: string,
  prior: ConstructorParameters<typeof ResultSink>[2],
): ResultSink {
  try {
    return new ResultSink(
      resultFiles(dir, opts.dryRun),
      input.format === 'csv' && !input.seen.jsonRecords ? target.columns : null,
      prior,
    );
  } catch (err) {
    throw diskFullError(err, dir) ?? err;
  }
}

/**
 * What lets the run be taken back: its before-images (for `sfsync undo`), and with --backup the full records it
 * touches. A dry run writes nothing to take back.
 */
function takeBack(
  opts: SyncOptions,
  dir: string,
  client: SyncTarget['client'],
  target: SyncTarget,
  resuming: boolean,
): { beforeImages?: BeforeImages; backup?: Backup } {
  if (!client || opts.dryRun) return {};
  return {
    beforeImages: openBeforeImages(dir, opts, client, target.object, resuming),
    backup: opts.backup ? new Backup(dir, client, target.object, resuming) : undefined,
  };
}

/** What the run is doing, for the progress line. */
function phase(opts: SyncOptions, bulk: BulkWriter | null): string {
  if (opts.dryRun) return 'dry run';
  if (!bulk) return 'REST';
  const running = bulk.jobs.filter((j) => !bulkJobEnded(j.state)).length;
  return `Bulk: ${running} job${running === 1 ? '' : 's'} running, ${(bulk.jobs.length - running).toString()} done`;
}

/** Every file is closed even when one cannot take its last piece (a full disk): the first error ends the run. */
async function runToEnd(
  engine: SyncEngine,
  all: AsyncIterable<InputRecord[]>,
  sink: ResultSink,
  ledger: LineLedger,
  closes: Array<() => void>,
): Promise<EngineResult> {
  let outcome: EngineResult;
  try {
    outcome = await engine.run(all);
  } catch (err) {
    outcome = { fatal: toSfsyncError(err), stoppedEarly: true, lastLine: engine.linesRead };
  }
  outcome.recordsRead = engine.recordsRead;
  try {
    await sink.close();
    sortByLine(sink.files.failures);
  } catch (err) {
    outcome.fatal ??= toSfsyncError(err);
  }
  outcome.stop = ledger.point();
  try {
    closeAll(closes);
  } catch (err) {
    outcome.fatal ??= toSfsyncError(err);
  }
  return outcome;
}

/** The existing records exported before the run: in memory, or on disk when too many to hold. */
function matchesOf(writes: WritePlan): Pick<EngineOptions, 'matchIndex' | 'matchSpill'> {
  return { matchIndex: writes.exported?.index, matchSpill: writes.exported?.spill };
}

/** What the count of the input's match keys tells the engine. */
function keysOf(
  keys: KeyCheck,
): Pick<EngineOptions, 'createWhenKeyEmpty' | 'keyCounts' | 'uniqueKeys' | 'countKeys'> {
  return {
    createWhenKeyEmpty: keys.createWhenKeyEmpty,
    keyCounts: keys.keyCounts,
    uniqueKeys: keys.unique,
    countKeys: keys.counting,
  };
}
