import fs from 'node:fs';
import path from 'node:path';
import {
  entryId,
  entryOf,
  entryProblem,
  fsyncDir,
  isObject,
  readLines,
  writeAll,
  type Entry,
  type ReadOutcome,
} from './data-file-io.js';
import { DataFileLockedError, releaseLock, takeLock } from './data-file-lock.js';
import type { ObjectData, OrgCounters, OrgStore } from './store.js';
import type { Row } from './values.js';

/*
 * The data file is an append-only log of JSON lines:
 *
 *   {"format":"sfsync-emulator-data","version":2}
 *   {"counters":{"ids":{"003":2},"caseNumber":1000},"records":[{"o":"Contact","live":{"Id":"003…",…}}]}
 *   {"records":[{"o":"Contact","deleted":{…}},{"o":"Account","gone":"001…"}]}
 *
 * Each line after the first holds the state of the records that changed since the line before (live, in the
 * recycle bin, or gone: created by a call that was rolled back), and the counters when an id or case number
 * was issued. A line is written with one write before any answer that reports its changes leaves the
 * server, so a kill loses no acknowledged write, and it is all or nothing: a kill mid-write leaves a last
 * line without its newline, which is ignored and cut off; an allOrNone call is on one line. Replayed in
 * order on start, the lines give the org back; when they hold far more entries than there are records, the
 * file is rewritten (compacted) atomically.
 */

const FORMAT = 'sfsync-emulator-data';
const VERSION = 2;
const ROWS_PER_SNAPSHOT_LINE = 1000;
/** Entries a log may hold beyond twice the records before it is compacted. */
const COMPACT_SLACK = 10_000;

/** The data file of sfsync 0.1: one JSON document, rewritten whole a moment after each write. */
interface LegacyOrg {
  version: 1;
  objects: Record<string, { live: Row[]; deleted: Row[] }>;
}

/** A data file that cannot be read back; `line` is 1-based, null for the file as a whole. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}, line ${line}: ${reason}`);
    this.name = 'DataFileError';
  }
}

/** The org's records in a file: replayed on open, then every change appended before it is acknowledged. */
export class DataLog {
  private fd: number | null = null;
  /** Bytes of complete lines in the file. */
  private size = 0;
  /** Record entries in the file, to tell when it is worth compacting. */
  private entries = 0;
  private compactFloor = 0;
  private readonly pending = new Map<string, ObjectData>();
  private countersWritten = -1;
  /** Records of objects the current schema lacks (a --schema left out): kept as they are, not dropped. */
  private readonly orphans = new Map<string, Entry>();
  private flushScheduled: NodeJS.Immediate | null = null;
  private lock: string | null = null;
  /** Set when a failed write could not be taken back: nothing more may be appended after the partial line. */
  private broken: Error | null = null;
  /** What opening the file repaired or converted, for the person running the org. */
  readonly notices: string[] = [];

  private constructor(
    readonly file: string,
    private readonly store: OrgStore,
  ) {}

  /** Reads the file into the store (creating it when missing) and starts logging the store's changes. */
  static open(file: string, store: OrgStore): DataLog {
    const log = new DataLog(file, store);
    log.lock = takeLock(file);
    try {
      log.load();
    } catch (err) {
      log.close();
      throw err;
    }
    store.onChange = (object, id) => {
      log.pending.set(id, object);
      log.flushScheduled ??= setImmediate(() => {
        log.flushScheduled = null;
        try {
          log.flush();
        } catch {
          // The changes stay pending: the next answer writes them first, or fails rather than acknowledge them.
        }
      });
    };
    return log;
  }

  /** Appends every pending change as one line; throws (and leaves the file as it was) when it cannot. */
  flush(): void {
    if (this.fd === null) return;
    const stamp = this.store.countersStamp();
    if (this.pending.size === 0 && stamp === this.countersWritten) return;
    if (this.broken) throw this.broken;
    const line: { counters?: OrgCounters; records?: Entry[] } = {};
    if (stamp !== this.countersWritten) line.counters = this.store.counters();
    if (this.pending.size > 0) {
      const records: Entry[] = [];
      for (const [id, object] of this.pending) records.push(entryOf(object, id));
      line.records = records;
    }
    this.append(`${JSON.stringify(line)}\n`);
    this.entries += this.pending.size;
    this.pending.clear();
    this.countersWritten = stamp;
    if (this.entries > Math.max(2 * this.records() + COMPACT_SLACK, this.compactFloor)) {
      try {
        this.compact();
      } catch {
        // The log is intact and complete; try again once it has grown as much again.
        this.compactFloor = 2 * this.entries;
      }
    }
  }

  close(): void {
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    try {
      this.flush();
    } finally {
      this.store.onChange = null;
      if (this.fd !== null) fs.closeSync(this.fd);
      this.fd = null;
      if (this.lock) releaseLock(this.lock);
      this.lock = null;
    }
  }

  private append(text: string): void {
    const fd = this.fd as number;
    let bytes: number;
    try {
      bytes = writeAll(fd, text);
    } catch (err) {
      // A partial line must not stay in the middle of the log, where it would no longer be the torn last one.
      try {
        fs.ftruncateSync(fd, this.size);
      } catch {
        // Then it stays the torn last line, ignored on the next start, as long as nothing follows it.
        this.broken = err as Error;
      }
      throw err;
    }
    this.size += bytes;
  }

  private records(): number {
    let n = this.orphans.size;
    for (const o of this.store.objects()) n += o.live.size + o.deleted.size;
    return n;
  }

  private load(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.compact();
      return;
    }
    let outcome: ReadOutcome | 'legacy' | 'empty';
    try {
      outcome = this.replay(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (outcome === 'legacy') {
      this.loadLegacy();
      this.compact();
      this.notices.push(`Converted ${this.file} to the append-only format of this sfsync version.`);
      return;
    }
    if (outcome === 'empty' || this.entries > 2 * this.records() + COMPACT_SLACK) {
      this.compact();
    } else {
      this.fd = fs.openSync(this.file, 'a', 0o600);
      if (outcome.tornBytes > 0) fs.ftruncateSync(this.fd, outcome.completeBytes);
      this.size = outcome.completeBytes;
      this.countersWritten = this.store.countersStamp();
    }
    if (outcome !== 'empty' && outcome.tornBytes > 0) {
      this.notices.push(
        `Ignored the last ${outcome.tornBytes} bytes of ${this.file}: an incomplete change left by a stop mid-write, never acknowledged.`,
      );
    }
  }

  private replay(fd: number): ReadOutcome | 'legacy' | 'empty' {
    const head = Buffer.alloc(64);
    const headBytes = fs.readSync(fd, head, 0, head.length, 0);
    if (headBytes === 0) return 'empty';
    if (/^\s*\{\s*"version"\s*:\s*1\s*,/.test(head.subarray(0, headBytes).toString('utf8'))) return 'legacy';
    const outcome = readLines(fd, (text, line) => {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (err) {
        throw new DataFileError(this.file, line, `not valid JSON (${(err as Error).message})`);
      }
      if (line === 1) return this.checkHeader(doc);
      const problem = this.apply(doc);
      if (problem) throw new DataFileError(this.file, line, problem);
    });
    if (outcome.completeBytes === 0) {
      throw new DataFileError(this.file, 1, `not an sfsync local org data file (no "${FORMAT}" first line)`);
    }
    return outcome;
  }

  private checkHeader(doc: unknown): void {
    if (!isObject(doc) || doc.format !== FORMAT) {
      throw new DataFileError(this.file, 1, `not an sfsync local org data file (no "${FORMAT}" first line)`);
    }
    if (doc.version !== VERSION) {
      throw new DataFileError(
        this.file,
        1,
        typeof doc.version === 'number' && doc.version > VERSION
          ? `written by a newer sfsync (data file version ${doc.version}; this one reads ${VERSION})`
          : `unknown data file version ${JSON.stringify(doc.version)}`,
      );
    }
  }

  /** Applies one line to the store; returns why it cannot, or null. */
  private apply(doc: unknown): string | null {
    if (!isObject(doc)) return 'expected a JSON object with "records" and/or "counters"';
    const { counters, records } = doc;
    if (counters !== undefined) {
      if (
        !isObject(counters) ||
        (counters.caseNumber !== undefined && typeof counters.caseNumber !== 'number') ||
        (counters.ids !== undefined &&
          (!isObject(counters.ids) || !Object.values(counters.ids).every((n) => typeof n === 'number')))
      )
        return '"counters" must be {"ids": {prefix: number}, "caseNumber": number}';
      this.store.restoreCounters(counters);
    }
    if (records === undefined) return counters === undefined ? 'a line needs "records" or "counters"' : null;
    if (!Array.isArray(records)) return '"records" must be a list';
    for (const raw of records) {
      const problem = entryProblem(raw);
      if (problem) return problem;
      const e = raw as Entry;
      const id = entryId(e);
      this.store.ids.observe(id);
      this.entries++;
      const object = this.store.object(e.o);
      if (!object) {
        if ('gone' in e) this.orphans.delete(id);
        else this.orphans.set(id, e);
        continue;
      }
      this.store.restore(
        object,
        id,
        'live' in e ? e.live : undefined,
        'deleted' in e ? e.deleted : undefined,
      );
    }
    return null;
  }

  private loadLegacy(): void {
    let saved: LegacyOrg;
    try {
      saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as LegacyOrg;
    } catch (err) {
      throw new DataFileError(this.file, null, `not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(saved.objects))
      throw new DataFileError(this.file, null, 'expected "objects" in a version 1 file');
    for (const [name, rows] of Object.entries(saved.objects)) {
      const lists: Array<['live' | 'deleted', unknown]> = [
        ['live', rows?.live],
        ['deleted', rows?.deleted],
      ];
      for (const [kind, list] of lists) {
        for (const row of Array.isArray(list) ? (list as unknown[]) : []) {
          const entry = { o: name, [kind]: row } as Entry;
          const problem = entryProblem(entry);
          if (problem) throw new DataFileError(this.file, null, `objects.${name}.${kind}: ${problem}`);
          this.apply({ records: [entry] });
        }
      }
    }
  }

  /** Rewrites the file as a snapshot of the org (to a temporary file, then renamed over it). */
  private compact(): void {
    const dir = path.dirname(this.file);
    const tmp = path.join(dir, `.${path.basename(this.file)}.${process.pid}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    let size = 0;
    let entries = 0;
    const stamp = this.store.countersStamp();
    try {
      const write = (line: unknown): void => {
        size += writeAll(fd, `${JSON.stringify(line)}\n`);
      };
      write({ format: FORMAT, version: VERSION });
      write({ counters: this.store.counters() });
      let records: Entry[] = [];
      const add = (entry: Entry): void => {
        records.push(entry);
        entries++;
        if (records.length >= ROWS_PER_SNAPSHOT_LINE) {
          write({ records });
          records = [];
        }
      };
      for (const object of this.store.objects()) {
        for (const live of object.live.values()) add({ o: object.meta.name, live });
        for (const deleted of object.deleted.values()) add({ o: object.meta.name, deleted });
      }
      for (const e of this.orphans.values()) add(e);
      if (records.length > 0) write({ records });
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    fsyncDir(dir);
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = size;
    this.entries = entries;
    this.pending.clear();
    this.countersWritten = stamp;
  }
}

export { DataFileLockedError };
