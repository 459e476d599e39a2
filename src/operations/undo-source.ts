import fs from 'node:fs';
import path from 'node:path';
import { SfsyncError } from '../errors.js';
import {
  BEFORE_FILE,
  BEFORE_VERSION,
  type BeforeEntry,
  type BeforeHeader,
  type WrittenMark,
} from './before-images.js';

const OPS = new Set(['update', 'delete', 'create', 'undelete']);
/** How a `written` line starts, as JSON.stringify writes it. */
const MARK = Buffer.from('{"op":"written"');

function unreadable(file: string, problem: string): SfsyncError {
  return new SfsyncError('UNDO_NOT_POSSIBLE', `${file}: ${problem}, so the run cannot be undone from it.`, {
    hint: 'Pass the results folder a run printed (results: ...); it holds the before.ndjson that run wrote.',
  });
}

/**
 * A run's before-images, newest first: an undo takes back the last write first, so a record several writes
 * touched ends as it was before the first. Only the start of each line is kept in memory (8 bytes a line); the
 * lines are read back one at a time.
 */
export class BeforeImagesFile {
  readonly file: string;
  readonly header: BeforeHeader;
  private starts = new Float64Array(1024);
  private lines = 0;
  private marks = 0;
  private size = 0;

  constructor(dir: string) {
    this.file = path.join(dir, BEFORE_FILE);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      throw new SfsyncError('UNDO_NOT_POSSIBLE', `${dir} is not a folder.`, {
        hint: 'Pass the results folder of the run to undo (the run printed it: results: ...).',
      });
    if (!fs.existsSync(this.file))
      throw new SfsyncError(
        'UNDO_NOT_POSSIBLE',
        `${dir} has no ${BEFORE_FILE}: it is not the results folder of a run that wrote records (a dry run writes none, and runs of sfsync before undo existed kept no before-images).`,
        { hint: 'Pass the results folder of the run to undo (the run printed it: results: ...).' },
      );
    this.index();
    const first = this.readLine(1);
    let header: Partial<BeforeHeader> | null = null;
    try {
      header = JSON.parse(first) as Partial<BeforeHeader>;
    } catch {
      // Said below.
    }
    if (
      !header ||
      header.kind !== 'sfsync-before-images' ||
      (header.v !== 1 && header.v !== BEFORE_VERSION) ||
      typeof header.object !== 'string'
    )
      throw unreadable(
        this.file,
        `line 1 is not a before-images header this sfsync reads (version 1 to ${BEFORE_VERSION}; a later sfsync wrote a later one)`,
      );
    this.header = header as BeforeHeader;
  }

  /** Entries in the file (its lines after the header, but for the `written` lines). */
  get entries(): number {
    return Math.max(0, this.lines - 1 - this.marks);
  }

  /** Whether the line starting at `start` is a `written` line (`buf` holds the file from `at`). */
  private isMark(fd: number, buf: Buffer, at: number, n: number, start: number): boolean {
    const from = start - at;
    if (from + MARK.length <= n) return buf.compare(MARK, 0, MARK.length, from, from + MARK.length) === 0;
    const head = Buffer.alloc(MARK.length);
    fs.readSync(fd, head, 0, MARK.length, start);
    return head.equals(MARK);
  }

  /** Where each line starts, in one pass over the file. */
  private index(): void {
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      let at = 0;
      let lineStart = 0;
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, at);
        if (n === 0) break;
        for (let i = 0; i < n; i++)
          if (buf[i] === 10) {
            this.push(lineStart);
            lineStart = at + i + 1;
            if (this.isMark(fd, buf, at, n, lineStart)) this.marks++;
          }
        at += n;
      }
      // A last line without its newline was cut short by a killed run: kept, and skipped if it does not read.
      if (lineStart < at) this.push(lineStart);
      this.size = at;
    } finally {
      fs.closeSync(fd);
    }
  }

  private push(start: number): void {
    if (this.lines === this.starts.length) {
      const grown = new Float64Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.lines++] = start;
  }

  /** The text of a line (1-based). */
  private readLine(n: number, fd?: number): string {
    const start = this.starts[n - 1] ?? 0;
    const end = n < this.lines ? (this.starts[n] ?? this.size) : this.size;
    const own = fd ?? fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(end - start);
      fs.readSync(own, buf, 0, buf.length, start);
      return buf.toString('utf8').replace(/\r?\n$/, '');
    } finally {
      if (fd === undefined) fs.closeSync(own);
    }
  }

  /**
   * Every entry with its line number, newest first, with the time its write was answered (`at`) when the file says:
   * a `written` line comes after the entries of its call, so it is read before them (one time kept per call).
   */
  *newestFirst(): Generator<{ line: number; entry: BeforeEntry }> {
    const fd = fs.openSync(this.file, 'r');
    const answered = new Map<string, string>();
    try {
      for (let n = this.lines; n >= 2; n--) {
        const text = this.readLine(n, fd);
        if (text.trim() === '') continue;
        let entry: BeforeEntry | WrittenMark;
        try {
          entry = JSON.parse(text) as BeforeEntry | WrittenMark;
        } catch {
          if (n === this.lines) continue;
          throw unreadable(this.file, `line ${n} is not a before-image`);
        }
        if (entry.op === 'written') {
          if (typeof entry.w === 'string' && typeof entry.at === 'string') answered.set(entry.w, entry.at);
          continue;
        }
        if (!OPS.has(entry.op) || typeof entry.id !== 'string')
          throw unreadable(this.file, `line ${n} is not a before-image`);
        if (entry.w !== undefined && entry.at === undefined) {
          const at = answered.get(entry.w);
          if (at !== undefined) entry.at = at;
        }
        yield { line: n, entry };
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}
