import fs from 'node:fs';
import { parse } from 'csv-parse';
import { SfsyncError } from '../errors.js';
import {
  emptyCounts,
  failureKey,
  FAILURE_COLUMNS,
  openResultFile,
  SUCCESS_COLUMNS,
  type PriorResults,
} from './results.js';

const OUTCOMES = new Set(['created', 'updated', 'unchanged', 'deleted', 'failed', 'skipped']);

/** Bytes of a file up to the end of its last complete line: a row half-written when the process died ends it. */
function completeBytes(file: string): number {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65_536);
    for (let end = size; end > 0; end -= buf.length) {
      const start = Math.max(0, end - buf.length);
      fs.readSync(fd, buf, 0, end - start, start);
      const at = buf.subarray(0, end - start).lastIndexOf(10);
      if (at >= 0) return start + at + 1;
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}

/** Rewrites a file's first `end` bytes without the given ranges, through a copy put in its place. */
function withoutRanges(file: string, end: number, drop: Array<[number, number]>): void {
  const copy = `${file}.resume`;
  const input = fs.openSync(file, 'r');
  const output = openResultFile(copy);
  try {
    const buf = Buffer.alloc(1_048_576);
    let pos = 0;
    for (const [from, to] of [...drop, [end, end] as [number, number]]) {
      while (pos < from) {
        const n = fs.readSync(input, buf, 0, Math.min(buf.length, from - pos), pos);
        if (n === 0) break;
        fs.writeSync(output, buf, 0, n);
        pos += n;
      }
      pos = to;
    }
  } finally {
    fs.closeSync(input);
    fs.closeSync(output);
  }
  fs.renameSync(copy, file);
}

function corrupt(file: string, problem: string): SfsyncError {
  return new SfsyncError('RESUME_NOT_POSSIBLE', `${file}: ${problem}, so the run cannot be resumed safely.`, {
    hint: 'Resume with the results folder exactly as the run left it, or start over with --restart.',
  });
}

/** What an interrupted run wrote, and the one change to make to its files once the resume is sure to go on. */
/** Where each of sfsync's columns is in a failures file, from FAILURE_COLUMNS (never a count of its own). */
const FAILURE = {
  code: FAILURE_COLUMNS.indexOf('error_code'),
  message: FAILURE_COLUMNS.indexOf('error_message'),
  fields: FAILURE_COLUMNS.indexOf('error_fields'),
};

export interface Prior {
  prior: PriorResults;
  /** Lines with an outcome: each has exactly one. */
  done: Set<number>;
  /**
   * Drops the rows half-written by the crash, and the "not sent" rows the resumed run sends again. Nothing is
   * changed before: a resume that stops before it starts leaves the folder as it was.
   */
  commit: () => void;
}

/**
 * A failures.csv row joins its group (outcome and code): counted, its line among the first ten, with the line it
 * came from in the first run's input when the run read a results file (`origin`: where its original_line is).
 */
function countFailure(
  failureCodes: PriorResults['failureCodes'],
  key: string,
  cells: string[],
  line: number,
  origin: number,
): void {
  const fields = (cells[FAILURE.fields] ?? '').split(';').filter((f) => f !== '');
  const entry = failureCodes.get(key) ?? {
    count: 0,
    lines: [],
    message: cells[FAILURE.message] ?? '',
    ...(fields.length > 0 ? { fields } : {}),
  };
  entry.count++;
  if (entry.lines.length < 10) {
    entry.lines.push(line);
    const from = origin > 0 ? Number(cells[origin]) : NaN;
    if (Number.isInteger(from) && from > 0) (entry.originalLines ??= []).push(from);
  }
  failureCodes.set(key, entry);
}

/**
 * The outcomes an interrupted run wrote, read by the position of sfsync's columns (the input's columns follow
 * them and may have the same names). Records the interruption left unsent ("NOT_PROCESSED") are not taken as
 * done: the resumed run sends them. A line with two outcomes means the files were damaged or mixed: an error.
 */
export async function readPrior(success: string, failures: string): Promise<Prior> {
  const done = new Set<number>();
  const counts = emptyCounts();
  const failureCodes: PriorResults['failureCodes'] = new Map();
  const edits: Array<() => void> = [];
  for (const [file, own] of [
    [success, SUCCESS_COLUMNS],
    [failures, FAILURE_COLUMNS],
  ] as const) {
    if (!fs.existsSync(file)) continue;
    const isFailures = own === FAILURE_COLUMNS;
    const end = completeBytes(file);
    const size = fs.statSync(file).size;
    // Where the "not sent" rows are (byte ranges, joined when they follow each other): taken out on commit.
    const drop: Array<[number, number]> = [];
    let at = 0;
    let header = true;
    let row = 0;
    let origin = -1;
    if (end > 0) {
      const parser = fs
        .createReadStream(file, { start: 0, end: end - 1 })
        .pipe(parse({ relax_column_count: true, raw: true }));
      for await (const item of parser as AsyncIterable<{ record: string[]; raw: string }>) {
        row++;
        const from = at;
        at += Buffer.byteLength(item.raw);
        const cells = item.record;
        if (header) {
          header = false;
          if (own.some((c, i) => cells[i] !== c))
            throw corrupt(file, `its header does not start with sfsync's columns (${own.join(',')})`);
          // A run that read a results file writes where each record came from after sfsync's columns.
          if (cells[own.length] === 'original_line') origin = own.length;
          continue;
        }
        const line = Number(cells[0]);
        const outcome = cells[1] ?? '';
        if (!Number.isInteger(line) || line < 1 || !OUTCOMES.has(outcome))
          throw corrupt(file, `row ${row} has no line number and outcome`);
        const code = isFailures ? (cells[FAILURE.code] ?? '') : '';
        // Left for the resume: records never sent, records of a Bulk job whose results were not read, and records
        // whose answer was lost (the journal says they were sent: the resume settles them as it does any call in
        // flight when a run stopped).
        if (code === 'NOT_PROCESSED' || code === 'BULK_RESULTS_UNREAD' || code === 'UNKNOWN_OUTCOME') {
          const last = drop[drop.length - 1];
          if (last && last[1] === from) last[1] = at;
          else drop.push([from, at]);
          continue;
        }
        if (done.has(line))
          throw corrupt(
            file,
            `input line ${line} has two outcomes (row ${row}, and one before it or in ${success})`,
          );
        done.add(line);
        counts.total++;
        counts[outcome as keyof typeof counts]++;
        if (isFailures)
          countFailure(failureCodes, failureKey(outcome, code || 'UNKNOWN'), cells, line, origin);
      }
    }
    if (at !== end) throw corrupt(file, 'it could not be read back row by row');
    edits.push(() => {
      if (drop.length > 0) withoutRanges(file, end, drop);
      else if (end < size) fs.truncateSync(file, end);
    });
  }
  return {
    prior: { counts, failureCodes },
    done,
    commit: () => {
      for (const edit of edits) edit();
    },
  };
}
