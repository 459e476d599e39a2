import fs from 'node:fs';

const BLOCK_BYTES = 256 * 1024;

/**
 * A scratch file for records waiting on a Bulk API job: each is written once as the text its result row needs (the
 * input's cells, rendered once and never parsed back) and read back when its outcome is written. The records in
 * flight then cost a file offset each instead of their objects. The file is the owner's only, and removed when
 * the run ends.
 */
export class Spool {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Bytes in the file, and bytes written to it or waiting to be. */
  private written = 0;
  private end = 0;
  /** The last block read from the file, and where it starts. */
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private blockAt = 0;
  private blockBytes = 0;

  constructor(readonly file: string) {
    // Never through a link planted in the results folder.
    const c = fs.constants;
    this.fd = fs.openSync(file, c.O_RDWR | c.O_CREAT | c.O_TRUNC | (c.O_NOFOLLOW ?? 0), 0o600);
  }

  /** Keeps `text`; returns where it is, to read it back with `get`. */
  put(text: string): { at: number; bytes: number } {
    const bytes = Buffer.byteLength(text);
    const at = this.end;
    this.pending.push(text);
    this.pendingBytes += bytes;
    this.end += bytes;
    if (this.pendingBytes >= 1_048_576) this.flush();
    return { at, bytes };
  }

  get(where: { at: number; bytes: number }): string {
    if (where.at + where.bytes > this.written) this.flush();
    // Records are taken back in about the order they were put (a batch at a time): one read of a block serves the
    // records after it too, instead of a read call each.
    let start = where.at - this.blockAt;
    if (start < 0 || start + where.bytes > this.blockBytes) {
      if (this.block.length < where.bytes)
        this.block = Buffer.allocUnsafe(Math.max(where.bytes, BLOCK_BYTES));
      this.blockBytes = fs.readSync(this.fd, this.block, 0, this.block.length, where.at);
      this.blockAt = where.at;
      start = 0;
    }
    return this.block.toString('utf8', start, start + where.bytes);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // Written from the text: no buffer of a megabyte left for the collector each time.
    this.written += fs.writeSync(this.fd, this.pending.join(''), this.written, 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Closes and removes the file. */
  close(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}
