import { Option, type Command } from 'commander';
import type { PlanCheckOptions, PlanRunOptions } from '../commands/run-plan.js';
import { addCommon, common, intParser, str } from './parsers.js';
import type { RunCommand } from './run-command.js';

/** sfsync run PLAN and sfsync plan check PLAN. */
export function addPlanCommands(program: Command, run: RunCommand): void {
  addCommon(
    program
      .command('run <plan>')
      .description('run a plan: several files and objects in dependency order, with references between them')
      .option(
        '--dry-run',
        'predict every step, references to records the plan would create included; write nothing',
      )
      .option('--resume', 'continue a stopped plan: finished steps are skipped, a half-done step continues')
      .option(
        '--restart',
        'start although an earlier run of the plan is unfinished, and create again the records of create steps whose file is unchanged since the last run',
      )
      .option(
        '--results <dir>',
        'folder for the plan (a subfolder per step; default ./sfsync-results/<timestamp>-plan-<name>)',
      )
      .addOption(
        new Option('--api <api>', 'REST, Bulk API 2.0, or auto by size').choices(['rest', 'bulk', 'auto']),
      )
      .option('--batch-size <n>', 'records per call (REST) or per Bulk job', intParser(1, 150000000))
      .option('--concurrency <n>', 'batches in flight at once (default 4)', intParser(1, 32))
      .option('--org <alias>', 'stored org to use (default: SFSYNC_ORG, then the default org)'),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync plan check load.plan.yaml\n  $ sfsync run load.plan.yaml --dry-run\n  $ sfsync run load.plan.yaml --results out/load\n  $ sfsync run load.plan.yaml --resume --results out/load`,
    )
    .action(async (plan: string, raw: Record<string, unknown>) => {
      const opts: PlanRunOptions = {
        ...common(raw),
        plan,
        dryRun: raw.dryRun === true,
        resume: raw.resume === true,
        restart: raw.restart === true,
        results: str(raw.results),
        api: raw.api as PlanRunOptions['api'],
        batchSize: raw.batchSize as number | undefined,
        concurrency: raw.concurrency as number | undefined,
        org: str(raw.org),
      };
      await run('runPlan', 'run', opts);
    });
  const plan = program.command('plan').description('check plans');
  addCommon(
    plan
      .command('check <plan>')
      .description("check a plan's files, objects, fields and references against the org, and show its order")
      .option('--org <alias>', 'stored org to read metadata from'),
  ).action(async (file: string, raw: Record<string, unknown>) => {
    const opts: PlanCheckOptions = { ...common(raw), plan: file, org: str(raw.org) };
    await run('planCheck', 'plan check', opts);
  });
}
