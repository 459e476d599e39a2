import { Option, type Command } from 'commander';
import type { EmulatorOptions } from '../commands/options.js';
import { addCommon, apiVersionParser, common, intParser, rateParser, str } from './parsers.js';
import type { RunCommand } from './run-command.js';

/** sfsync emulator: the local org, with its fault injection. */
export function addEmulatorCommand(program: Command, run: RunCommand): void {
  addCommon(
    program
      .command('emulator')
      .description('run the built-in local Salesforce-compatible org on 127.0.0.1')
      .option('--port <n>', 'port to listen on (0 picks a free one)', intParser(0, 65535), 8383)
      .option('--data <file>', "keep the org's records in this file across restarts")
      .option('--schema <file>', 'custom objects and fields to add (JSON or YAML)')
      .option('--api-version <v>', 'newest API version the org offers', apiVersionParser)
      .option('--jwt-cert <file>', 'certificate (PEM) that verifies JWT bearer logins')
      .option('--token-ttl <seconds>', 'lifetime of access tokens (default 7200)', intParser(1, 31_536_000))
      .option('--api-limit <n>', 'DailyApiRequests limit (default 100000)', intParser(1, 1_000_000_000))
      .option('--latency <ms>', 'fault injection: delay every API call', intParser(0, 600_000))
      .option(
        '--transient-rate <0-1>',
        'fault injection: share of calls failing with 503 or UNABLE_TO_LOCK_ROW',
        rateParser,
      )
      .option(
        '--drop-rate <0-1>',
        'fault injection: share of connections dropped without an answer',
        rateParser,
      )
      .option(
        '--retry-after <seconds>',
        'fault injection: the Retry-After header of injected 503 answers',
        intParser(1, 3600),
      )
      .option(
        '--expire-every <n>',
        'fault injection: every Nth call finds its session expired',
        intParser(1, 1_000_000_000),
      )
      .option('--duplicate-rules <file>', 'duplicate rules to enforce (JSON or YAML; see README)')
      .option('--deny-hard-delete', 'the user lacks the "Bulk API Hard Delete" permission')
      .option('--assignment-rules <file>', 'Lead and Case assignment rules (JSON or YAML; see README)')
      .addOption(
        new Option(
          '--lock-rate <0-1>',
          'row lock faults: share of records refused with UNABLE_TO_LOCK_ROW when a parallel call holds their parent',
        ).argParser(rateParser),
      )
      .addOption(
        new Option(
          '--lock-hold <ms>',
          'row lock faults: how long a call holds its parent rows (default 25)',
        ).argParser(intParser(0, 60_000)),
      ),
  )
    .addHelpText(
      'after',
      `\nExamples:\n  $ sfsync emulator --port 8383 --data org.json\n  $ sfsync emulator --json   # one JSON line with the URL and a token, then serves`,
    )
    .action(async (raw: Record<string, unknown>) => {
      const opts: EmulatorOptions = {
        ...common(raw),
        port: raw.port as number,
        data: str(raw.data),
        schema: str(raw.schema),
        apiVersion: str(raw.apiVersion),
        jwtCert: str(raw.jwtCert),
        tokenTtlSeconds: raw.tokenTtl as number | undefined,
        dailyApiRequests: raw.apiLimit as number | undefined,
        latencyMs: raw.latency as number | undefined,
        transientRate: raw.transientRate as number | undefined,
        dropRate: raw.dropRate as number | undefined,
        retryAfterSeconds: raw.retryAfter as number | undefined,
        expireSessionEvery: raw.expireEvery as number | undefined,
        duplicateRules: str(raw.duplicateRules),
        denyHardDelete: raw.denyHardDelete === true ? true : undefined,
        assignmentRules: str(raw.assignmentRules),
        lockRate: raw.lockRate as number | undefined,
        lockHoldMs: raw.lockHold as number | undefined,
      };
      await run('emulator', 'emulator', opts);
    });
}
