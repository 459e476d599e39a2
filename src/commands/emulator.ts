import fs from 'node:fs';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { DataFileError, DataFileLockedError } from '../emulator/data-file.js';
import { readSchemaFile, type SchemaSpec } from '../emulator/metadata.js';
import { startEmulator, type Faults } from '../emulator/server.js';
import {
  DuplicateRuleError,
  readDuplicateRulesFile,
  type DuplicateRuleSpec,
} from '../emulator/duplicate-rules.js';
import {
  AssignmentRuleError,
  readAssignmentRulesFile,
  type AssignmentRuleSpec,
} from '../emulator/assignment-rules.js';
import type { EmulatorOptions } from './options.js';

export interface EmulatorInfo {
  instanceUrl: string;
  loginUrl: string;
  accessToken: string;
  clientId: string;
  clientSecret: string;
  username: string;
  orgId: string;
}

export interface EmulatorResult {
  stoppedBy: string;
  apiCalls: number;
}

function readFileOption(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SfsyncError('FILE_UNREADABLE', `${flag} ${file}: ${(err as Error).message}`, {
      hint: `Check the path given to ${flag}.`,
    });
  }
}

function assignmentRulesError(file: string, err: unknown): SfsyncError {
  return new SfsyncError(
    'ASSIGNMENT_RULES_INVALID',
    `--assignment-rules ${file}: ${(err as Error).message}`,
    {
      hint: 'See "Assignment rules" in the README for the file format (name, object, entries with queue or ownerId).',
    },
  );
}

function readAssignmentRules(file: string): AssignmentRuleSpec[] {
  readFileOption(file, '--assignment-rules');
  try {
    return readAssignmentRulesFile(file);
  } catch (err) {
    throw assignmentRulesError(file, err);
  }
}

function dataFileError(err: unknown, file: string): SfsyncError | null {
  if (err instanceof DataFileError) {
    return new SfsyncError('DATA_FILE_INVALID', `--data ${err.message}`, {
      hint:
        err.line === null
          ? `Restore ${file} from a copy, or start the org with another --data file.`
          : `Restore ${file} from a copy, or delete line ${err.line} (losing the changes on it), or start the org with another --data file.`,
    });
  }
  if (err instanceof DataFileLockedError) {
    return new SfsyncError('DATA_FILE_LOCKED', `--data ${err.message}`, {
      hint: `Stop that org first, or use another --data file. If no org uses it, remove ${err.lockFile}.`,
    });
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code && ['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC'].includes(code)) {
    return new SfsyncError('FILE_UNREADABLE', `--data ${file}: ${(err as Error).message}`, {
      hint: 'Check the path given to --data: its folder must exist and be writable.',
    });
  }
  return null;
}

function rulesError(opts: EmulatorOptions, err: unknown): SfsyncError {
  return new SfsyncError(
    'DUPLICATE_RULES_INVALID',
    `--duplicate-rules ${opts.duplicateRules}: ${(err as Error).message}`,
    {
      hint: 'See "Duplicate rules" in the README for the file format (name, object, fields, action).',
    },
  );
}

/** The schema, duplicate rules and assignment rules files the flags name, read and checked, and the faults to inject. */
function readEmulatorFiles(opts: EmulatorOptions): {
  schemas: SchemaSpec[];
  faults: Partial<Faults>;
  duplicateRules: DuplicateRuleSpec[] | undefined;
  assignmentRules: AssignmentRuleSpec[] | undefined;
} {
  let schemas: SchemaSpec[] = [];
  if (opts.schema) {
    readFileOption(opts.schema, '--schema');
    try {
      schemas = [readSchemaFile(opts.schema)];
    } catch (err) {
      throw new SfsyncError('SCHEMA_INVALID', `--schema ${opts.schema}: ${(err as Error).message}`, {
        hint: 'See "Custom objects and fields" in the README for the schema file format.',
      });
    }
  }
  const faults: Partial<Faults> = {};
  if (opts.latencyMs !== undefined) faults.latencyMs = opts.latencyMs;
  if (opts.transientRate !== undefined) faults.transientRate = opts.transientRate;
  if (opts.dropRate !== undefined) faults.dropRate = opts.dropRate;
  if (opts.retryAfterSeconds !== undefined) faults.retryAfterSeconds = opts.retryAfterSeconds;
  if (opts.expireSessionEvery !== undefined) faults.expireSessionEvery = opts.expireSessionEvery;
  if (opts.lockRate !== undefined) faults.lockRate = opts.lockRate;
  if (opts.lockHoldMs !== undefined) faults.lockHoldMs = opts.lockHoldMs;
  const assignmentRules = opts.assignmentRules ? readAssignmentRules(opts.assignmentRules) : undefined;
  let duplicateRules: DuplicateRuleSpec[] | undefined;
  if (opts.duplicateRules) {
    readFileOption(opts.duplicateRules, '--duplicate-rules');
    try {
      duplicateRules = readDuplicateRulesFile(opts.duplicateRules);
    } catch (err) {
      throw rulesError(opts, err);
    }
  }
  return { schemas, faults, duplicateRules, assignmentRules };
}

/**
 * Runs the local org until a stop signal; `onReady` announces where it listens, with what opening the data
 * file repaired or converted; `warn` tells of problems the org survives.
 */
export async function runEmulator(
  opts: EmulatorOptions,
  deps: Pick<Deps, 'waitForStop'>,
  onReady: (info: EmulatorInfo, notices: string[]) => void,
  warn: (message: string) => void = () => {},
): Promise<EmulatorResult> {
  const { schemas, faults, duplicateRules, assignmentRules } = readEmulatorFiles(opts);
  let emulator;
  try {
    emulator = await startEmulator({
      duplicateRules,
      assignmentRules,
      permissions: opts.denyHardDelete ? { bulkApiHardDelete: false } : undefined,
      port: opts.port,
      dataFile: opts.data,
      schemas,
      apiVersion: opts.apiVersion,
      jwtCertificate: opts.jwtCert ? readFileOption(opts.jwtCert, '--jwt-cert') : undefined,
      tokenTtlMs: opts.tokenTtlSeconds === undefined ? undefined : opts.tokenTtlSeconds * 1000,
      dailyApiRequests: opts.dailyApiRequests,
      faults,
      onWarning: warn,
    });
  } catch (err) {
    const dataError = opts.data ? dataFileError(err, opts.data) : null;
    if (dataError) throw dataError;
    if (err instanceof DuplicateRuleError) throw rulesError(opts, err);
    if (err instanceof AssignmentRuleError) throw assignmentRulesError(opts.assignmentRules ?? '', err);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new SfsyncError('PORT_IN_USE', `Port ${opts.port} on 127.0.0.1 is already in use.`, {
        hint: `Run "sfsync emulator --port 0" to pick a free port, or stop what listens on ${opts.port}.`,
      });
    }
    throw err;
  }
  onReady(
    {
      instanceUrl: emulator.instanceUrl,
      loginUrl: emulator.loginUrl,
      accessToken: emulator.accessToken,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      username: emulator.username,
      orgId: emulator.orgId,
    },
    emulator.notices,
  );
  const stoppedBy = await deps.waitForStop();
  const apiCalls = emulator.apiCalls();
  await emulator.close();
  return { stoppedBy, apiCalls };
}

export function renderEmulatorReady(info: EmulatorInfo, dataFile: string | undefined): string[] {
  return [
    `Local Salesforce org listening on ${info.instanceUrl}`,
    `  instance URL   ${info.instanceUrl}`,
    `  login URL      ${info.loginUrl}`,
    `  username       ${info.username}`,
    `  org id         ${info.orgId}`,
    `  client id      ${info.clientId}`,
    `  client secret  ${info.clientSecret}`,
    `  access token   ${info.accessToken}`,
    `  records        ${dataFile ? `kept in ${dataFile}` : 'in memory (use --data FILE to keep them)'}`,
    '',
    'Try it from another terminal:',
    `  export SFSYNC_INSTANCE_URL=${info.instanceUrl}`,
    `  export SFSYNC_ACCESS_TOKEN='${info.accessToken}'`,
    '  sfsync describe Contact',
    'Press Ctrl-C to stop.',
  ];
}
