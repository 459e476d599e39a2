import fs from 'node:fs';
import path from 'node:path';
import { SfsyncError } from '../errors.js';
import type { ExportFormat, ExportSink } from './export.js';
import { csvField } from '../core/csv-quote.js';

/** Text of a value in an exported CSV: as Salesforce gives it, null empty, nothing guarded (it is fed back as is). */
function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return csvField(value);
  if (typeof value === 'object') return csvField(JSON.stringify(value));
  return csvField(String(value));
}

/** Writes exported rows as CSV or NDJSON through `write`, in pieces of about 64 KB. */
export class ExportWriter implements ExportSink {
  private columns: string[] = [];
  private buffer: string[] = [];
  private size = 0;
  constructor(
    private readonly format: ExportFormat,
    private readonly write: (text: string) => void,
  ) {}

  begin(columns: string[]): void {
    this.columns = columns;
    if (this.format === 'csv') this.push(`${columns.map(csvField).join(',')}\n`);
  }

  row(values: unknown[]): void {
    if (this.format === 'csv') this.push(`${values.map(csvText).join(',')}\n`);
    else {
      const record: Record<string, unknown> = {};
      this.columns.forEach((c, i) => (record[c] = values[i] ?? null));
      this.push(`${JSON.stringify(record)}\n`);
    }
  }

  private push(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= 65_536) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    this.write(this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
}

/**
 * An export file written under a temporary name beside it and renamed into place when the export completed, so a
 * file of that name is always a whole export; owner-only, as the records may be personal data.
 */
export class ExportFile {
  readonly partial: string;
  private readonly fd: number;
  constructor(
    readonly file: string,
    force: boolean,
  ) {
    if (!force && fs.existsSync(file))
      throw new SfsyncError('EXPORT_FILE_EXISTS', `${file} exists already.`, {
        hint: 'Choose another -o FILE, or add --force to replace it.',
      });
    this.partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
    const c = fs.constants;
    this.fd = fs.openSync(this.partial, c.O_WRONLY | c.O_CREAT | c.O_EXCL | (c.O_NOFOLLOW ?? 0), 0o600);
  }

  write(text: string): void {
    fs.writeSync(this.fd, text);
  }

  /** Puts the finished file in place. */
  commit(): void {
    fs.closeSync(this.fd);
    fs.renameSync(this.partial, this.file);
  }

  /** Removes what was written of an export that did not finish. */
  discard(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
    fs.rmSync(this.partial, { force: true });
  }
}
