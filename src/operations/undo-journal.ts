import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { openResultFile } from './results.js';

export const UNDO_JOURNAL = 'undo-journal.ndjson';

/** What an undo folder holds: the run it takes back. Written first, so --resume finds the undo of a run. */
export interface UndoHeader {
  v: 1;
  kind: 'sfsync-undo';
  /** The results folder of the run taken back (absolute). */
  source: string;
  object: string;
}

/**
 * The undo's journal: its header, then the before.ndjson lines of every write call, recorded before the call is
 * sent. Resuming, an update or delete sent without an answer is decided again from the org's records; a record
 * sent to be created again cannot be found that way, and is reported as uncertain.
 */
export class UndoJournal {
  private readonly fd: number;
  constructor(dir: string, header: UndoHeader | null) {
    this.fd = openResultFile(path.join(dir, UNDO_JOURNAL), header === null);
    if (header) fs.writeSync(this.fd, `${JSON.stringify(header)}\n`);
  }
  sent(lines: number[], call: string): void {
    fs.writeSync(this.fd, `${JSON.stringify({ sent: lines, call })}\n`);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The header and the recreates sent of an undo folder's journal; null when it has none that reads. */
export async function readUndoJournal(
  dir: string,
): Promise<{ header: UndoHeader; created: Set<number> } | null> {
  const file = path.join(dir, UNDO_JOURNAL);
  if (!fs.existsSync(file)) return null;
  let header: UndoHeader | null = null;
  const created = new Set<number>();
  for await (const line of readline.createInterface({
    input: fs.createReadStream(file),
    crlfDelay: Infinity,
  })) {
    if (line.trim() === '') continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      // The last entry, cut short by a kill: its call was not sent.
      continue;
    }
    if (header === null) {
      const h = entry as Partial<UndoHeader>;
      if (h.kind !== 'sfsync-undo' || typeof h.source !== 'string') return null;
      header = h as UndoHeader;
      continue;
    }
    const e = entry as { sent?: unknown; call?: unknown };
    if (e.call === 'create' && Array.isArray(e.sent))
      for (const n of e.sent) if (Number.isInteger(n)) created.add(n as number);
  }
  return header ? { header, created } : null;
}
