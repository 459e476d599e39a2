import path from 'node:path';
import type { SyncOptions } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import { readRecords } from '../input/read-records.js';
import { columnsForDelete, fieldColumns } from '../input/results-columns.js';
import { checkInputFile, formatFromFile } from '../input/source.js';
import type { InputRecord } from '../input/types.js';
import type { CompiledMapping, MappingProblem } from '../mapping/compile.js';
import { implicitMapping } from '../mapping/implicit-mapping.js';
import { caseClash, missingColumns } from '../mapping/missing-columns.js';
import type { Mapping } from '../mapping/types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { hardDeleteConfirmation } from './hard-delete.js';
import type { ObjectSource } from './infer-object.js';
import { fileIdentity, type FileIdentity } from './journal.js';
import {
  compileMapping,
  offlineObject,
  peek,
  planMatching,
  problemsError,
  resolveObject,
  type MatchPlan,
} from './prepare.js';
import { checkRunFolder } from './run-folder.js';
import type { SyncEvents } from './sync-events.js';
import type { SyncPorts } from './sync-ports.js';
import { refuseUncertainCreates } from './uncertain-input.js';

/** The input, opened and its first record read; what is wrong with the file, the mapping or the folder is said first. */
export interface SyncInput {
  mapping: Mapping;
  format: 'csv' | 'ndjson';
  /** The resolved path, or `-`. */
  file: string;
  first: InputRecord | undefined;
  all: AsyncIterable<InputRecord[]>;
  /** The CSV header, once read; `jsonRecords` when a failures file of an NDJSON run carries JSON records. */
  seen: { header?: string[]; jsonRecords: boolean; originLost?: boolean };
  confirmHard: ((object: string, org: string) => Promise<void>) | null;
  /** The file's size, time and SHA-256, read once for the run (its journal, a saved key count); null for `-`. */
  identity: (() => Promise<FileIdentity>) | null;
}

export async function openInput(opts: SyncOptions, ports: SyncPorts): Promise<SyncInput> {
  if (opts.file !== '-') checkInputFile(path.resolve(ports.cwd, opts.file));
  const confirmHard = hardDeleteConfirmation(opts, ports.confirm);
  // Reading a mapping file loads its schema validator (ajv) and YAML parser: a run without one never does.
  const mapping = opts.mapping
    ? (await import('../mapping/load-mapping.js')).loadMapping(path.resolve(ports.cwd, opts.mapping))
    : implicitMapping();
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
  const file = opts.file === '-' ? '-' : path.resolve(ports.cwd, opts.file);
  // Before the org is reached and the file counted (minutes on a big one): a run refused for its folder is
  // refused at once.
  await checkRunFolder(opts, ports.cwd, file);
  if (opts.operation === 'create' && format === 'csv' && file !== '-')
    await refuseUncertainCreates(file, opts.file, opts.delimiter);
  const seen: SyncInput['seen'] = { jsonRecords: false };
  const { first, all } = await peek(
    readRecords({
      file,
      format,
      delimiter: opts.delimiter,
      encoding: opts.encoding,
      stdin: ports.stdin,
      onHeader: (h, json, originLost) => {
        // A failures file of an NDJSON run: read as CSV, its records are JSON, with no header of their own.
        if (json) seen.jsonRecords = true;
        else seen.header = h;
        seen.originLost = originLost;
      },
    }),
  );
  // Without a mapping the columns are the fields: two names one to Salesforce cannot both be written.
  const clash = !opts.mapping && seen.header ? caseClash(seen.header) : null;
  if (clash)
    throw new SfsyncError(
      'CSV_HEADER_INVALID',
      `${opts.file === '-' ? 'standard input' : opts.file}, line 1: the header names "${clash.first}" (column ${clash.at[0]}) and "${clash.second}" (column ${clash.at[1]}), one name to Salesforce, which ignores case.`,
      {
        hint: 'Rename or remove one of the columns, or pass --mapping FILE naming the column each field reads, spelled as the header spells it.',
      },
    );
  let identity: Promise<FileIdentity> | undefined;
  const identify = file === '-' ? null : () => (identity ??= fileIdentity(file));
  return { mapping, format, file, first, all, seen, confirmHard, identity: identify };
}

/** The org, the object and the compiled mapping the run writes with; null client when offline. */
export interface SyncTarget {
  client: SalesforceClient | null;
  offline: boolean;
  objectSource: ObjectSource;
  object: ObjectInfo;
  compiled: CompiledMapping;
  matching: MatchPlan;
  /** The input's columns as read (the CSV header, or the first record's keys). */
  columns: string[];
}

export async function prepareTarget(
  opts: SyncOptions,
  ports: SyncPorts,
  input: SyncInput,
  emit: SyncEvents,
): Promise<SyncTarget> {
  const { mapping, format, file } = input;
  const offline = opts.dryRun && opts.offline;
  const client = offline
    ? null
    : await ports.connect({
        org: opts.org,
        apiVersion: opts.apiVersion,
        mappingApiVersion: mapping.apiVersion,
        trace: opts.verbose ? (line) => emit({ type: 'trace', line }) : undefined,
      });
  // From the first call: --max-api-calls counts every call of the run, the describes included.
  if (client && !opts.dryRun) client.setBudget(opts.maxApiCalls);
  const objectChoice = await resolveObject(opts, mapping, client);
  // The CSV header names the columns even when the first record is malformed.
  const header = input.seen.header;
  const read = header ?? (input.first?.values ? Object.keys(input.first.values) : []);
  // A results file's origin columns go on to the new results, never to a field.
  const columns = fieldColumns(
    opts.operation === 'delete' && !opts.mapping && format === 'csv' && file !== '-'
      ? columnsForDelete(file, read, opts.match)
      : read,
  );
  const object = client
    ? await client.describe(objectChoice.name)
    : offlineObject(objectChoice.name, mapping, columns);
  const compiled = await compileMapping(mapping, object, opts.operation, columns, (name) =>
    client ? client.describe(name) : Promise.resolve(offlineObject(name, mapping, columns)),
  );
  // NDJSON without a mapping: the first record's keys are the fields; a later record's other keys are refused.
  if (!opts.mapping && (format === 'ndjson' || input.seen.jsonRecords)) compiled.onlyKeys = new Set(columns);
  const matching = planMatching(opts, mapping, compiled, offline);
  if (input.seen.originLost) compiled.warnings.push(originLost(opts.file));
  // A mapping's column missing from the CSV header would leave its field unwritten in every record, silently.
  const absent: MappingProblem[] =
    opts.mapping && header ? missingColumns(mapping, Object.fromEntries(header.map((h) => [h, '']))) : [];
  const problems = [...absent, ...compiled.problems, ...matching.problems];
  if (problems.length > 0)
    throw problemsError(problems, mapping.file ?? (opts.file === '-' ? 'Standard input' : opts.file));
  return {
    client,
    offline,
    objectSource: objectChoice.source,
    object,
    compiled,
    matching: matching.plan,
    columns: read,
  };
}

/** A results file fed back away from its folder: its records' lines are known, not the file they came from. */
function originLost(file: string): MappingProblem {
  return {
    where: file === '-' ? 'standard input' : file,
    message:
      "an sfsync results file read without its results folder's journal.ndjson, so the file its records came from is unknown: the results name each record's original_line but no original_file. Read the failures.csv inside its results folder to have both.",
  };
}
