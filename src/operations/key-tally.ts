import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { KeyScan } from './key-scan.js';

/**
 * A key count saved in the results folder of the run that made it (`keys.json`), so that a later run of the same
 * bytes with the same match reads it back instead of reading the whole file once more before writing: a rerun of
 * an unchanged file spends a third of its time on that pass. What the count finds depends only on the file's bytes
 * and on how keys are read from them (the reader's options, the mapping of the match fields, their describe, this
 * sfsync): all of it is in the saved count's `params`, with the file's SHA-256 and size. Only the summary is saved
 * (repeats, blanks, the most shared keys), never the keys themselves.
 */
const FILE = 'keys.json';
/** Bumped whenever the same file and match could count differently (the reader, matchKey, the census). */
const FORMAT = 1;
const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** What a saved count must match: the file's bytes (SHA-256 and size) and how its keys were read. */
export interface TallyKey {
  sha256: string;
  size: number;
  params: string;
}

type Saved = TallyKey &
  Pick<KeyScan, 'records' | 'blank' | 'blankLines' | 'repeated' | 'top'> & { v: number };

/** One hash of everything besides the bytes that decides the keys a pass finds (JSON of plain data). */
export function tallyParams(parts: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: FORMAT, sfsync: version, parts }))
    .digest('hex');
}

/** A file of the owner's own, not a link: a count planted by someone else is not believed. */
function readOwn(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > 1_000_000) return null;
    if (process.getuid && stat.uid !== process.getuid()) return null;
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function isSaved(value: unknown, key: TallyKey): value is Saved {
  const s = value as Partial<Saved> | null;
  return (
    s !== null &&
    typeof s === 'object' &&
    s.v === FORMAT &&
    s.sha256 === key.sha256 &&
    s.size === key.size &&
    s.params === key.params &&
    typeof s.records === 'number' &&
    typeof s.blank === 'number' &&
    Array.isArray(s.blankLines) &&
    typeof s.repeated?.keys === 'number' &&
    typeof s.repeated.records === 'number' &&
    Array.isArray(s.repeated.groups) &&
    Array.isArray(s.top)
  );
}

/** The count an earlier run saved in a run folder under one of `roots` for these bytes and params, or null. */
export function findTally(roots: string[], key: TallyKey): KeyScan | null {
  for (const root of roots) {
    let names: string[];
    try {
      names = fs.readdirSync(root);
    } catch {
      continue;
    }
    // Newest first when the folders are named by time (the default); any match is as good as another.
    for (const name of names.sort().reverse()) {
      const text = readOwn(path.join(root, name, FILE));
      if (text === null) continue;
      let saved: unknown;
      try {
        saved = JSON.parse(text);
      } catch {
        continue;
      }
      if (!isSaved(saved, key)) continue;
      const { records, blank, blankLines, repeated, top } = saved;
      return { records, blank, blankLines, repeated, top, complete: true };
    }
  }
  return null;
}

/** Saves a whole file's count in the run's folder; a count that cannot be saved only costs the next run a pass. */
export function saveTally(dir: string, key: TallyKey, scan: KeyScan): void {
  if (!scan.complete) return;
  const { records, blank, blankLines, repeated, top } = scan;
  const saved: Saved = { v: FORMAT, ...key, records, blank, blankLines, repeated, top };
  const file = path.join(dir, FILE);
  try {
    const c = fs.constants;
    const fd = fs.openSync(file, c.O_WRONLY | c.O_CREAT | c.O_TRUNC | (c.O_NOFOLLOW ?? 0), 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(saved)}\n`);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    fs.rmSync(file, { force: true });
  }
}
