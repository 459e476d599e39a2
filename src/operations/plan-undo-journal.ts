import fs from 'node:fs';
import path from 'node:path';
import { openResultFile } from './results.js';
import type { UndoCounts } from './undo-results.js';

export const PLAN_UNDO_JOURNAL = 'undo-plan.ndjson';

/** What an undo of a plan takes back, written first: the plan's folder, and its steps in the order undone. */
export interface PlanUndoHeader {
  v: 1;
  kind: 'sfsync-plan-undo';
  /** The folder taken back (absolute): a plan's results, or an undo of a plan. */
  source: string;
  /** The step folders, in the order the undo takes them back (each is a subfolder of the undo's, and of the source). */
  steps: string[];
}

/**
 * The plan undo's journal: its header, then a line as each step's undo starts and ends. Each step's undo keeps its
 * own journal (undo-journal.ndjson in its subfolder) of the calls it sends; this one says where the plan is.
 */
export class PlanUndoJournal {
  private readonly fd: number;

  constructor(dir: string, header: PlanUndoHeader | null) {
    this.fd = openResultFile(path.join(dir, PLAN_UNDO_JOURNAL), header === null);
    if (header) fs.writeSync(this.fd, `${JSON.stringify(header)}\n`);
  }

  started(step: string, resumed: boolean): void {
    fs.writeSync(this.fd, `${JSON.stringify({ step, started: true, resumed })}\n`);
  }

  ended(step: string, ended: string, counts: UndoCounts): void {
    fs.writeSync(this.fd, `${JSON.stringify({ step, ended, counts })}\n`);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The header of a folder's plan-undo journal, or null when it has none that reads. */
export function readPlanUndoHeader(dir: string): PlanUndoHeader | null {
  const file = path.join(dir, PLAN_UNDO_JOURNAL);
  let first = '';
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      first = buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    } finally {
      fs.closeSync(fd);
    }
    const h = JSON.parse(first) as Partial<PlanUndoHeader>;
    if (h.kind !== 'sfsync-plan-undo' || typeof h.source !== 'string' || !Array.isArray(h.steps)) return null;
    return h as PlanUndoHeader;
  } catch {
    return null;
  }
}
