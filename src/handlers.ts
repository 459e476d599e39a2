import type {
  CommonOptions,
  DescribeOptions,
  EmulatorOptions,
  LoginOptions,
  LogoutOptions,
  MappingCheckOptions,
  MappingInitOptions,
  OrgOptions,
  SyncOptions,
} from './commands/options.js';
import type { CompletionOptions } from './commands/completion.js';
import type { ExportOptions } from './commands/export.js';
import type { ResultsOptions } from './commands/results.js';
import type { UndoOptions } from './commands/undo.js';
import type { PlanCheckOptions, PlanRunOptions } from './commands/run-plan.js';
import { JSON_SCHEMA_VERSION } from './ui/json-envelope.js';
import { plural } from './core/plural.js';
import type { Deps } from './deps.js';
import type { ExitCode } from './errors.js';

/** A command's typed result, the exit code it asks for, and its human rendering (stdout lines). */
export interface CommandOutput {
  result: unknown;
  exitCode?: ExitCode;
  lines?: string[];
  /** The command already printed its one output (a server announces itself before it serves). */
  printed?: boolean;
}

type Handler<O> = (opts: O, deps: Deps) => Promise<CommandOutput>;

export interface Handlers {
  login: Handler<LoginOptions>;
  logout: Handler<LogoutOptions>;
  orgs: Handler<CommonOptions>;
  whoami: Handler<OrgOptions>;
  sync: Handler<SyncOptions>;
  describe: Handler<DescribeOptions>;
  mappingInit: Handler<MappingInitOptions>;
  mappingCheck: Handler<MappingCheckOptions>;
  emulator: Handler<EmulatorOptions>;
  results: Handler<ResultsOptions>;
  export: Handler<ExportOptions>;
  completion: Handler<CompletionOptions>;
  undo: Handler<UndoOptions>;
  runPlan: Handler<PlanRunOptions>;
  planCheck: Handler<PlanCheckOptions>;
}

/**
 * Each command's module is loaded when the command runs, so `--help`, `orgs` and `completion` do not pay for
 * jsforce, luxon, the local org and the readers at start-up.
 */
export const defaultHandlers: Handlers = {
  login: async (opts, deps) => {
    const { runLogin, renderLogin } = await import('./commands/login.js');
    const result = await runLogin(opts, deps);
    return { result, lines: renderLogin(result) };
  },
  logout: async (opts, deps) => {
    const { runLogout, renderLogout } = await import('./commands/logout.js');
    const result = await runLogout(opts, deps);
    return { result, lines: renderLogout(result) };
  },
  orgs: async (opts, deps) => {
    const { runOrgs, renderOrgs } = await import('./commands/orgs.js');
    const result = await runOrgs(opts, deps);
    return { result, lines: renderOrgs(result) };
  },
  whoami: async (opts, deps) => {
    const { runWhoami, renderWhoami } = await import('./commands/whoami.js');
    const result = await runWhoami(opts, deps);
    return { result, lines: renderWhoami(result) };
  },
  sync: async (opts, deps) => {
    const { runSyncCommand, renderSync } = await import('./commands/sync.js');
    const { result, exitCode } = await runSyncCommand(opts, deps);
    return { result, exitCode, lines: renderSync(result) };
  },
  describe: async (opts, deps) => {
    const { runDescribe, renderDescribe } = await import('./commands/describe.js');
    const result = await runDescribe(opts, deps);
    return { result, lines: renderDescribe(result) };
  },
  mappingInit: async (opts, deps) => {
    const { runMappingInit, renderMappingInit } = await import('./commands/mapping-init.js');
    const result = await runMappingInit(opts, deps);
    return { result, lines: renderMappingInit(result) };
  },
  mappingCheck: async (opts, deps) => {
    const { runMappingCheck, renderMappingCheck } = await import('./commands/mapping-check.js');
    const result = await runMappingCheck(opts, deps);
    return { result, lines: renderMappingCheck(result) };
  },
  completion: async (opts) => {
    const { completionScript } = await import('./commands/completion.js');
    const script = completionScript(opts.shell, opts.spec);
    return { result: { shell: opts.shell }, lines: [script.trimEnd()] };
  },
  results: async (opts, deps) => {
    const { runResults, renderResults, resultsExitCode } = await import('./commands/results.js');
    const result = await runResults(opts, deps);
    return { result, exitCode: resultsExitCode(result), lines: renderResults(result) };
  },
  export: async (opts, deps) => {
    const { runExportCommand, renderExport } = await import('./commands/export.js');
    const result = await runExportCommand(opts, deps);
    // Records on standard output: what was written is said on stderr.
    if (result.output === null) {
      renderExport(result).forEach((line) => deps.io.err(line));
      return { result, printed: true };
    }
    return { result, lines: renderExport(result) };
  },
  undo: async (opts, deps) => {
    const { runUndo, renderUndo } = await import('./commands/undo.js');
    const { createProgress } = await import('./ui/progress.js');
    const progress = createProgress(deps.io, { json: opts.json, expected: null });
    try {
      const plan = await import('./commands/undo-plan.js');
      const source = plan.planSourceOf(opts, deps.cwd);
      // A plan's results folder: its steps taken back one by one, the last first.
      if (source) {
        const { result, exitCode } = await plan.runPlanUndo(opts, deps, source, (step, c, calls) =>
          progress.update(
            { ...c, created: c.created + c.undeleted, failed: c.failed + c.conflict },
            calls,
            `undo of step ${step}${opts.dryRun ? ' (dry run)' : ''}`,
          ),
        );
        return { result, exitCode, lines: plan.renderPlanUndo(result) };
      }
      const { result, exitCode } = await runUndo(opts, deps, (c, calls) =>
        progress.update(
          { ...c, created: c.created + c.undeleted, failed: c.failed + c.conflict },
          calls,
          `undo${opts.dryRun ? ' (dry run)' : ''}: ${c.undeleted} undeleted, ${plural(c.conflict, 'conflict')}`,
        ),
      );
      return { result, exitCode, lines: renderUndo(result) };
    } finally {
      progress.done();
    }
  },
  runPlan: async (opts, deps) => {
    const { runPlanCommand, renderPlan } = await import('./commands/run-plan.js');
    const { result, exitCode } = await runPlanCommand(opts, deps);
    return { result, exitCode, lines: renderPlan(result) };
  },
  planCheck: async (opts, deps) => {
    const { runPlanCheck, renderPlanCheck } = await import('./commands/run-plan.js');
    const result = await runPlanCheck(opts, deps);
    return { result, lines: renderPlanCheck(result) };
  },
  emulator: async (opts, deps) => {
    const { runEmulator, renderEmulatorReady } = await import('./commands/emulator.js');
    const result = await runEmulator(
      opts,
      deps,
      (info, notices) => {
        notices.forEach((line) => deps.io.err(line));
        if (opts.json) deps.io.out(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...info }));
        else renderEmulatorReady(info, opts.data).forEach((line) => deps.io.out(line));
      },
      (message) => deps.io.err(message),
    );
    if (!opts.json)
      deps.io.err(`Stopped (${result.stoppedBy}) after ${plural(result.apiCalls, 'API call')}.`);
    return { result, printed: true };
  },
};
