import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { BEFORE_FILE } from './before-images.js';
import { readUndoJournal } from './undo-journal.js';
import { BeforeImagesFile } from './undo-source.js';
import { undoFiles } from './undo-results.js';

function subfolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** The before.ndjson lines of an undo that failed or were left (not written): its failures.csv. */
async function notWritten(dir: string): Promise<Set<number>> {
  const lines = new Set<number>();
  const file = undoFiles(dir).failures;
  if (!fs.existsSync(file)) return lines;
  const source = fs.createReadStream(file);
  try {
    for await (const row of source.pipe(parse({ columns: true, relax_column_count: true })) as AsyncIterable<
      Record<string, string>
    >)
      lines.add(Number(row.line));
  } catch {
    // A row cut short by a kill: the rows read are enough (an unread one is judged as the undo's own write).
  } finally {
    source.destroy();
  }
  return lines;
}

/**
 * When sfsync's undos of other runs last wrote each record (by the org's clock): say run3 updated a record run2
 * created, and `undo run3` set it back; its SystemModstamp is then that undo's, not someone else's change, and
 * `undo run2` deletes it without --force. Found under ./sfsync-results and beside the run's folder (a plan's undo
 * keeps a folder per step, one level down); the undos of this same run, and this undo's own folder, are left out
 * (an earlier undo of the same run is judged as before). The Ids these undos wrote are kept in memory.
 */
/**
 * The results folders of other sfsync runs and undos that may have written the run's records since: under
 * ./sfsync-results and beside the run's folder, with their subfolders (a plan's steps); one level further up when
 * the run is a plan's step (beside plan.json). The run's own folder and this undo's are left out.
 */
function* otherFolders(cwd: string, source: string, own?: string): Generator<string> {
  const plan = fs.existsSync(path.join(path.dirname(source), 'plan.json'));
  const parents = new Set([
    path.join(cwd, 'sfsync-results'),
    path.dirname(source),
    ...(plan ? [path.dirname(path.dirname(source))] : []),
  ]);
  const seen = new Set<string>();
  for (const parent of parents)
    for (const top of subfolders(parent))
      for (const dir of [top, ...subfolders(top)]) {
        if (seen.has(dir) || dir === source || dir === own || !fs.existsSync(path.join(dir, BEFORE_FILE)))
          continue;
        seen.add(dir);
        yield dir;
      }
}

export async function laterUndoWrites(
  cwd: string,
  source: string,
  own?: string,
): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const dir of otherFolders(cwd, source, own)) {
    const journal = await readUndoJournal(dir);
    if (!journal || journal.header.source === source) continue;
    const failed = await notWritten(dir);
    for (const { line, entry } of new BeforeImagesFile(dir).newestFirst()) {
      const at = entry.at === undefined ? NaN : Date.parse(entry.at);
      if (Number.isNaN(at) || failed.has(line)) continue;
      const key = entry.id.slice(0, 15);
      if (at > (times.get(key) ?? -Infinity)) times.set(key, at);
    }
  }
  return times;
}

/** Whether a before.ndjson names any of these 15-character Ids: its text, a megabyte at a time. */
function names(file: string, keys: string[]): Set<string> {
  const found = new Set<string>();
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let tail = '';
    for (let at = 0; found.size < keys.length;) {
      const n = fs.readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      at += n;
      const text = tail + buf.toString('latin1', 0, n);
      for (const k of keys) if (text.includes(`"${k}`)) found.add(k);
      tail = text.slice(-20);
    }
  } finally {
    fs.closeSync(fd);
  }
  return found;
}

/**
 * For the records of the conflicts shown (ten at most), the other sfsync runs and undos whose before-images name
 * them and were written after this run's: who changed them since, when it was sfsync.
 */
export function laterWriters(
  cwd: string,
  source: string,
  own: string | undefined,
  ids: string[],
): Map<string, string[]> {
  const by = new Map<string, string[]>();
  if (ids.length === 0) return by;
  const keys = [...new Set(ids.map((id) => id.slice(0, 15)))];
  const since = fs.statSync(path.join(source, BEFORE_FILE)).mtimeMs;
  for (const dir of otherFolders(cwd, source, own)) {
    const file = path.join(dir, BEFORE_FILE);
    if (fs.statSync(file).mtimeMs <= since) continue;
    for (const k of names(file, keys)) by.set(k, [...(by.get(k) ?? []), path.relative(cwd, dir) || dir]);
  }
  return by;
}
