import type { BulkJobSpec, SaveResult } from '../salesforce/client.js';
import type { BulkJobFile } from './bulk-job-file.js';
import { lineHash, type LineIndex } from './line-index.js';
import type { Sent } from './writer.js';

/* The jobs a BulkWriter fills and the write calls whose records they carry (src/operations/bulk-writer.ts). */

/** One write call of the engine: its records may land in one job or, at a job's limits, in several. */
export interface Part {
  results: Array<SaveResult | undefined>;
  /** Pieces of the part whose job has not answered yet. */
  waiting: number;
  settled: boolean;
  /** Told as each job holding some of the part's records is opened (before its upload), with those records. */
  sent: Sent | undefined;
  resolve: (results: SaveResult[]) => void;
}

/** A run of a part's records that sit next to each other in one job. */
export interface Piece {
  part: Part;
  /** Index of the first record in the part, and in the job. */
  from: number;
  at: number;
  count: number;
}

/** A job being filled, waiting for a free slot, or running. */
export interface Job {
  spec: BulkJobSpec;
  columns: string[];
  columnSet: Set<string>;
  write: (record: Record<string, unknown>) => string | SaveResult;
  /** The CSV as the job fills: on disk, but for the last lines not joined into one piece yet. */
  file: BulkJobFile;
  lines: string[];
  count: number;
  bytes: number;
  /** The lines by hash, to join the results back (the text is not kept once uploaded). */
  index: LineIndex;
  pieces: Piece[];
  closed?: boolean;
  /** Why the job's CSV could not be written to its file. */
  failure?: Error;
  upload?: { file: string; bytes: number; records: number };
  timer?: NodeJS.Timeout;
}

/** Lines joined into one string at a time while a job fills: one string instead of thousands of small ones. */
const JOIN_LINES = 4096;

/** Shared by every successful result (nothing adds to it). */
export const NO_ERRORS: SaveResult['errors'] = [];

export const missing: SaveResult = {
  success: false,
  errors: [
    {
      statusCode: 'BULK_RESULT_MISSING',
      message: 'The Bulk API job returned no result for this record.',
      fields: [],
    },
  ],
};

/** A part for `size` records of one write call, and the promise its results settle. */
export function newPart(
  size: number,
  sent: Sent | undefined,
): { part: Part; promise: Promise<SaveResult[]> } {
  let resolve: Part['resolve'] = () => {};
  const promise = new Promise<SaveResult[]>((res) => {
    resolve = res;
  });
  const part: Part = {
    results: new Array<SaveResult | undefined>(size),
    waiting: 0,
    settled: false,
    resolve,
    sent,
  };
  return { part, promise };
}

/** Appends record `i` of `part` to the job as one CSV line, extending the part's last piece when it is adjacent. */
export function addLine(job: Job, part: Part, i: number, line: string, bytes: number): void {
  const at = job.count++;
  job.lines.push(line);
  if (job.lines.length >= JOIN_LINES) {
    job.file.append(`${job.lines.join('\n')}\n`);
    job.lines = [];
  }
  job.bytes += bytes;
  job.index.add(lineHash(line));
  const last = job.pieces[job.pieces.length - 1];
  if (last?.part === part && last.from + last.count === i) last.count++;
  else {
    job.pieces.push({ part, from: i, at, count: 1 });
    part.waiting++;
  }
}
