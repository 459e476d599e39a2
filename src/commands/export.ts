import path from 'node:path';
import type { Deps } from '../deps.js';
import { SfsyncError, signalExitCode, usageError, type StopSignal } from '../errors.js';
import { ExportFile, ExportWriter } from '../operations/export-file.js';
import { objectQuery, runExport, type ExportFormat } from '../operations/export.js';
import { HeapGovernor } from '../operations/heap.js';
import { plural, thousands } from '../core/plural.js';
import type { CommonOptions } from './options.js';

export interface ExportOptions extends CommonOptions {
  soql?: string;
  object?: string;
  fields?: string[];
  where?: string;
  limit?: number;
  /** A file, or standard output when absent or `-`. */
  output?: string;
  format?: ExportFormat;
  api: 'rest' | 'bulk' | 'auto';
  allRows: boolean;
  force: boolean;
  org?: string;
  apiVersion?: string;
}

export interface ExportResult {
  soql: string;
  object: string;
  api: 'rest' | 'bulk';
  jobId: string | null;
  records: number;
  columns: string[];
  format: ExportFormat;
  /** The file written; null for standard output. */
  output: string | null;
  allRows: boolean;
  apiCalls: number;
}

/** The format: --format, else the output file's extension (.ndjson, .jsonl), else CSV. */
export function exportFormat(opts: Pick<ExportOptions, 'format' | 'output'>): ExportFormat {
  if (opts.format) return opts.format;
  return opts.output && /\.(ndjson|jsonl)$/i.test(opts.output) ? 'ndjson' : 'csv';
}

export function checkExportOptions(opts: ExportOptions): void {
  if (opts.soql && opts.object)
    throw usageError(
      'Give either a SOQL query or --object, not both.',
      'Put the fields and filter in the query.',
    );
  if (!opts.soql && !opts.object)
    throw usageError(
      'Nothing to export: give a SOQL query or --object NAME.',
      'e.g. sfsync export "SELECT Id, Email FROM Contact" -o contacts.csv, or sfsync export --object Contact',
    );
  if (opts.soql && (opts.fields || opts.where || opts.limit !== undefined))
    throw usageError('--fields, --where and --limit go with --object; a query says them itself.');
  const toStdout = opts.output === undefined || opts.output === '-';
  if (toStdout && opts.json)
    throw usageError(
      '--json needs -o FILE: the records and the JSON document would share standard output.',
      'Add -o FILE (the document then describes the file).',
    );
}

function exportStopped(signal: StopSignal, file: ExportFile | null): SfsyncError {
  return new SfsyncError(
    'INTERRUPTED',
    `Export stopped by ${signal}${file ? `: nothing was written to ${file.file}` : ''}.`,
    { exitCode: signalExitCode(signal) },
  );
}

/** An export that failed leaves no file behind: its error says so. */
function nothingWritten(err: SfsyncError, file: ExportFile): SfsyncError {
  return new SfsyncError(err.code, `${err.message}\nNothing was written to ${file.file}.`, {
    hint: err.hint,
    exitCode: err.exitCode,
    cause: err.cause,
  });
}

/** Writes the records of a query to a file or to standard output, and says what it wrote. */
export async function runExportCommand(
  opts: ExportOptions,
  deps: Pick<Deps, 'connect' | 'io' | 'cwd' | 'onInterrupt'>,
): Promise<ExportResult> {
  checkExportOptions(opts);
  const format = exportFormat(opts);
  const toStdout = opts.output === undefined || opts.output === '-';
  const client = await deps.connect({
    org: opts.org,
    apiVersion: opts.apiVersion,
    trace: opts.verbose ? (line) => deps.io.err(line) : undefined,
  });
  const soql = opts.soql ?? objectQuery(await client.describe(opts.object as string), opts);
  const file = toStdout ? null : new ExportFile(path.resolve(deps.cwd, opts.output as string), opts.force);
  // Ctrl-C or SIGTERM: the rows written so far are dropped with the temporary file (a file of that name is
  // always a whole export) and the export ends with 130 or 143; a second signal quits at once, all the same.
  let stopped: StopSignal | undefined;
  const stopError = (signal: StopSignal): SfsyncError => exportStopped(signal, file);
  const stopListening = deps.onInterrupt({
    stop: (signal) => (stopped = signal),
    quit: (signal) => {
      file?.discard();
      return stopError(signal);
    },
  });
  const writer = new ExportWriter(format, (text) => {
    if (stopped) throw stopError(stopped);
    if (file) file.write(text);
    else deps.io.stdout.write(text);
  });
  const live = deps.io.stderrIsTTY && !opts.json;
  // Rows pass through; the heap is kept near that (see HeapGovernor), as in a sync.
  const heap = new HeapGovernor(64 * 1024 * 1024);
  try {
    const outcome = await runExport(
      { soql, api: opts.api, allRows: opts.allRows, format },
      client,
      writer,
      (n, total) => {
        writer.flush();
        heap.check();
        if (live)
          deps.io.live(`Exporting · ${thousands(n)}${total ? ` of ${thousands(total)}` : ''} records`);
      },
    );
    writer.flush();
    if (stopped) throw stopError(stopped);
    file?.commit();
    return {
      soql,
      object: outcome.object,
      api: outcome.api,
      jobId: outcome.jobId,
      records: outcome.records,
      columns: outcome.columns,
      format,
      output: file ? file.file : null,
      allRows: opts.allRows,
      apiCalls: client.apiCalls(),
    };
  } catch (err) {
    file?.discard();
    throw err instanceof SfsyncError && file && err.code !== 'INTERRUPTED' ? nothingWritten(err, file) : err;
  } finally {
    stopListening();
    if (live) deps.io.live(null);
  }
}

export function renderExport(r: ExportResult): string[] {
  const via = r.api === 'bulk' ? `Bulk API 2.0 query job ${r.jobId}` : 'REST';
  return [
    `Exported ${plural(r.records, `${r.object} record`)} (${plural(r.columns.length, 'column')}, ${r.format.toUpperCase()}) ${r.output ? `to ${r.output}` : 'to standard output'} through ${via}, ${plural(r.apiCalls, 'API call')}${r.allRows ? ', deleted and archived rows included' : ''}.`,
  ];
}
