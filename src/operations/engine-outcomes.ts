import type { SfsyncError } from '../errors.js';
import type { MappedRecord } from '../mapping/apply.js';
import type { SaveResult } from '../salesforce/client.js';
import { FATAL, saveFailure } from './engine-failures.js';
import type { FailureDetail } from '../core/sync-types.js';
import { originalLine, type ResultSink } from './results.js';
import type { Spool } from './spool.js';

/** A dry run's planned call for a record, written when its batch ends. */
interface Planned {
  action: 'create' | 'update' | 'delete' | 'upsert' | 'unchanged';
  id: string | undefined;
  payload: Record<string, unknown>;
}

/**
 * An outcome decided for a record of a batch in flight, kept on the record until its batch ends: a function that
 * writes it, a dry run's plan as data (one object per record rather than a closure: a dry run plans every record),
 * or the Id of a record left unchanged (a rerun's every record).
 */
type Settled = (() => void) | Planned | string;

function settle(r: MappedRecord, outcome: Settled): void {
  r.settled = outcome;
}

/** What a spooled record's input and payload read as until it is taken back. */
const SPOOLED: Record<string, unknown> = Object.freeze({});
/** The payload of a record handed to a writer that answers late: its outcome is written from its `Parked` call. */
const HANDED: Record<string, unknown> = Object.freeze({});

/**
 * The records of one write call whose answer comes late (a Bulk job), once their input waits in the spool: their
 * lines and where their input is, 12 bytes a record, so that the records themselves (about 150 bytes each, with
 * the arrays holding them) are let go while a job of hundreds of thousands runs.
 */
export interface Parked {
  readonly lines: Int32Array;
  /** Where each record's input is in the spool, from `base`, and its length. */
  readonly base: number;
  readonly at: Uint32Array;
  readonly bytes: Uint32Array;
  /** The `original_line` of the few records that have one, by their place in the call. */
  readonly origins: Map<number, number>;
}

/**
 * The outcomes of the records of the batches in flight, decided as their answers come and written in line order
 * when a batch ends; and the spool where their input and payload wait meanwhile.
 */
export class EngineOutcomes {
  constructor(
    private readonly sink: ResultSink,
    private readonly spoolFile: Spool | undefined,
    /** A record answered with a stop (a Bulk job never run, results unread): the run ends. */
    private readonly stopRun: (error: SfsyncError) => void,
  ) {}

  has(r: MappedRecord): boolean {
    return r.settled !== undefined || r.payload === HANDED;
  }

  /**
   * Hands the records of a call over to their `Parked` form, once each waits in the spool (undefined, and nothing
   * changed, when one does not): their outcomes are then written from it, as their answers come.
   */
  park(records: readonly MappedRecord[], lines: Int32Array): Parked | undefined {
    if (!this.spoolFile || records.some((r) => r.input !== SPOOLED)) return undefined;
    let base = Infinity;
    let end = 0;
    for (const r of records) {
      base = Math.min(base, r.spoolAt ?? 0);
      end = Math.max(end, (r.spoolAt ?? 0) + (r.spoolBytes ?? 0));
    }
    if (end - base >= 2 ** 32) return undefined;
    const n = records.length;
    const parked: Parked = {
      lines,
      base,
      at: new Uint32Array(n),
      bytes: new Uint32Array(n),
      origins: new Map(),
    };
    for (let j = 0; j < n; j++) {
      const r = records[j] as MappedRecord;
      parked.at[j] = (r.spoolAt ?? 0) - base;
      parked.bytes[j] = r.spoolBytes ?? 0;
      if (r.originalLine !== undefined) parked.origins.set(j, r.originalLine);
      r.payload = HANDED;
    }
    return parked;
  }

  /** Record `j` of a parked call as a record again, to send it with `payload` (its row lock's resend). */
  unpark(p: Parked, j: number, payload: Record<string, unknown>): MappedRecord {
    return {
      line: p.lines[j] as number,
      input: SPOOLED,
      payload,
      lookups: [],
      settled: undefined,
      spoolAt: p.base + (p.at[j] as number),
      spoolBytes: p.bytes[j],
      originalLine: p.origins.get(j),
    };
  }

  private parkedCells(p: Parked, j: number): string {
    return (this.spoolFile as Spool).get({ at: p.base + (p.at[j] as number), bytes: p.bytes[j] as number });
  }

  /** Writes the success of record `j` of a parked call now. */
  succeedParked(
    p: Parked,
    j: number,
    outcome: 'created' | 'updated' | 'deleted',
    id: string | undefined,
  ): void {
    this.sink.succeedCells(p.lines[j] as number, outcome, id, this.parkedCells(p, j));
  }

  /** Writes the failure (or the record not sent) of record `j` of a parked call now. */
  failParked(p: Parked, j: number, detail: FailureDetail, outcome: 'failed' | 'skipped'): void {
    this.sink.failCells(p.lines[j] as number, this.parkedCells(p, j), detail, outcome, p.origins.get(j));
  }

  /** As `unanswered`, for record `j` of a parked call: written now. */
  unansweredParked(p: Parked, j: number, res: SaveResult, stop: SfsyncError): void {
    const unread = res.errors[0]?.statusCode === 'BULK_RESULTS_UNREAD';
    if (!unread && !FATAL.has(stop.code)) return this.failParked(p, j, saveFailure(res), 'failed');
    this.stopRun(stop);
    const detail = unread
      ? saveFailure(res)
      : { code: 'NOT_PROCESSED', message: `Not sent: ${stop.message}` };
    this.failParked(p, j, detail, 'skipped');
  }

  /** The run stops (a parked call met a fatal error). */
  stop(error: SfsyncError): void {
    this.stopRun(error);
  }

  /** Puts the outcomes written so far on disk (after a parked call's answers, as after a batch). */
  checkpoint(): void {
    this.sink.checkpoint();
  }

  /**
   * Moves a record to the spool, if there is one, until its outcome is written: its input as the cells of its result
   * row, rendered once; its payload is not kept (a record resent after a row lock is sent with the values its job's
   * failed results give back).
   */
  spool(r: MappedRecord): void {
    const spool = this.spoolFile;
    if (!spool || r.input === SPOOLED) return;
    r.originalLine = originalLine(r.input);
    const { at, bytes } = spool.put(this.sink.rowCells(r.input));
    r.spoolAt = at;
    r.spoolBytes = bytes;
    r.input = SPOOLED;
    r.payload = SPOOLED;
  }

  /**
   * A record to send again after a row lock: with the values its Bulk job's failed results gave back when it waits
   * in the spool. False when they are not known: it cannot be resent.
   */
  resendable(r: MappedRecord, res: SaveResult | undefined): boolean {
    if (r.payload !== SPOOLED) return true;
    if (!res?.resend) return false;
    r.payload = res.resend;
    return true;
  }

  /** A record's input as the cells of its result row. */
  private cellsOf(r: MappedRecord): string {
    if (r.input !== SPOOLED || !this.spoolFile) return this.sink.rowCells(r.input);
    return this.spoolFile.get({ at: r.spoolAt ?? 0, bytes: r.spoolBytes ?? 0 });
  }

  /** Writes a failure (or a record not sent) now, not with its batch. */
  failNow(r: MappedRecord, detail: FailureDetail, outcome: 'failed' | 'skipped'): void {
    const origin = r.input === SPOOLED ? r.originalLine : originalLine(r.input);
    this.sink.failCells(r.line, this.cellsOf(r), detail, outcome, origin);
  }

  /**
   * A record its Bulk job did not answer for. Its results unread: the run stops and --resume settles it. The job
   * never run: not sent, and the run stops as on any fatal error, or the record fails with the job's error.
   */
  unanswered(r: MappedRecord, res: SaveResult, stop: SfsyncError): void {
    const unread = res.errors[0]?.statusCode === 'BULK_RESULTS_UNREAD';
    if (!unread && !FATAL.has(stop.code)) return this.fail(r, saveFailure(res));
    this.stopRun(stop);
    const detail = unread
      ? saveFailure(res)
      : { code: 'NOT_PROCESSED', message: `Not sent: ${stop.message}` };
    settle(r, () => this.failNow(r, detail, 'skipped'));
  }

  fail(r: MappedRecord, detail: FailureDetail): void {
    settle(r, () => this.failNow(r, detail, 'failed'));
  }

  /** Not sent (the run stopped): left for --resume. */
  skip(r: MappedRecord, detail: FailureDetail): void {
    settle(r, () => this.failNow(r, detail, 'skipped'));
  }

  succeed(r: MappedRecord, outcome: 'created' | 'updated' | 'deleted', id: string | undefined): void {
    settle(r, () => this.sink.succeedCells(r.line, outcome, id, this.cellsOf(r)));
  }

  unchanged(r: MappedRecord, id: string): void {
    settle(r, id);
  }

  plan(
    r: MappedRecord,
    action: 'create' | 'update' | 'delete' | 'upsert' | 'unchanged',
    id: string | undefined,
    payload: Record<string, unknown>,
  ): void {
    settle(r, { action, id, payload });
  }

  /** Writes the outcomes of a batch that has ended, in line order. */
  flush(records: MappedRecord[]): void {
    // Records arrive in line order; a batch reordered by lookups or matching is sorted back.
    const ordered = records.every((r, i) => i === 0 || (records[i - 1] as MappedRecord).line < r.line)
      ? records
      : [...records].sort((a, b) => a.line - b.line);
    for (const r of ordered) {
      const write = r.settled as Settled | undefined;
      if (write === undefined) continue;
      r.settled = undefined;
      if (typeof write === 'function') write();
      else if (typeof write === 'string') this.sink.succeedCells(r.line, 'unchanged', write, this.cellsOf(r));
      else this.sink.planned(r.line, write.action, write.id, write.payload);
    }
  }
}
