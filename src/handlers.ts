import path from 'node:path';
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
import { completionScript, type CompletionOptions } from './commands/completion.js';
import { renderDescribe, runDescribe } from './commands/describe.js';
import { renderEmulatorReady, runEmulator } from './commands/emulator.js';
import { renderMappingCheck, runMappingCheck } from './commands/mapping-check.js';
import { renderMappingInit, runMappingInit } from './commands/mapping-init.js';
import { renderLogin, runLogin } from './commands/login.js';
import { renderLogout, runLogout } from './commands/logout.js';
import { renderOrgs, runOrgs } from './commands/orgs.js';
import { renderWhoami, runWhoami } from './commands/whoami.js';
import { renderResults, runResults, type ResultsOptions } from './commands/results.js';
import { estimateRecords, renderSync, runSync } from './commands/sync.js';
import { createProgress } from './ui/progress.js';
import { JSON_SCHEMA_VERSION } from './ui/json-envelope.js';
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
  completion: Handler<CompletionOptions>;
}

export const defaultHandlers: Handlers = {
  login: async (opts, deps) => {
    const result = await runLogin(opts, deps);
    return { result, lines: renderLogin(result) };
  },
  logout: async (opts, deps) => {
    const result = await runLogout(opts, deps);
    return { result, lines: renderLogout(result) };
  },
  orgs: async (opts, deps) => {
    const result = await runOrgs(opts, deps);
    return { result, lines: renderOrgs(result) };
  },
  whoami: async (opts, deps) => {
    const result = await runWhoami(opts, deps);
    return { result, lines: renderWhoami(result) };
  },
  sync: async (opts, deps) => {
    const progress = createProgress(deps.io, {
      json: opts.json,
      expected: estimateRecords(opts.file === '-' ? '-' : path.resolve(deps.cwd, opts.file)) || null,
    });
    try {
      const { result, exitCode } = await runSync(opts, deps, (counts, apiCalls) =>
        progress.update(counts, apiCalls),
      );
      return { result, exitCode, lines: renderSync(result) };
    } finally {
      progress.done();
    }
  },
  describe: async (opts, deps) => {
    const result = await runDescribe(opts, deps);
    return { result, lines: renderDescribe(result) };
  },
  mappingInit: async (opts, deps) => {
    const result = await runMappingInit(opts, deps);
    return { result, lines: renderMappingInit(result) };
  },
  mappingCheck: async (opts, deps) => {
    const result = await runMappingCheck(opts, deps);
    return { result, lines: renderMappingCheck(result) };
  },
  completion: async (opts) => {
    const script = completionScript(opts.shell, opts.spec);
    return { result: { shell: opts.shell }, lines: [script.trimEnd()] };
  },
  results: async (opts, deps) => {
    const result = await runResults(opts, deps);
    return { result, lines: renderResults(result) };
  },
  emulator: async (opts, deps) => {
    const result = await runEmulator(opts, deps, (info) => {
      if (opts.json) deps.io.out(JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...info }));
      else renderEmulatorReady(info, opts.data).forEach((line) => deps.io.out(line));
    });
    if (!opts.json) deps.io.err(`Stopped (${result.stoppedBy}) after ${result.apiCalls} API calls.`);
    return { result, printed: true };
  },
};
