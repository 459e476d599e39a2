import type { InputRecord } from '../input/types.js';
import type { ResultSink } from './results.js';

/** Outcomes that leave a record for the resume: never sent, or sent without a known answer. */
const OPEN_CODES = new Set(['NOT_PROCESSED', 'BULK_RESULTS_UNREAD', 'UNKNOWN_OUTCOME']);

/** Where a stopped run is in its input, said truly however the records were reordered (row-lock grouping). */
export interface StopPoint {
  /** Every record up to this line has its outcome (0: none). */
  handledUpTo: number;
  /** How many records that is (the header, blank lines and line breaks inside values make lines outnumber them). */
  records: number;
  /** The first line read without an outcome (not sent, or never reached by the writes), if any. */
  open?: number;
  /** The highest line with an outcome. */
  highest: number;
}

/**
 * The lines read, in file order, against the lines that got an outcome, in any order: records grouped by parent
 * are written out of file order, so the last line written says nothing about the lines before it. Holds only the
 * lines between the first without an outcome and the last read (a grouping window and the writes in flight).
 */
export class LineLedger {
  private pending: number[] = [];
  private head = 0;
  private readonly done = new Set<number>();
  private upTo = 0;
  private records = 0;
  /** Lines dropped from the front of `pending` (all handled). */
  private dropped = 0;
  private highest = 0;

  constructor(sink: ResultSink) {
    sink.onOutcome = (line, outcome, code) => this.outcome(line, outcome, code);
  }

  /** The input, its lines noted as they are read (before any reordering). */
  async *tap(chunks: AsyncIterable<InputRecord[]>): AsyncIterable<InputRecord[]> {
    for await (const chunk of chunks) {
      for (const r of chunk) this.pending.push(r.line);
      yield chunk;
    }
  }

  /** A record's outcome: one left for the resume (not sent, or unanswered) does not count as handled. */
  outcome(line: number, outcome: string, code?: string): void {
    if (outcome === 'skipped' && code !== undefined && OPEN_CODES.has(code)) return;
    this.handled(line);
  }

  handled(line: number): void {
    if (line > this.highest) this.highest = line;
    if (this.done.size === 0 && this.pending[this.head] === line) {
      // The usual case, outcomes in file order: the line is the first without one, and no later line waits.
      this.upTo = line;
      this.head++;
    } else {
      this.done.add(line);
      while (this.head < this.pending.length && this.done.delete(this.pending[this.head] as number))
        this.upTo = this.pending[this.head++] as number;
    }
    this.records = this.head + this.dropped;
    if (this.head > 4096 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.dropped += this.head;
      this.head = 0;
    }
  }

  point(): StopPoint {
    const open = this.pending[this.head];
    return {
      handledUpTo: this.upTo,
      records: this.records,
      highest: this.highest,
      ...(open !== undefined ? { open } : {}),
    };
  }
}
