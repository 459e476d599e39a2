import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { FAILURE_COLUMNS } from '../core/result-columns.js';
import { SENT_UNANSWERED } from './results.js';
import { createdLines, type UncertainFound } from './undo-uncertain-find.js';

/**
 * Records the run sent without learning the outcome (its failures.csv says UNCERTAIN, UNKNOWN_OUTCOME or
 * BULK_RESULTS_UNREAD): a create among them may have made a record whose Id nobody heard, so it has no
 * before-image and undo cannot take it back. Counted so that the undo says so, and does not exit 0.
 */
export interface Unaccounted {
  /** Distinct input lines of the run. */
  count: number;
  /** The first ten of them. */
  lines: number[];
  /** The run's failures file that lists them (every column of the input follows sfsync's own). */
  file: string;
  /**
   * The run was killed (its journal and no summary.json) and not continued: what it sent without an answer is in
   * no file, and only its --resume can tell.
   */
  killed: boolean;
  /**
   * Of the run's creates sent without an answer, those undo found in the org by their key (`found`: the run's,
   * taken back) and those whose key no record holds (`absent`: never created); `keys`: the fields looked up by.
   */
  found?: number;
  absent?: number;
  keys?: string[];
}

/** A run stopped with no summary: killed (SIGKILL, a crash), so what its last calls did is unknown. */
function killed(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'journal.ndjson')) && !fs.existsSync(path.join(dir, 'summary.json'));
}

const LINE = FAILURE_COLUMNS.indexOf('line');
const CODE = FAILURE_COLUMNS.indexOf('error_code');

/** One streamed pass over the run's failures.csv; null when it has no such rows (or is not a run's file). */
export async function readUnaccounted(dir: string, settled?: UncertainFound): Promise<Unaccounted | null> {
  const known = createdLines(dir);
  for (const f of settled?.found ?? []) known.add(f.line);
  for (const line of settled?.absent ?? []) known.add(line);
  const file = path.join(dir, 'failures.csv');
  const stopped = killed(dir);
  const none = stopped ? { count: 0, lines: [], file, killed: true } : null;
  if (!fs.existsSync(file)) return none;
  const source = fs.createReadStream(file);
  const parser = source.pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true }));
  const seen = new Set<number>();
  const lines: number[] = [];
  let header = true;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (header) {
        // An undo's failures file (its own columns) lists no such rows: its unanswered recreates are its own.
        if (FAILURE_COLUMNS.some((c, i) => cells[i] !== c)) return none;
        header = false;
        continue;
      }
      if (!SENT_UNANSWERED.has(cells[CODE] ?? '')) continue;
      const line = Number(cells[LINE]);
      if (!Number.isInteger(line) || seen.has(line) || known.has(line)) continue;
      seen.add(line);
      if (lines.length < 10) lines.push(line);
    }
  } catch {
    // A damaged file (a run killed mid-row): what was read is reported.
  } finally {
    source.destroy();
  }
  const learned =
    settled && settled.found.length + settled.absent.length > 0
      ? { found: settled.found.length, absent: settled.absent.length, keys: settled.keys }
      : {};
  if (seen.size === 0)
    return none || 'found' in learned ? { count: 0, lines: [], file, killed: stopped, ...learned } : null;
  return { count: seen.size, lines: lines.sort((a, b) => a - b), file, killed: stopped, ...learned };
}

/** What the summary says of them, and what to do. */
export function unaccountedLines(u: Unaccounted, object: string, indent = '  '): string[] {
  const kill = u.killed
    ? [
        `${indent}NOT TAKEN BACK: the run was stopped without finishing (killed: it wrote no summary.json), so the records its last calls sent without an answer are in no file. Continue it first with the --resume command it printed (it settles what it can, and says what stays UNCERTAIN), then undo it.`,
      ]
    : [];
  const by = u.keys?.length ? ` by ${u.keys.join(', ')}` : '';
  const learned =
    (u.found ?? 0) + (u.absent ?? 0) > 0
      ? [
          `${indent}Of the records the run sent without learning the outcome, ${u.found ?? 0} ${u.found === 1 ? 'was' : 'were'} found in the org${by}, created while it ran: the run's, so undo takes them back; ${u.absent ?? 0} ${u.absent === 1 ? 'is' : 'are'} in no record of the org (never created).`,
        ]
      : [];
  if (u.count === 0) return [...kill, ...learned];
  const which = `${u.lines.length === 1 ? 'line' : 'lines'} ${u.lines.join(', ')}${u.count > u.lines.length ? ', …' : ''}`;
  return [
    ...kill,
    ...learned,
    `${indent}NOT TAKEN BACK: ${u.count} ${u.count === 1 ? 'record' : 'records'} the run sent without learning the outcome (UNCERTAIN, input ${which}; every one is in ${u.file}) could not be told apart in the org${by ? ` ${by.trim()}` : ''} (no key field in their rows, a key two records hold, or a record made before the run began). Those it created have no known Id, so they are still in the org.`,
    `${indent}  Find them (for example sfsync export --object ${object} --where "CreatedDate = TODAY" and compare with those rows) and delete the ones the run created; then the org is as it was.`,
  ];
}
