import type { Command } from 'commander';
import type { MappingCheckOptions, MappingInitOptions } from '../commands/options.js';
import { addCommon, common, str } from './parsers.js';
import type { RunCommand } from './run-command.js';

/** sfsync mapping init and mapping check. */
export function addMappingCommands(program: Command, run: RunCommand): void {
  const mapping = program.command('mapping').description('create and check mapping files');
  addCommon(
    mapping
      .command('init <file>')
      .description(
        "propose a mapping from FILE's columns and the object's fields (interactive on a terminal)",
      )
      .option('--object <name>', 'Salesforce object API name (else inferred from the file name)')
      .option('--output <file>', 'where to write the mapping (default: <file>.mapping.yaml)')
      .option('--yes', 'accept every proposal without asking (the default without a terminal)')
      .option('--force', 'overwrite the mapping file if it exists')
      .option('--org <alias>', 'stored org to read metadata from'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync mapping init contacts.csv --object Contact\n  $ sfsync mapping init contacts.csv --object Contact --yes --force`,
    )
    .action(async (file: string, raw: Record<string, unknown>) => {
      const opts: MappingInitOptions = {
        ...common(raw),
        file,
        object: str(raw.object),
        output: str(raw.output),
        yes: raw.yes === true,
        force: raw.force === true,
        org: str(raw.org),
      };
      await run('mappingInit', 'mapping init', opts);
    });
  addCommon(
    mapping
      .command('check <mapping> [file]')
      .description("validate a mapping, against the org's metadata when one is reachable, and FILE's columns")
      .option('--offline', 'check without contacting any org')
      .option('--org <alias>', 'stored org to read metadata from'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync mapping check leads.mapping.yaml leads.ndjson\n  $ sfsync mapping check contacts.mapping.yaml --offline`,
    )
    .action(async (mappingFile: string, file: string | undefined, raw: Record<string, unknown>) => {
      const opts: MappingCheckOptions = {
        ...common(raw),
        mapping: mappingFile,
        file,
        offline: raw.offline === true,
        org: str(raw.org),
      };
      await run('mappingCheck', 'mapping check', opts);
    });
}
