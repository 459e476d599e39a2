import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { csvCell, openResultFile } from './results.js';

export type UndoOutcome =
  'deleted' | 'updated' | 'undeleted' | 'created' | 'unchanged' | 'conflict' | 'failed' | 'skipped';

export interface UndoCounts {
  total: number;
  /** Records the run created, deleted again. */
  deleted: number;
  /** Records the run updated, their fields set back. */
  updated: number;
  /** Records the run deleted, back from the Recycle Bin with their Ids. */
  undeleted: number;
  /** Records the run deleted that were purged since: created again from their before-image, with new Ids. */
  created: number;
  /** Nothing to take back: the write never applied, or the record is already as it was. */
  unchanged: number;
  /** Changed by someone else since the run: left alone (without --force). */
  conflict: number;
  failed: number;
  /** Not sent: the undo stopped first, or whether an earlier attempt applied is not known. */
  skipped: number;
}

export function emptyUndoCounts(): UndoCounts {
  return {
    total: 0,
    deleted: 0,
    updated: 0,
    undeleted: 0,
    created: 0,
    unchanged: 0,
    conflict: 0,
    failed: 0,
    skipped: 0,
  };
}

export const UNDO_SUCCESS_COLUMNS = ['line', 'outcome', 'id', 'original_id', 'undid'] as const;
export const UNDO_FAILURE_COLUMNS = [
  'line',
  'outcome',
  'code',
  'message',
  'id',
  'undid',
  'fields',
  'run_values',
  'current_values',
  'run_line',
] as const;

/** A record the undo did not take back, and why. */
export interface UndoProblem {
  code: string;
  message: string;
  fields?: string[];
  /** Conflicts: what the run wrote, and what the record holds now, by field. */
  runValues?: Record<string, unknown>;
  currentValues?: Record<string, unknown>;
  /** The line of the run's own input that made the write taken back (0: not from an input line, e.g. mirror). */
  runLine?: number;
  /** Conflicts: the folders of other sfsync runs or undos that wrote the record since (their before-images). */
  writtenBy?: string[];
}

/** The outcome files of an undo (success.csv, failures.csv), each row joined to its before.ndjson line. */
export class UndoSink {
  readonly counts: UndoCounts;
  /** The first conflicts, with both values, for the summary. */
  readonly conflicts: Array<{ line: number; id: string } & UndoProblem> = [];
  readonly failuresByCode = new Map<string, { count: number; lines: number[]; message: string }>();
  private readonly success: number | null;
  private readonly failures: number | null;
  private successRows: string[] = [];
  private failureRows: string[] = [];

  /** `dir` null (a dry run): outcomes are counted, and no file is written. */
  constructor(
    readonly dir: string | null,
    prior?: PriorUndo,
  ) {
    this.counts = prior ? { ...prior.counts } : emptyUndoCounts();
    if (prior) for (const [k, v] of prior.failuresByCode) this.failuresByCode.set(k, v);
    if (dir === null) {
      this.success = null;
      this.failures = null;
      return;
    }
    const files = undoFiles(dir);
    const continuing = prior !== undefined;
    this.success = openResultFile(files.success, continuing);
    this.failures = openResultFile(files.failures, continuing);
    if (!continuing || fs.statSync(files.success).size === 0)
      fs.writeSync(this.success, `${UNDO_SUCCESS_COLUMNS.join(',')}\n`);
    if (!continuing || fs.statSync(files.failures).size === 0)
      fs.writeSync(this.failures, `${UNDO_FAILURE_COLUMNS.join(',')}\n`);
  }

  succeed(
    line: number,
    outcome: 'deleted' | 'updated' | 'undeleted' | 'created' | 'unchanged',
    id: string,
    undid: string,
    originalId = '',
  ): void {
    this.counts.total++;
    this.counts[outcome]++;
    this.successRows.push(`${[line, outcome, id, originalId, undid].map(csvCell).join(',')}\n`);
  }

  fail(
    line: number,
    outcome: 'conflict' | 'failed' | 'skipped',
    id: string,
    undid: string,
    problem: UndoProblem,
  ): void {
    this.counts.total++;
    this.counts[outcome]++;
    const group = this.failuresByCode.get(problem.code) ?? { count: 0, lines: [], message: problem.message };
    group.count++;
    if (group.lines.length < 10) group.lines.push(line);
    this.failuresByCode.set(problem.code, group);
    if (outcome === 'conflict' && this.conflicts.length < 10) this.conflicts.push({ line, id, ...problem });
    const json = (v: Record<string, unknown> | undefined): string => (v ? JSON.stringify(v) : '');
    this.failureRows.push(
      `${[
        line,
        outcome,
        problem.code,
        problem.message,
        id,
        undid,
        (problem.fields ?? []).join(';'),
        json(problem.runValues),
        json(problem.currentValues),
        problem.runLine ?? '',
      ]
        .map(csvCell)
        .join(',')}\n`,
    );
  }

  /** The failures and conflicts by code, the largest group first. */
  failureGroups(): Array<{ code: string; count: number; lines: number[]; message: string }> {
    return [...this.failuresByCode.entries()]
      .map(([code, g]) => ({ code, ...g }))
      .sort((a, b) => b.count - a.count);
  }

  /** Puts the outcomes so far on disk: after each batch, so a killed undo loses none. */
  checkpoint(): void {
    if (this.success !== null && this.successRows.length > 0)
      fs.writeSync(this.success, this.successRows.join(''));
    if (this.failures !== null && this.failureRows.length > 0)
      fs.writeSync(this.failures, this.failureRows.join(''));
    this.successRows = [];
    this.failureRows = [];
  }

  close(): void {
    try {
      this.checkpoint();
    } finally {
      if (this.success !== null) fs.closeSync(this.success);
      if (this.failures !== null) fs.closeSync(this.failures);
    }
  }
}

export function undoFiles(dir: string): { success: string; failures: string } {
  return { success: path.join(dir, 'success.csv'), failures: path.join(dir, 'failures.csv') };
}

/** What an interrupted undo left: the lines it settled, and its counts. */
export interface PriorUndo {
  done: Set<number>;
  counts: UndoCounts;
  failuresByCode: Map<string, { count: number; lines: number[]; message: string }>;
}

/** Drops a row cut short by a kill (the text after the last newline) so the files read, and continue, whole. */
function wholeRows(file: string): string {
  if (!fs.existsSync(file)) return '';
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) fs.truncateSync(file, Buffer.byteLength(text.slice(0, end)));
  return text.slice(0, end);
}

export function readPriorUndo(dir: string): PriorUndo {
  const files = undoFiles(dir);
  const prior: PriorUndo = { done: new Set(), counts: emptyUndoCounts(), failuresByCode: new Map() };
  for (const file of [files.success, files.failures]) {
    const rows = parse<Record<string, string>>(wholeRows(file), { columns: true, relax_column_count: true });
    for (const row of rows) {
      const line = Number(row.line);
      const outcome = row.outcome as UndoOutcome;
      if (!Number.isInteger(line) || !(outcome in prior.counts)) continue;
      prior.done.add(line);
      prior.counts.total++;
      prior.counts[outcome]++;
      if (row.code) {
        const group = prior.failuresByCode.get(row.code) ?? {
          count: 0,
          lines: [],
          message: row.message ?? '',
        };
        group.count++;
        if (group.lines.length < 10) group.lines.push(line);
        prior.failuresByCode.set(row.code, group);
      }
    }
  }
  return prior;
}
