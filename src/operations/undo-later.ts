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
export async function laterUndoWrites(
  cwd: string,
  source: string,
  own?: string,
): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  // A plan's step (its folder beside plan.json): the plan's siblings are one level up, with their own steps.
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
