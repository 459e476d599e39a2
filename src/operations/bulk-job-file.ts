import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CsvRowReader } from '../salesforce/csv-rows.js';
import { recordOfRow } from './bulk-csv.js';

/** Text gathered before one write to the file: one write call per megabyte, not per line. */
const WRITE_CHARS = 1 << 20;

let serial = 0;

/**
 * The CSV of one Bulk job as it fills, on disk: a job of up to 100 MB costs its memory only while a megabyte of it
 * is gathered, and its upload streams from the file (sent again from it when a cut-off upload goes to a new job).
 * The file is the owner's only, in the results folder (or a private temporary folder), and removed once the job
 * has ended.
 */
export class BulkJobFile {
  readonly file: string;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingChars = 0;
  private written = 0;

  constructor(folder: string | undefined) {
    const dir = folder ?? privateTemp();
    this.file = path.join(dir, `bulk-job-${process.pid}-${++serial}.csv.tmp`);
    const c = fs.constants;
    // Never through a link planted in the folder.
    this.fd = fs.openSync(this.file, c.O_WRONLY | c.O_CREAT | c.O_TRUNC | (c.O_NOFOLLOW ?? 0), 0o600);
  }

  append(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= WRITE_CHARS) this.flush();
  }

  /** Puts the rest on disk and closes the file for writing; returns its size in bytes. */
  finish(): number {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    return this.written;
  }

  /**
   * The records of the job as they were written (after its header), read back from the file: for a job whose upload
   * was refused (nothing of it applied), to send its records again.
   */
  records(columns: readonly string[]): Array<Record<string, unknown>> {
    const at = columns.map((_, i) => i);
    const records: Array<Record<string, unknown>> = [];
    let header = true;
    const reader = new CsvRowReader((row) => {
      if (header) header = false;
      else records.push(recordOfRow(columns, row, at));
    });
    const fd = fs.openSync(this.file, 'r');
    try {
      const block = Buffer.allocUnsafe(1 << 20);
      const decoder = new TextDecoder('utf-8');
      for (let pos = 0, n; (n = fs.readSync(fd, block, 0, block.length, pos)) > 0; pos += n)
        reader.push(decoder.decode(block.subarray(0, n), { stream: true }));
      reader.push(decoder.decode());
    } finally {
      fs.closeSync(fd);
    }
    reader.end();
    return records;
  }

  remove(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.file, { force: true });
  }

  private flush(): void {
    if (this.pending.length === 0 || this.fd === undefined) return;
    // Written from the text: no buffer of a megabyte left for the collector each time.
    this.written += fs.writeSync(this.fd, this.pending.join(''), this.written, 'utf8');
    this.pending = [];
    this.pendingChars = 0;
  }
}

/**
 * Job files a run before this one left in its results folder (killed, it could not remove them): the folder is
 * this run's alone now (results-lock.ts), and a resume settles those jobs from their results, never their files.
 */
export function removeStaleJobFiles(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names)
    if (/^bulk-job-\d+-\d+\.csv\.tmp$/.test(name)) fs.rmSync(path.join(dir, name), { force: true });
}

let temp: string | undefined;

/** A folder only this user can read, for job files of a writer that was given no results folder. */
function privateTemp(): string {
  if (temp) return temp;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-bulk-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  temp = dir;
  return dir;
}
