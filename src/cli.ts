import { CommanderError, type Command } from 'commander';
import { buildProgram } from './cli/program.js';
import type { Deps } from './deps.js';
import { ExitCode, SfsyncError, toSfsyncError, usageError } from './errors.js';
import { defaultHandlers, type CommandOutput, type Handlers } from './handlers.js';
import { redact } from './core/redact.js';
import { installEarlySignals } from './early-signals.js';
import { failureEnvelope, successEnvelope } from './ui/json-envelope.js';

export { buildProgram } from './cli/program.js';
export { syncOptionsFrom } from './cli/sync-command.js';

/** What the last action ran, so errors can name the command and the exit code can be returned. */
interface RunState {
  command: string;
  json: boolean;
  exitCode: ExitCode;
}

/** Commander must neither exit nor print errors itself: main() turns them into sfsync errors. */
function routeThroughDeps(cmd: Command, deps: Deps): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => void deps.io.stdout.write(s),
    writeErr: (s) => void deps.io.stderr.write(s),
    outputError: () => {},
  });
  for (const sub of cmd.commands) routeThroughDeps(sub, deps);
}

function commanderToSfsync(err: { message: string }, command: string): SfsyncError {
  const message = err.message.replace(/^error: /, '');
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return usageError(sentence, `Run "sfsync ${command === 'sfsync' ? '' : `${command} `}--help" for usage.`);
}

/** The words of argv that name a command, e.g. "mapping check", for error messages before an action runs. */
function commandFromArgv(program: Command, argv: string[]): string {
  const words: string[] = [];
  let cmd: Command | undefined = program;
  for (const arg of argv) {
    const sub: Command | undefined = cmd?.commands.find((c) => c.name() === arg);
    if (!sub) break;
    words.push(arg);
    cmd = sub;
  }
  return words.length > 0 ? words.join(' ') : 'sfsync';
}

function printOutput(deps: Deps, state: RunState, output: CommandOutput): void {
  if (output.printed) return;
  if (state.json) {
    deps.io.out(JSON.stringify(successEnvelope(state.command, output.result, state.exitCode)));
    return;
  }
  for (const line of output.lines ?? []) deps.io.out(line);
}

/**
 * An error on stderr (or as the one JSON document). A stopped run first shows what it did (its summary on stdout,
 * or its result in the JSON document), and stderr ends with the exact command that continues it.
 */
export function printError(deps: Deps, state: RunState, error: SfsyncError): void {
  // Errors can quote what a server said; no token, code or secret leaves through them.
  const safe = new SfsyncError(error.code, redact(error.message), {
    hint: error.hint && redact(error.hint),
    exitCode: error.exitCode,
    result: error.result,
    resume: error.resume,
  });
  const c = deps.io.colorErr;
  if (state.json) deps.io.out(JSON.stringify(failureEnvelope(state.command, safe)));
  else {
    for (const line of error.summary ?? []) deps.io.out(line);
    deps.io.err(`${c.red('Error:')} ${safe.message}`);
    if (safe.hint) deps.io.err(`${c.dim('Hint:')} ${safe.hint}`);
  }
  if (safe.resume) deps.io.err(`To continue where it stopped, run:\n  ${safe.resume}`);
}

/** Parses argv, runs the command, prints its result or error, and returns the exit code. Never throws. */
export async function main(
  argv: string[],
  deps: Deps,
  handlers: Handlers = defaultHandlers,
): Promise<ExitCode> {
  const state: RunState = { command: 'sfsync', json: argv.includes('--json'), exitCode: ExitCode.Ok };
  // A second Ctrl-C quits at once, from a signal handler: what it leaves undone is printed here all the same.
  const runDeps: Deps = {
    ...deps,
    onInterrupt: (h) =>
      deps.onInterrupt({
        stop: h.stop,
        quit: (signal) => {
          const error = h.quit(signal);
          deps.io.live(null);
          printError(deps, state, error);
          return error;
        },
      }),
  };
  const program = buildProgram(async (name, command, opts) => {
    state.command = command;
    state.json = opts.json;
    const handler = handlers[name] as (o: typeof opts, d: Deps) => Promise<CommandOutput>;
    await deps.ready?.();
    const output = await handler(opts, runDeps);
    state.exitCode = output.exitCode ?? ExitCode.Ok;
    printOutput(deps, state, output);
  });
  routeThroughDeps(program, deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Ok;
      if (err.code === 'commander.help') return ExitCode.Fatal;
      state.command = commandFromArgv(program, argv);
      printError(deps, state, commanderToSfsync(err, state.command));
      return ExitCode.Fatal;
    }
    let error = toSfsyncError(err);
    if (state.command === 'sfsync') state.command = commandFromArgv(program, argv);
    if (error.code === 'USAGE' && error.hint === undefined) error = commanderToSfsync(error, state.command);
    printError(deps, state, error);
    return error.exitCode;
  }
}

export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  // Before conf loads (deps.ready(); see early-signals.ts).
  installEarlySignals();
  const { createDefaultDeps } = await import('./deps.js');
  process.exitCode = await main(argv, createDefaultDeps());
}
