import type { SaveResult } from '../salesforce/client.js';
import type { Sent } from './writer.js';

/** One write call of the engine: its records may land in one job or, at a job's limits, in several. */
export interface Part {
  size: number;
  /** Built as its first job answers: until then a waiting record costs nothing here. */
  results?: Array<SaveResult | undefined>;
  /** Records refused before they were sent (BULK_NA_TEXT), by their place in the part. */
  refused?: Map<number, SaveResult>;
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
    size,
    waiting: 0,
    settled: false,
    resolve,
    sent,
  };
  return { part, promise };
}

/** The answers of a part so far (its refusals, then its jobs' answers as they come). */
export function answers(part: Part): Array<SaveResult | undefined> {
  if (part.results) return part.results;
  const results = new Array<SaveResult | undefined>(part.size).fill(undefined);
  for (const [i, refusal] of part.refused ?? []) results[i] = refusal;
  part.refused = undefined;
  return (part.results = results);
}
