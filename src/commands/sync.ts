import fs from 'node:fs';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { diskFullError, ExitCode, SfsyncError, toSfsyncError, type StopSignal } from '../errors.js';
import { readRecords } from '../input/read-records.js';
import { columnsForDelete } from '../input/results-columns.js';
import { checkInputFile, formatFromFile } from '../input/source.js';
import { implicitMapping, loadMapping } from '../mapping/load-mapping.js';
import { missingColumns } from '../mapping/missing-columns.js';
import { BulkWriter, type BulkJobReport } from '../operations/bulk-writer.js';
import { HeapGovernor } from '../operations/heap.js';
import { KeyCensus } from '../operations/key-census.js';
import {
  blankKeysWarning,
  repeatedKeysOf,
  repeatedKeysWarning,
  scanKeys,
  sharedKeyFields,
  sharedKeysError,
  sharedKeysMessage,
  type KeyScan,
  type RepeatedKeys,
} from '../operations/key-scan.js';
import { bulkJobCreations } from '../operations/reconcile.js';
import { ChangeFields } from '../operations/changes.js';
import { MatchIndex, matchSelect, type MatchSpec } from '../operations/match.js';
import { Spool } from '../operations/spool.js';
import { SyncEngine, type EngineResult } from '../operations/engine.js';
import type { ResultsLock } from '../operations/results-lock.js';
import { checkRunFolder, openRunFolder } from '../operations/run-folder.js';
import { refuseUncertainCreates } from '../operations/uncertain-input.js';
import { restWriter } from '../operations/writer.js';
import { retryDuplicatesThroughRest, type DuplicateRetries } from '../operations/duplicate-retry.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { Mapping } from '../mapping/types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { FAILURE_HINTS } from '../ui/failure-hints.js';
import { plural } from '../core/plural.js';
import { resumeCommand } from '../core/resume-command.js';
import type { ObjectSource } from '../operations/infer-object.js';
import {
  compileMapping,
  offlineObject,
  peek,
  planMatching,
  problemsError,
  resolveObject,
} from '../operations/prepare.js';
import {
  ResultSink,
  resultFiles,
  writeResultFile,
  type Counts,
  type ResultFiles,
  closeAll,
} from '../operations/results.js';
import type { SyncOptions } from './options.js';

export interface SyncResult {
  operation: SyncOptions['operation'];
  object: string;
  objectSource: ObjectSource;
  dryRun: boolean;
  offline: boolean;
  api: 'rest' | 'bulk';
  /** Every Bulk API 2.0 job the run opened, with its final state. */
  bulkJobs: BulkJobReport[];
  /** The Bulk query job that exported the existing records to match against, when one was used. */
  matchExport: { jobId: string; records: number } | null;
  matchStrategy: string;
  matchFields: string[];
  matchOperator: 'OR' | 'AND';
  /** Match keys that more than one input record carries (null for create): written in file order, one record each. */
  repeatedKeys: RepeatedKeys | null;
  counts: Counts;
  failuresByCode: Array<{
    code: string;
    count: number;
    lines: number[];
    message: string;
    fields?: string[];
    /** DUPLICATES_DETECTED: the first existing records the group collided with. */
    matchedIds?: string[];
  }>;
  apiCalls: number;
  results: ResultFiles;
  warnings: string[];
  stoppedEarly: boolean;
  /** How the run ended: every record read has an outcome in each case; only a completed run read all its input. */
  ended: 'completed' | 'interrupted' | 'fatal';
  /** The signal that interrupted the run. */
  signal: StopSignal | null;
  lastLine: number;
  durationMs: number;
  /** --allow-duplicates: alerts acknowledged, and the Bulk refusals sent again through REST. */
  duplicates?: { allowed: boolean } & DuplicateRetries;
  /** --hard: deletes were Bulk API hardDelete jobs (nothing went to the Recycle Bin). */
  hardDelete?: boolean;
}

/**
 * Files of about this many records or more go through Bulk API 2.0 when --api is auto (the default): there a
 * Bulk run spends a tenth of the calls of REST (0.8 against 5-10 per 1,000 records) for about the same time.
 */
export const AUTO_BULK_RECORDS = 100_000;
/** The heap size past which a run collects garbage between batches (see HeapGovernor). */
const HEAP_LIMIT_MB = 64;

/** SFSYNC_HEAP_LIMIT_MB: the governor's limit; 0 leaves the heap to V8 (faster, about 100 MB more at the peak). */
function heapLimit(env: NodeJS.ProcessEnv): number {
  const raw = env.SFSYNC_HEAP_LIMIT_MB;
  if (raw === undefined || raw === '') return HEAP_LIMIT_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 0)
    throw new SfsyncError(
      'CONFIG_INVALID',
      `SFSYNC_HEAP_LIMIT_MB=${raw} is not a whole number of megabytes.`,
      {
        hint: 'Set it to 0 (no limit) or to a size such as 64, or unset it.',
      },
    );
  return mb === 0 ? Infinity : mb * 1024 * 1024;
}
/** A whole number of bytes from the environment, or the default when unset; anything else is refused. */
function envBytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new SfsyncError('CONFIG_INVALID', `${name}=${raw} is not a whole number of bytes.`, {
      hint: `Set it to a size such as ${fallback}, or unset it.`,
    });
  return n;
}

/**
 * Bytes of CSV per Bulk API job unless SFSYNC_BULK_UPLOAD_BYTES says otherwise (Salesforce takes up to 100 MB a
 * job), and records per job only when --batch-size says so: a job costs about six calls whatever its size, so a
 * million records of 80 bytes take three jobs, not a hundred.
 */
export const BULK_JOB_BYTES = 40_000_000;
/** Bulk API jobs running at once unless --concurrency says otherwise (one more fills meanwhile). */
const BULK_JOBS_AT_ONCE = 2;
/** A file goes in about this many jobs at least: the org starts on the first while the next ones fill. */
const BULK_JOBS_PER_FILE = 3;

/**
 * The upload size of a Bulk job: SFSYNC_BULK_UPLOAD_BYTES, else a third of the file (so the org works on one job
 * while sfsync reads the next) between 1 MB and BULK_JOB_BYTES; standard input, whose size is unknown, the most.
 */
function bulkJobBytes(env: NodeJS.ProcessEnv, file: string): number {
  const size = file !== '-' && fs.existsSync(file) ? fs.statSync(file).size : Infinity;
  const share = Math.min(BULK_JOB_BYTES, Math.max(1_000_000, Math.ceil(size / BULK_JOBS_PER_FILE)));
  return envBytes(env, 'SFSYNC_BULK_UPLOAD_BYTES', share);
}
/** Records the engine maps and matches at a time on the Bulk path: small, so they are short-lived objects. */
const BULK_ENGINE_BATCH = 1_000;

/** Existing records an export may bring into memory to match against; past it, matching queries per batch. */
const EXPORT_MAX_RECORDS = 100_000;
/** Below this many input records, batched queries are always cheap enough. */
const EXPORT_MIN_INPUT = 3_000;
/**
 * Above this many input records, batched queries again: the records a run creates join the index (later rows
 * with their keys must find them), so the index grows with the file, about 110 bytes a record.
 */
const EXPORT_MAX_INPUT = 200_000;

/**
 * Exports the existing records' match values with one Bulk API query job when that costs fewer calls than the
 * batched queries would (each carries a few hundred keys) and the export is small enough to hold: a large file
 * against a modest org. A single match field only: keys of a record that several fields match can change with
 * its updates, which an export taken before the run would not see.
 */
async function exportMatches(
  client: SalesforceClient,
  spec: MatchSpec,
  inputRecords: number,
  say: (line: string) => void,
  changes?: ChangeFields,
): Promise<{ index: MatchIndex; jobId: string; records: number } | null> {
  const field = spec.fields[0];
  if (spec.fields.length !== 1 || !field) return null;
  if (inputRecords < EXPORT_MIN_INPUT || inputRecords > EXPORT_MAX_INPUT) return null;
  const where = `WHERE ${field.name} != null`;
  const existing = await client.count(`SELECT COUNT() FROM ${spec.object} ${where}`);
  const queryCalls = Math.ceil(inputRecords / 300);
  const exportCalls = 4 + Math.ceil(existing / 100_000);
  if (existing > EXPORT_MAX_RECORDS || exportCalls >= queryCalls) return null;
  const index = new MatchIndex(spec, changes);
  try {
    const { jobId, rows } = await client.bulkQuery(
      `SELECT ${matchSelect(spec, changes).join(', ')} FROM ${spec.object} ${where}`,
      (header, row) => index.addRow(Object.fromEntries(header.map((h, i) => [h, row[i] ?? '']))),
      (id) =>
        say(
          `Matching on ${field.name}: exporting the existing ${spec.object} records (Bulk query job ${id})`,
        ),
    );
    say(`Matching on ${field.name}: ${rows.toLocaleString('en-US')} existing records exported`);
    return { index, jobId, records: rows };
  } catch (err) {
    // The export only saves calls: when Salesforce fails its job, the batched queries do the same work.
    if (!(err instanceof SfsyncError) || err.code !== 'BULK_QUERY_FAILED') throw err;
    say(`Matching on ${field.name}: ${err.message}; matching with batched queries instead`);
    return null;
  }
}

/** Records in a file, estimated from the line length of its first 64 KB; 0 for stdin or a missing file. */
export function estimateRecords(file: string): number {
  if (file === '-' || !fs.existsSync(file) || !fs.statSync(file).isFile()) return 0;
  const size = fs.statSync(file).size;
  if (size === 0) return 0;
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(Math.min(size, 65_536));
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  let lines = 0;
  for (const b of head) if (b === 10) lines++;
  return lines === 0 ? 1 : Math.round((size / head.length) * lines);
}

/**
 * Before a large run: the org's remaining daily API requests must cover the calls the run will need, or it
 * stops now rather than half way.
 */
async function preflight(
  client: SalesforceClient,
  opts: SyncOptions,
  file: string,
  api: 'rest' | 'bulk',
  strategy: string,
): Promise<void> {
  const records = estimateRecords(file);
  if (records < 10_000) return;
  const perJob = Math.max(
    1,
    Math.floor((records * bulkJobBytes({}, file)) / Math.max(1, fs.statSync(file).size)),
  );
  const batch = opts.batchSize ?? (api === 'bulk' ? perJob : 200);
  const perBatch = api === 'bulk' ? 8 : strategy === 'query' ? 2 : 1;
  const needed = Math.ceil(records / batch) * perBatch;
  const remaining = await client.remainingDailyRequests();
  if (remaining !== null && needed > remaining) {
    throw new SfsyncError(
      'LIMIT_INSUFFICIENT',
      `This run needs about ${needed} API calls for about ${records} records, and the org has ${remaining} left today.`,
      {
        hint: 'Wait for the 24-hour window, use --api bulk (fewer calls per record), or split the file.',
      },
    );
  }
}

/** --api: as asked, or with auto, Bulk API 2.0 for files of about AUTO_BULK_RECORDS records or more. */
export function chooseApi(opts: Pick<SyncOptions, 'dryRun' | 'api' | 'hard'>, file: string): 'rest' | 'bulk' {
  if (opts.dryRun) return 'rest';
  // hardDelete exists only in the Bulk API.
  if (opts.hard) return 'bulk';
  const api = opts.api ?? 'auto';
  if (api !== 'auto') return api;
  return estimateRecords(file) >= AUTO_BULK_RECORDS ? 'bulk' : 'rest';
}

type SyncDeps = Pick<Deps, 'connect' | 'now' | 'cwd' | 'io' | 'env' | 'onInterrupt'> &
  Partial<Pick<Deps, 'prompt'>>;
type OnProgress = (counts: Counts, apiCalls: number, phase: string) => void;

/** What a signal may need to reach: the engine once it runs, and what a second signal says before it quits. */
interface StopState {
  signal?: StopSignal;
  engine?: SyncEngine;
  dir?: string;
  counts?: Counts;
}

/**
 * A sync that owns SIGINT and SIGTERM from its start: the first stops reading and lets the calls in flight
 * finish, so every record read gets an outcome and the run ends with its summary and the command to continue.
 * The results folder stays locked until the run has written its last file, however it ends.
 */
export async function runSync(
  opts: SyncOptions,
  deps: SyncDeps,
  onProgress?: OnProgress,
): Promise<{ result: SyncResult; exitCode: ExitCode }> {
  const state: StopState = {};
  let lock: ResultsLock | undefined;
  const stopListening = deps.onInterrupt({
    stop: (signal) => {
      state.signal = signal;
      if (!opts.json)
        deps.io.err(
          `${signal === 'SIGINT' ? 'Interrupted' : 'Terminated (SIGTERM)'}: finishing the calls in flight and writing the results (Ctrl-C again to quit at once).`,
        );
      state.engine?.interrupt(signal);
    },
    quit: (signal) => {
      lock?.release();
      return quitError(opts, deps.cwd, state, signal);
    },
  });
  try {
    return await sync(opts, deps, state, onProgress, (l) => (lock = l));
  } finally {
    stopListening();
    lock?.release();
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
  deps: SyncDeps,
  state: StopState,
  onProgress: OnProgress | undefined,
  hold: (lock: ResultsLock) => void,
): Promise<{ result: SyncResult; exitCode: ExitCode }> {
  const started = deps.now().getTime();
  if (opts.file !== '-') checkInputFile(path.resolve(deps.cwd, opts.file));
  const confirmHard = hardDeleteConfirmation(opts, deps);
  const mapping = opts.mapping ? loadMapping(path.resolve(deps.cwd, opts.mapping)) : implicitMapping();
  if (mapping.operation && mapping.operation !== opts.operation) {
    throw new SfsyncError(
      'USAGE',
      `The mapping is for ${mapping.operation}, but this command is ${opts.operation}.`,
      {
        hint: `Run "sfsync ${mapping.operation} ..." or change operation: in ${opts.mapping}.`,
      },
    );
  }
  const format = formatFromFile(opts.file, opts.format);
  const file = opts.file === '-' ? '-' : path.resolve(deps.cwd, opts.file);
  // Before the org is reached and the file counted (minutes on a big one): a run refused for its folder is
  // refused at once.
  await checkRunFolder(opts, deps.cwd, file);
  if (opts.operation === 'create' && format === 'csv' && file !== '-')
    await refuseUncertainCreates(file, opts.file, opts.delimiter);
  let header: string[] | undefined;
  // A failures file of an NDJSON run: read as CSV, its records are JSON, with no header of their own.
  let jsonRecords = false;
  const { first, all } = await peek(
    readRecords({
      file,
      format,
      delimiter: opts.delimiter,
      encoding: opts.encoding,
      stdin: deps.io.stdin,
      onHeader: (h, json) => {
        if (json) jsonRecords = true;
        else header = h;
      },
    }),
  );
  const offline = opts.dryRun && opts.offline;
  const client = offline
    ? null
    : await deps.connect({
        org: opts.org,
        apiVersion: opts.apiVersion,
        mappingApiVersion: mapping.apiVersion,
        trace: opts.verbose ? (line) => deps.io.err(line) : undefined,
      });
  // From the first call: --max-api-calls counts every call of the run, the describes included.
  if (client && !opts.dryRun) client.setBudget(opts.maxApiCalls);
  const objectChoice = await resolveObject(opts, mapping, client);
  // The CSV header names the columns even when the first record is malformed.
  const read = header ?? (first?.values ? Object.keys(first.values) : []);
  const columns =
    opts.operation === 'delete' && !opts.mapping && format === 'csv' && file !== '-'
      ? columnsForDelete(file, read, opts.match)
      : read;
  const object = client
    ? await client.describe(objectChoice.name)
    : offlineObject(objectChoice.name, mapping, columns);
  const compiled = await compileMapping(mapping, object, opts.operation, columns, (name) =>
    client ? client.describe(name) : Promise.resolve(offlineObject(name, mapping, columns)),
  );
  const matching = planMatching(opts, mapping, compiled, offline);
  // A mapping's column missing from the CSV header would leave its field unwritten in every record, silently.
  const absent =
    opts.mapping && header ? missingColumns(mapping, Object.fromEntries(header.map((h) => [h, '']))) : [];
  const problems = [...absent, ...compiled.problems, ...matching.problems];
  if (problems.length > 0)
    throw problemsError(
      problems,
      mapping.file ?? `The columns of ${opts.file === '-' ? 'standard input' : opts.file}`,
    );

  const keys = await checkKeys(
    opts,
    mapping,
    matching.plan.spec,
    compiled,
    object,
    offline,
    file,
    format,
    () => Boolean(state.signal),
  );
  const say = (line: string): void => {
    if (!opts.json) deps.io.err(`Warning: ${line}`);
  };
  [...keys.warnings, ...keys.notices].forEach(say);

  const api = chooseApi(opts, file);
  if (api === 'rest' && (opts.batchSize ?? 0) > 200) {
    throw new SfsyncError(
      'USAGE',
      `--batch-size ${opts.batchSize} is over 200, the most one REST call can carry.`,
      {
        hint: 'Use --batch-size 200 or less, or --api bulk for larger batches.',
      },
    );
  }
  const heapBytes = heapLimit(deps.env);
  const bulk =
    api === 'bulk' && client
      ? new BulkWriter(client, {
          jobRecords: opts.batchSize ?? Infinity,
          jobsAtOnce: opts.concurrency ?? BULK_JOBS_AT_ONCE,
          maxUploadBytes: bulkJobBytes(deps.env, file),
          onJob: (job) => {
            if (!opts.json)
              deps.io.err(
                `Bulk job ${job.id}: ${job.operation} ${job.object}, ${plural(job.records, 'record')}`,
              );
          },
          hardDelete: opts.hard === true,
        })
      : null;
  const retries: DuplicateRetries = { retried: 0, saved: 0 };
  // Offline, the writer is never called: a dry run only plans.
  const rest = restWriter(client as SalesforceClient, { allowDuplicates: opts.allowDuplicates === true });
  // Bulk: the engine maps and matches in small batches that the writer gathers into jobs, with enough of them in
  // flight to keep every job slot busy and the next job filling (jobs by bytes: the writer holds the reading).
  const jobRecords = opts.batchSize ?? Infinity;
  // Offline, a batch is only a unit of work (nothing is sent): larger ones cost less to schedule.
  const engineBatch = bulk
    ? Math.min(BULK_ENGINE_BATCH, jobRecords)
    : (opts.batchSize ?? (offline ? BULK_ENGINE_BATCH : 200));
  const engineConcurrency = bulk
    ? ((opts.concurrency ?? BULK_JOBS_AT_ONCE) + 1) * Math.ceil(jobRecords / engineBatch)
    : (opts.concurrency ?? 4);
  if (client && !opts.dryRun) await preflight(client, opts, file, api, matching.plan.strategy);
  const strategy = matching.plan.strategy;
  let changes = changeDetection(opts, compiled, strategy, matching.plan.spec?.fields ?? []);
  // By Id or Salesforce's upsert, records are read only to compare: by the export too when it is cheaper.
  const exported =
    client &&
    matching.plan.spec &&
    (strategy === 'query' || (changes.fields && (strategy === 'native-upsert' || strategy === 'id')))
      ? await exportMatches(
          client,
          matching.plan.spec,
          estimateRecords(file),
          (line) => {
            if (!opts.json) deps.io.err(line);
          },
          changes.fields,
        )
      : null;
  // Through Bulk, reading by query would cost more calls than the jobs it could save (about 33 queries against 8
  // job calls per 10,000 records): without the export, those runs send everything. The dry run decides the same.
  if (
    changes.fields &&
    strategy !== 'query' &&
    !exported &&
    !offline &&
    chooseApi({ ...opts, dryRun: false }, file) === 'bulk'
  )
    changes = {
      warning: `change detection is off: ${strategy === 'id' ? 'matching by Id' : "Salesforce's upsert on an external ID"} does not read the records, and reading them by query would cost more API calls than the Bulk jobs it could save; every record is sent (as with --write-all).`,
    };
  await confirmHard?.(object.name, client?.instanceUrl ?? '');
  const files = await openRunFolder(opts, deps.cwd, file, object.name, deps.now(), hold);
  const { dir } = files;
  // Resuming a run stopped with Bulk jobs unread: their results say which records they created.
  const jobIds = [...(files.resume?.uncertain.values() ?? [])].filter((j): j is string => j !== undefined);
  const bulkCreations = client && jobIds.length > 0 ? await bulkJobCreations(client, jobIds) : undefined;
  if (bulkCreations && !opts.json)
    deps.io.err(
      `Resuming: read the results of ${plural(bulkCreations.size, 'Bulk job')} the interrupted run had opened`,
    );
  files.commit();
  let sink: ResultSink;
  try {
    sink = new ResultSink(
      resultFiles(dir, opts.dryRun),
      format === 'csv' && !jsonRecords ? read : null,
      files.prior,
    );
  } catch (err) {
    throw diskFullError(err, dir) ?? err;
  }
  const heap = new HeapGovernor(heapBytes);
  // Records waiting on Bulk API jobs wait on disk, in the (owner-only) results folder, until the run ends.
  const spool = bulk && !opts.dryRun ? new Spool(path.join(dir, 'spool.tmp')) : undefined;
  const engine = new SyncEngine(client, sink, {
    operation: opts.operation,
    compiled,
    mappingZone: mapping.timezone,
    match: matching.plan.spec,
    strategy: matching.plan.strategy,
    matchIndex: exported?.index,
    changes: changes.fields,
    writer: bulk && opts.allowDuplicates ? retryDuplicatesThroughRest(bulk, rest, retries) : (bulk ?? rest),
    batchSize: engineBatch,
    spool: bulk && !opts.dryRun ? spool : undefined,
    concurrency: engineConcurrency,
    prepareConcurrency: opts.concurrency ?? 4,
    dryRun: opts.dryRun,
    failFast: opts.failFast,
    onDispatch: () => heap.check(),
    onBatch: () => {
      heap.check();
      const running =
        bulk?.jobs.filter((j) => !['JobComplete', 'Failed', 'Aborted'].includes(j.state)).length ?? 0;
      const phase = opts.dryRun
        ? 'dry run'
        : bulk
          ? `Bulk: ${running} job${running === 1 ? '' : 's'} running, ${(bulk.jobs.length - running).toString()} done`
          : 'REST';
      onProgress?.(sink.counts, client?.apiCalls() ?? 0, phase);
    },
    onSend: files.journal ? (lines, job) => files.journal?.sent(lines, job) : undefined,
    resume: files.resume && { ...files.resume, bulk: bulkCreations },
    createWhenKeyEmpty: keys.createWhenKeyEmpty,
    keyCounts: keys.keyCounts,
    countKeys: keys.counting,
  });
  state.engine = engine;
  state.dir = dir;
  state.counts = sink.counts;
  // A signal that came while the run was being prepared stops it before it reads anything.
  if (state.signal) engine.interrupt(state.signal);
  let outcome: EngineResult;
  try {
    outcome = await engine.run(all);
  } catch (err) {
    outcome = { fatal: toSfsyncError(err), stoppedEarly: true, lastLine: engine.linesRead };
  }
  // Every file is closed even when one cannot take its last piece (a full disk): the first error ends the run.
  try {
    await sink.close();
  } catch (err) {
    outcome.fatal ??= toSfsyncError(err);
  }
  try {
    closeAll([() => files.journal?.close(), () => spool?.close()]);
  } catch (err) {
    outcome.fatal ??= toSfsyncError(err);
  }
  const fatal = outcome.fatal && (diskFullError(outcome.fatal, dir) ?? outcome.fatal);
  const result: SyncResult = {
    operation: opts.operation,
    object: object.name,
    objectSource: objectChoice.source,
    dryRun: opts.dryRun,
    offline,
    api: bulk ? 'bulk' : 'rest',
    bulkJobs: bulk?.jobs ?? [],
    matchExport: exported ? { jobId: exported.jobId, records: exported.records } : null,
    matchStrategy: matching.plan.strategy,
    matchFields: matching.plan.spec?.fields.map((f) => f.name) ?? [],
    matchOperator: matching.plan.spec?.operator ?? 'OR',
    repeatedKeys: keys.repeated ?? (keys.counting ? repeatedKeysOf(keys.counting) : null),
    counts: sink.counts,
    failuresByCode: [...sink.failureCodes.entries()]
      .map(([code, v]) => ({ code, ...v }))
      .sort((a, b) => b.count - a.count),
    apiCalls: client?.apiCalls() ?? 0,
    results: sink.files,
    warnings: [
      ...compiled.warnings.map((w) => `${w.where}: ${w.message}`),
      ...keys.warnings,
      ...(changes.warning ? [changes.warning] : []),
    ],
    stoppedEarly: outcome.stoppedEarly,
    ended: !fatal ? 'completed' : fatal.code === 'INTERRUPTED' ? 'interrupted' : 'fatal',
    signal: fatal?.code === 'INTERRUPTED' ? (state.signal ?? 'SIGINT') : null,
    lastLine: outcome.lastLine,
    durationMs: deps.now().getTime() - started,
    ...(opts.allowDuplicates ? { duplicates: { allowed: true, ...retries } } : {}),
    ...(opts.hard ? { hardDelete: true } : {}),
  };
  let unwritten = '';
  try {
    writeResultFile(
      path.join(dir, 'summary.json'),
      `${JSON.stringify({ ...result, error: fatal ? { code: fatal.code, message: fatal.message } : null }, null, 2)}\n`,
    );
  } catch (err) {
    if (!fatal) throw diskFullError(err, dir) ?? err;
    unwritten = ` summary.json could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`;
  }
  if (fatal) {
    const c = sink.counts;
    const unread = sink.failureCodes.get('BULK_RESULTS_UNREAD')?.count ?? 0;
    const resume = opts.file !== '-' && !opts.dryRun ? resumeCommand(opts, dir, deps.cwd) : undefined;
    throw new SfsyncError(
      fatal.code,
      `${fatal.message}\nThe run stopped ${outcome.lastLine > 0 ? `after input line ${outcome.lastLine}` : 'before reading any input'}: ${plural(c.created + c.updated + c.deleted, 'record')} written, ${c.unchanged ? `${c.unchanged} unchanged (nothing to write), ` : ''}${c.failed} failed, ${c.skipped - unread} not sent${unread > 0 ? `, ${unread} sent in Bulk jobs whose results are not read yet` : ''}. Results: ${dir}${unwritten}`,
      {
        // A plain re-run is refused while this run is unfinished: a hint that says so points at the resume.
        hint: resume
          ? fatal.hint?.replace(/,? then run the command again\.$/, ', then continue with the command below.')
          : fatal.hint,
        exitCode: fatal.exitCode,
        result,
        summary: renderSync(result),
        resume,
      },
    );
  }
  // Exit 0 only when every record was written: a record failed, or skipped without being written (one a resume
  // could not settle, say), leaves the run short of what was asked.
  // (A dry run writes nothing by design: there only rejected records count.)
  const short = sink.counts.failed + (opts.dryRun ? 0 : sink.counts.skipped);
  return { result, exitCode: short > 0 ? ExitCode.RecordsFailed : ExitCode.Ok };
}

/**
 * --hard deletes past the Recycle Bin, for good: a person at a terminal confirms it, a script says --yes. Without a
 * terminal and without --yes the run is refused before it connects. Returns the question to ask once the object is
 * known, or null when nothing is to be asked.
 */
function hardDeleteConfirmation(
  opts: SyncOptions,
  deps: SyncDeps,
): ((object: string, org: string) => Promise<void>) | null {
  if (!opts.hard || opts.dryRun || opts.yes) return null;
  if (!deps.io.canPrompt || !deps.prompt)
    throw new SfsyncError(
      'USAGE',
      '--hard deletes records permanently (no Recycle Bin), and no terminal is attached to confirm it.',
      {
        hint: `Add --yes to confirm: sfsync delete ${opts.file} --hard --yes`,
      },
    );
  const prompt = deps.prompt;
  return async (object, org) => {
    const ok = await prompt.confirm(
      `Permanently delete the ${object} records that ${opts.file === '-' ? 'standard input' : opts.file} names${org ? ` in ${org}` : ''}? Hard-deleted records skip the Recycle Bin and cannot be restored.`,
      { default: false },
    );
    if (!ok)
      throw new SfsyncError('CANCELLED', 'Cancelled: nothing was deleted.', {
        hint: 'Run without --hard to delete into the Recycle Bin, where records can be restored for 15 days.',
      });
  };
}

/**
 * Only what changed (update and upsert, unless --write-all): the fields compared, and what comparing costs when
 * the run would not read the records otherwise (by Id, or Salesforce's upsert on an external ID).
 */
function changeDetection(
  opts: SyncOptions,
  compiled: CompiledMapping,
  strategy: string,
  matchFields: FieldInfo[],
): { fields?: ChangeFields; warning?: string } {
  if (opts.writeAll || (opts.operation !== 'update' && opts.operation !== 'upsert')) return {};
  const fields = new ChangeFields(compiled, matchFields);
  const read =
    strategy === 'native-upsert'
      ? `the upsert on ${compiled.object.name}.${matchFields[0]?.name ?? 'its external ID'} reads`
      : strategy === 'id'
        ? 'matching by Id reads'
        : undefined;
  return {
    fields,
    warning: read
      ? `change detection: ${read} the matched records first (a query per batch, as many calls as the writes it may save, or one Bulk export for a large file) and sends only what changed; --write-all sends everything without reading.`
      : undefined,
  };
}

interface KeyCheck {
  /** What the pass over the file found; null for standard input. */
  repeated: RepeatedKeys | null;
  /** The file's key counts, kept for a dry run only (it remembers the creates whose key comes again). */
  keyCounts: KeyCensus | undefined;
  /** Standard input cannot be read twice: its keys are counted during the run. */
  counting: KeyCensus | undefined;
  createWhenKeyEmpty: boolean;
  /** Kept in the result's warnings. */
  warnings: string[];
  /** Said before writing only: the summary reports them by other means (repeatedKeys, MATCH_KEY_EMPTY). */
  notices: string[];
}

/**
 * Before writing: match fields that cannot merge strangers (or --allow-shared-keys), and a count of the file's
 * keys (one more pass over it, in a compact table) to say which repeat and which are blank.
 */
async function checkKeys(
  opts: SyncOptions,
  mapping: Mapping,
  spec: MatchSpec | null,
  compiled: CompiledMapping,
  object: ObjectInfo,
  offline: boolean,
  file: string,
  format: 'csv' | 'ndjson',
  stopped: () => boolean,
): Promise<KeyCheck> {
  const createWhenKeyEmpty = opts.createWhenKeyEmpty ?? mapping.createWhenKeyEmpty ?? false;
  const check: KeyCheck = {
    repeated: null,
    keyCounts: undefined,
    counting: undefined,
    createWhenKeyEmpty,
    warnings: [],
    notices: [],
  };
  if (!spec) return check;
  const source = file === '-' ? 'standard input' : opts.file;
  let scan: KeyScan | null = null;
  if (file === '-') check.counting = new KeyCensus();
  else
    scan = await scanKeys(
      readRecords({ file, format, delimiter: opts.delimiter, encoding: opts.encoding }),
      compiled,
      spec,
      mapping.timezone,
      stopped,
    );
  const shared = sharedKeyFields(spec);
  if (shared.length > 0 && offline)
    check.warnings.push(
      `offline, sfsync cannot tell whether ${shared.map((f) => f.name).join(', ')} identifies a record: a run against the org refuses a match field that is not an external ID, unique or idLookup field (unless --allow-shared-keys)`,
    );
  else if (shared.length > 0) {
    if (!(opts.allowSharedKeys ?? mapping.allowSharedKeys ?? false))
      throw sharedKeysError(object, shared, scan, source);
    check.warnings.push(
      `${sharedKeysMessage(object, shared, scan, source).message} Allowed by ${opts.allowSharedKeys ? '--allow-shared-keys' : 'match.allowSharedKeys in the mapping'}.`,
    );
  }
  if (scan) {
    check.repeated = repeatedKeysOf(scan.census);
    if (opts.dryRun) check.keyCounts = scan.census;
    const repeated = repeatedKeysWarning(check.repeated);
    if (repeated && shared.length === 0) check.notices.push(repeated);
    const blank = blankKeysWarning(scan, createWhenKeyEmpty && opts.operation === 'upsert');
    if (blank) check.notices.push(blank);
  }
  return check;
}

export function renderSync(r: SyncResult): string[] {
  // Summaries written before `ended` existed were of runs that completed or stopped with an error.
  const verb =
    r.ended === 'interrupted'
      ? `Stopped by ${r.signal ?? 'SIGINT'}`
      : r.ended === 'fatal'
        ? 'Stopped'
        : r.dryRun
          ? 'Dry run'
          : 'Done';
  const c = r.counts;
  const n = (v: number): string => v.toLocaleString('en-US');
  const would = r.dryRun ? 'would be ' : '';
  const lines = [
    `${verb}: ${r.operation} ${r.object} (object from ${r.objectSource}${r.matchFields.length ? `; matched on ${r.matchFields.join(', ')}${r.matchFields.length > 1 ? ` (${r.matchOperator})` : ''}` : ''})`,
    `  ${plural(c.total, 'record')}: ${n(c.created)} ${would}created, ${n(c.updated)} ${would}updated, ${c.unchanged || r.operation === 'update' || r.operation === 'upsert' ? `${n(c.unchanged ?? 0)} unchanged, ` : ''}${n(c.deleted)} ${would}deleted, ${n(c.failed)} ${r.dryRun ? 'rejected' : 'failed'}, ${n(c.skipped)} skipped`,
    `  ${plural(r.apiCalls, 'API call')}${r.offline ? ' (offline)' : ''}`,
  ];
  if (r.failuresByCode.length > 0) lines.push(`  ${r.dryRun ? 'Rejected' : 'Failed or skipped'}, by cause:`);
  for (const f of r.failuresByCode) {
    const fields = f.fields && f.fields.length > 0 ? ` [${f.fields.join(', ')}]` : '';
    lines.push(
      `    ${f.code}${fields}: ${plural(f.count, 'record')} (line${f.lines.length === 1 ? '' : 's'} ${f.lines.join(', ')}${f.count > f.lines.length ? ', …' : ''})`,
    );
    lines.push(`      ${f.message}`);
    if (f.matchedIds && f.matchedIds.length > 0)
      lines.push(
        `      collided with: ${f.matchedIds.join(', ')}${f.matchedIds.length >= 10 ? ', …' : ''} (matched_ids in failures.csv)`,
      );
    const hint = Object.hasOwn(FAILURE_HINTS, f.code) ? FAILURE_HINTS[f.code] : undefined;
    if (hint) lines.push(`      fix: ${hint}`);
  }
  const repeated = r.repeatedKeys;
  if (repeated && repeated.keys > 0)
    lines.push(
      `  repeated keys: ${plural(repeated.keys, 'key')} carried by ${plural(repeated.records, 'record')} (${repeated.groups.map((g) => `${g.key} on lines ${g.lines.join(', ')}${g.count > g.lines.length ? ', …' : ''}`).join('; ')}${repeated.keys > repeated.groups.length ? '; …' : ''}): the first of each ${r.dryRun ? 'would create or update the record, the later ones would update it' : 'created or updated the record, the later ones updated it'}`,
    );
  const d = r.duplicates;
  if (d?.allowed)
    lines.push(
      `  --allow-duplicates: duplicate rule alerts acknowledged (Sforce-Duplicate-Rule-Header: allowSave=true)${d.retried > 0 ? `; ${plural(d.retried, 'record')} refused by a duplicate rule in a Bulk job went again through REST with the header, ${n(d.saved)} saved` : ''}`,
    );
  if (r.hardDelete) lines.push('  --hard: deleted with Bulk API hardDelete; nothing went to the Recycle Bin');
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  lines.push(`  results: ${r.results.dir}`);
  return lines;
}
