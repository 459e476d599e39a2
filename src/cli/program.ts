import { createRequire } from 'node:module';
import { Command } from 'commander';
import { ENVIRONMENT_HELP, EXIT_CODES_HELP, PROGRAM_EXAMPLES } from '../help-text.js';
import {
  addCompletionCommand,
  addDescribeCommand,
  addExportCommand,
  addResultsCommand,
} from './data-commands.js';
import { addEmulatorCommand } from './emulator-command.js';
import { addMappingCommands } from './mapping-commands.js';
import { addLoginCommand, addOrgCommands } from './org-commands.js';
import { addPlanCommands } from './plan-commands.js';
import type { RunCommand } from './run-command.js';
import { addSyncCommand } from './sync-command.js';
import { addUndoCommand } from './undo-command.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * The command tree. Actions turn flags into typed options and hand them to `run`, which the caller supplies,
 * so a test can capture parsed options without running anything.
 */
export function buildProgram(run: RunCommand): Command {
  const program = new Command('sfsync')
    .description(
      'Load CSV and NDJSON files into Salesforce: create, update, upsert and delete with record matchers.',
    )
    .version(pkg.version, '-v, --version', 'print the sfsync version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .addHelpText('after', `\n${PROGRAM_EXAMPLES}\n\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}`);

  addLoginCommand(program, run);
  addOrgCommands(program, run);
  for (const operation of ['create', 'update', 'upsert', 'delete'] as const) {
    addSyncCommand(program, operation, (opts) => run('sync', operation, opts));
  }
  addDescribeCommand(program, run);
  addExportCommand(program, run);
  addUndoCommand(program, run);
  addResultsCommand(program, run);
  addCompletionCommand(program, run);
  addMappingCommands(program, run);
  addPlanCommands(program, run);
  addEmulatorCommand(program, run);
  return program;
}
