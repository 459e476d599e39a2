import fs from 'node:fs';
import path from 'node:path';
import type { CommonOptions, SyncOperation, SyncOptions } from '../core/sync-options.js';
import { thousands } from '../core/plural.js';
import { ExitCode, SfsyncError, signalExitCode, type StopSignal } from '../errors.js';
import { loadPlan } from '../mapping/plan-load.js';
import { mappingDocument, selfMapping, stepMapping } from '../mapping/plan-mapping.js';
import { planOrder, splitSelf } from '../mapping/plan-order.js';
import type { PlanReference, PlanStep } from '../mapping/plan-types.js';
import type { Mapping } from '../mapping/types.js';
import type { InputRecord } from '../input/types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { checkPlan, type CheckedPlan } from './plan-check.js';
import { planFolder, stepStatus } from './plan-folder.js';
import { compileAs } from './plan-poly-check.js';
import {
  createdBefore,
  ledgerFile,
  outsideRows,
  readBefore,
  readCreated,
  saveCreated,
  type CreatedBefore,
} from './plan-created.js';
import { earlierRuns, refuseUnfinished } from './plan-guard.js';
import { refuseUncertain, unsureIn } from './plan-uncertain.js';
import { checkResumedInputs } from './plan-resume-check.js';
import { scanStep, selfInput, type ScanMore } from './plan-keys.js';
import { scanComposites } from './plan-composite-keys.js';
import { PlanMemory, referenceResolver } from './plan-references.js';
import { predictSelf } from './plan-self.js';
import { planResume, PlanSignals } from './plan-stop.js';
import { emptyCounts, type Counts } from './results.js';
import { runSync, type SyncEvent, type SyncPorts } from './run-sync.js';
import { stopped, summary } from './plan-summary.js';

export interface PlanRunOptions extends CommonOptions {
  plan: string;
  dryRun: boolean;
  resume: boolean;
  /** Start although an earlier run of the plan is unfinished, and run create steps again on unchanged files. */
  restart?: boolean;
  results?: string;
  org?: string;
  api?: 'rest' | 'bulk' | 'auto';
  batchSize?: number;
  concurrency?: number;
}

export interface PlanStepResult {
  step: string;
  /** `records`: the step's file; `self-references`: the second pass setting the references to its own records. */
  pass: 'records' | 'self-references';
  object: string;
  operation: SyncOperation;
  results: string;
  counts: Counts;
  uncertain?: number; // of the skipped: sent without an answer (UNCERTAIN and the like), they may exist
  /**
   * `done before`: finished by the run this one resumes; `created before`: a create step the plan's last finished
   * run ran on the same file, not sent again (its created records count as unchanged); `predicted`: a dry run's
   * second pass, counted; `stopped`: the step in flight when the plan stopped, its counts so far; `killed` and
   * `running` (only in `sfsync results`): a step whose run left no summary, its counts read from its result files.
   */
  ended: 'completed' | 'done before' | 'created before' | 'predicted' | 'stopped' | 'killed' | 'running';
}

export interface PlanResult {
  plan: string;
  dryRun: boolean;
  results: string;
  order: string[];
  steps: PlanStepResult[];
  counts: Counts;
  ended: 'completed' | 'stopped';
  /** Keys held in memory at the end (step, key → Id), for the record. */
  keysInMemory: number;
}

export type PlanEvent =
  | { type: 'step-started'; step: string; pass: PlanStepResult['pass']; resumed: boolean }
  | { type: 'notice'; step: string; message: string }
  | { type: 'stopping'; signal: StopSignal; stepRunning: boolean }
  | { type: 'sync'; step: string; event: SyncEvent };

export interface PlanRun {
  opts: PlanRunOptions;
  ports: SyncPorts;
  emit: (event: PlanEvent) => void;
  checked: CheckedPlan;
  client: SalesforceClient;
  dir: string;
  memory: PlanMemory;
  files: Map<string, string>;
  steps: PlanStepResult[];
  created: Map<string, CreatedBefore>;
  signals: PlanSignals;
}

/**
 * Runs a plan: its steps in dependency order, each a normal sync into its own folder of the plan's results,
 * references to records of earlier steps filled from memory. A step that stops stops the plan, with its
 * summary so far and the command that continues it.
 */
export async function runPlan(
  opts: PlanRunOptions,
  ports: SyncPorts,
  emit: (event: PlanEvent) => void,
): Promise<{ result: PlanResult; exitCode: ExitCode }> {
  const signals = new PlanSignals((signal, stepRunning) => emit({ type: 'stopping', signal, stepRunning }));
  let dir: string | undefined;
  const stopListening = signals.listen(
    ports.onInterrupt,
    (s) =>
      new SfsyncError('INTERRUPTED', `Quit at once by a second ${s}.`, {
        exitCode: signalExitCode(s),
        resume: dir && !opts.dryRun ? planResume(opts, ports.cwd, dir) : undefined,
      }),
  );
  try {
    return await plan(opts, ports, emit, signals, (d) => (dir = d));
  } finally {
    stopListening();
  }
}

async function plan(
  opts: PlanRunOptions,
  ports: SyncPorts,
  emit: (event: PlanEvent) => void,
  signals: PlanSignals,
  opened: (dir: string) => void,
): Promise<{ result: PlanResult; exitCode: ExitCode }> {
  if (opts.resume && opts.dryRun)
    throw new SfsyncError(
      'USAGE',
      '--resume continues a plan that wrote; a dry run has nothing to continue.',
      {
        hint: 'Run the dry run again without --resume.',
      },
    );
  const planFile = path.resolve(ports.cwd, opts.plan);
  const plan = loadPlan(planFile);
  planOrder(plan);
  const runs = opts.resume ? [] : earlierRuns(ports.cwd, planFile, opts.results, ports.env);
  if (!opts.dryRun) refuseUnfinished(runs, opts, ports.cwd);
  if (!opts.dryRun) await refuseUncertain(plan.steps, runs, opts, ports.cwd);
  if (opts.resume)
    await checkResumedInputs(
      planFolder(opts, ports.cwd, planFile, ports.now(), ports.env),
      plan.steps,
      opts.plan,
    );
  const client = await ports.connect({ org: opts.org });
  const checked = await checkPlan(plan, client);
  signals.check({ folder: false });
  const dir = planFolder(opts, ports.cwd, planFile, ports.now(), ports.env);
  opened(dir);
  // Decided once, when the run starts: a resumed run keeps what it decided (the create step it did not send).
  const created = opts.resume
    ? readCreated(dir)
    : opts.restart
      ? new Map<string, CreatedBefore>()
      : await createdBefore(plan.steps, runs, dir, { client, objects: checked.objects });
  if (!opts.resume) saveCreated(dir, created);
  const run: PlanRun = {
    opts,
    ports,
    emit,
    checked,
    client,
    dir,
    memory: new PlanMemory(),
    files: new Map(plan.steps.map((s) => [s.name, s.fileAsWritten])),
    steps: [],
    created,
    signals,
  };
  try {
    signals.check({ folder: true });
    for (const step of checked.order) await runStep(run, step);
  } catch (err) {
    throw await stopped(run, err);
  }
  const result = summary(run, 'completed');
  // A dry run exits as the real run would (see settle in sync-settle.ts).
  const short = result.counts.failed + result.counts.skipped;
  return { result, exitCode: short > 0 ? ExitCode.RecordsFailed : ExitCode.Ok };
}

async function runStep(run: PlanRun, step: PlanStep): Promise<void> {
  const before = run.created.get(step.name);
  const seed = before ? await readBefore(run.dir, step.name) : undefined;
  if (before) run.emit({ type: 'notice', step: step.name, message: createdNotice(run, step, before) });
  const more: ScanMore = {
    seed,
    ledger: step.operation === 'create' && !run.opts.dryRun ? ledgerFile(run.dir, step.name) : undefined,
  };
  if (before && before.lines === before.total) return createdEarlier(run, step, before, more);
  const { first, self } = splitSelf(step);
  const objectOf = (name: string): string =>
    run.checked.plan.steps.find((s) => s.name === name)?.object ?? name;
  const columns = run.checked.columns.get(step.name) ?? [];
  const stepDir = path.join(run.dir, step.name);
  await syncPass(run, step, 'records', {
    dir: stepDir,
    file: step.file,
    format: step.format,
    operation: step.operation,
    mapping: stepMapping(
      step,
      first,
      objectOf,
      columns,
      run.checked.recordTypes.get(step.name),
      Object.fromEntries((run.checked.poly.get(step.name) ?? []).map((p) => [p.ref.field, compileAs(p)])),
      Object.fromEntries((run.checked.composites?.get(step.name) ?? []).map((c) => [c.ref.field, c.as])),
    ),
    refs: first,
    skip: seed,
    outside: outsideRows(step),
  });
  const keys = run.checked.keys.get(step.name) ?? [];
  const selfDir = path.join(run.dir, `${step.name}.self`);
  const writeSelf = self.length > 0 && stepStatus(selfDir).state === 'new';
  const selfFile = selfInput(run.dir, step.name);
  if (keys.length > 0 || writeSelf || more.ledger) {
    const scan = await scanStep(
      step,
      stepDir,
      run.opts.dryRun,
      keys,
      writeSelf ? { refs: self, file: selfFile } : undefined,
      more,
    );
    for (const [key, map] of scan.maps) run.memory.set(step.name, key, map);
  }
  await keepComposites(run, step, stepDir, seed);
  if (self.length === 0) return;
  if (run.opts.dryRun) {
    const org = { client: run.client, object: run.checked.objects.get(step.name) as ObjectInfo };
    run.steps.push(await predictSelf(step, self, selfFile, selfDir, run.memory, keys, org, run.files));
    return;
  }
  await syncPass(run, step, 'self-references', {
    dir: selfDir,
    file: selfFile,
    format: 'csv',
    operation: 'update',
    mapping: selfMapping(step, self),
    refs: self,
  });
}

/** What a create step's records created by an earlier run of the plan come to: not sent, and the others. */
function createdNotice(run: PlanRun, step: PlanStep, before: CreatedBefore): string {
  const rel = path.relative(run.ports.cwd, path.dirname(before.dir));
  const where = rel && !rel.startsWith('..') ? rel : path.dirname(before.dir);
  const rest = before.total - before.lines;
  const gone =
    before.gone > 0
      ? ` (${thousands(before.gone)} they created ${before.gone === 1 ? 'is' : 'are'} no longer in the org)`
      : '';
  const which =
    rest === 0
      ? `all ${thousands(before.total)} records of ${step.fileAsWritten}`
      : `${thousands(before.lines)} of the ${thousands(before.total)} records of ${step.fileAsWritten}`;
  return `${which} were created by earlier runs of the plan (their ledger: ${where})${gone}: not sent again (add --restart to create them again)${rest > 0 ? `; the other ${thousands(rest)} ${rest === 1 ? 'is' : 'are'} sent` : ''}`;
}

/** A create step whose every record an earlier run created: reported, its key maps read from there, nothing sent. */
async function createdEarlier(
  run: PlanRun,
  step: PlanStep,
  before: CreatedBefore,
  more: ScanMore,
): Promise<void> {
  run.steps.push({
    step: step.name,
    pass: 'records',
    object: step.object,
    operation: step.operation,
    results: before.dir,
    counts: { ...emptyCounts(), total: before.total, unchanged: before.lines },
    ended: 'created before',
  });
  const keys = run.checked.keys.get(step.name) ?? [];
  await keepComposites(run, step, undefined, more.seed);
  if (keys.length === 0 && !more.ledger) return;
  const scan = await scanStep(step, undefined, false, keys, undefined, more);
  for (const [key, map] of scan.maps) run.memory.set(step.name, key, map);
}

/** The key maps of the composite keys later steps find the step's records by (plan-composite-keys.ts). */
async function keepComposites(
  run: PlanRun,
  step: PlanStep,
  dir: string | undefined,
  seed: ReadonlyMap<number, string> | undefined,
): Promise<void> {
  const keys = run.checked.compositeKeys?.get(step.name) ?? [];
  if (keys.length === 0) return;
  const maps = await scanComposites(step, dir, run.opts.dryRun, keys, run.memory, seed, run.client);
  for (const [key, map] of maps) run.memory.set(step.name, key, map);
}

interface Pass {
  dir: string;
  file: string;
  format?: 'csv' | 'ndjson';
  operation: SyncOperation;
  mapping: Mapping;
  refs: PlanReference[];
  /** Lines not sent: created by an earlier run of the plan (counted unchanged). */
  skip?: ReadonlyMap<number, string>;
  /** Rows outside the step's section of its file (not read at all). */
  outside?: (r: InputRecord) => boolean;
}

/** What a pass does not read: rows outside its section, and those created by an earlier run. */
function skipOf(p: Pass): ((r: InputRecord) => boolean) | undefined {
  const { skip, outside } = p;
  if (!outside && !skip?.size) return undefined;
  return (r) => (skip?.has(r.line) ?? false) || (outside?.(r) ?? false);
}

async function syncPass(run: PlanRun, step: PlanStep, pass: PlanStepResult['pass'], p: Pass): Promise<void> {
  const base = { step: step.name, pass, object: step.object, operation: p.operation, results: p.dir };
  const status = stepStatus(p.dir);
  const skipped = p.skip?.size ?? 0;
  const withSkipped = (c: Counts): Counts =>
    skipped > 0 ? { ...c, total: c.total + skipped, unchanged: c.unchanged + skipped } : c;
  const done = (c: Counts, ended: PlanStepResult['ended']): number =>
    run.steps.push({ ...base, counts: withSkipped(c), ...unsureIn(p.dir), ended });
  if (status.state === 'done') return void done(status.counts ?? emptyCounts(), 'done before');
  const mappingFile = path.join(run.dir, 'plan-inputs', `${path.basename(p.dir)}.mapping.json`);
  // Written once: a resumed step must find the very mapping its journal names.
  if (status.state === 'new')
    fs.writeFileSync(mappingFile, `${JSON.stringify(mappingDocument(p.mapping), null, 2)}\n`, {
      mode: 0o600,
    });
  run.emit({ type: 'step-started', step: step.name, pass, resumed: status.state === 'started' });
  const { opts } = run;
  const syncOpts: SyncOptions = {
    operation: p.operation,
    file: p.file,
    object: step.object,
    mapping: mappingFile,
    format: p.format,
    dryRun: opts.dryRun,
    offline: false,
    results: p.dir,
    resume: status.state === 'started',
    restart: status.state === 'new',
    failFast: false,
    json: opts.json,
    verbose: opts.verbose,
    org: opts.org,
    api: opts.api,
    batchSize: opts.batchSize,
    concurrency: opts.concurrency,
  };
  const ports: SyncPorts = {
    ...run.ports,
    onInterrupt: run.signals.forStep,
    skipRecord: skipOf(p),
    resolveReferences: referenceResolver(
      p.refs,
      run.memory,
      run.files,
      pass === 'records' ? run.checked.poly.get(step.name) : [],
      pass === 'records' ? run.checked.composites?.get(step.name) : [],
    ),
  };
  // Checked with nothing awaited before runSync takes the signals over: none falls between.
  run.signals.check({ folder: true, step: step.name });
  try {
    const outcome = await runSync(syncOpts, ports, (event) =>
      run.emit({ type: 'sync', step: step.name, event }),
    );
    done(outcome.result.counts, 'completed');
  } catch (err) {
    // The step in flight counts in the plan's totals with what it did before it stopped.
    const counts =
      err instanceof SfsyncError ? (err.result as { counts?: Counts } | undefined)?.counts : undefined;
    if (counts) run.steps.push({ ...base, counts: withSkipped(counts), ended: 'stopped' });
    throw err;
  }
}
