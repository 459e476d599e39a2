import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  abandonedBy,
  createLockFile,
  lockContent,
  lockHolder,
  releaseLockFile,
  type LockHolder,
} from '../core/process-lock.js';
import type { SyncOptions } from '../core/sync-options.js';
import { SfsyncError } from '../errors.js';
import { ResultsLock } from './results-lock.js';

/** Where the claims live: a folder of this user's in the system's temporary folder. */
function claimsDir(): string {
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
  return path.join(os.tmpdir(), `sfsync-runs-${user}`);
}

function describe(holder: LockHolder | null): string {
  return holder
    ? `process ${holder.pid} on ${holder.host}${holder.started ? `, since ${holder.started}` : ''}`
    : 'another process';
}

/**
 * One run of a file at a time. The guard against a second run by mistake finds an earlier run by its results
 * folder, which a run makes only once it has counted the file's keys and matched (minutes on a large file): a
 * second run started meanwhile would send the same records, and an upsert of both creates its new records twice.
 * So a run claims its operation, file, object and mapping from its start (a lock file naming its process, taken
 * over when that process is gone), and a second one is refused while the first runs. Not for dry runs or stdin.
 */
export function claimRun(opts: SyncOptions, cwd: string, file: string, mapping: string | null): () => void {
  if (opts.dryRun || file === '-') return () => {};
  // A folder in use is named as such, whatever else this run would find.
  if (opts.results !== undefined) {
    const named = path.resolve(cwd, opts.results);
    const who = ResultsLock.heldBy(named);
    if (who) throw ResultsLock.inUse(named, who);
  }
  const key = createHash('sha256')
    .update([opts.operation, file, opts.object ?? '', mapping ?? ''].join('\n'))
    .digest('hex')
    .slice(0, 32);
  const dir = claimsDir();
  const claim = path.join(dir, `${key}.lock`);
  const mine = lockContent(new Date());
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    // No claims where none can be written (a read-only temporary folder): the results folder guard remains.
    return () => {};
  }
  for (let attempt = 0; !createLockFile(claim, mine); attempt++) {
    const holder = lockHolder(claim);
    if (attempt > 0 || !(abandonedBy(holder) || (!holder && stale(claim)))) {
      throw new SfsyncError(
        'RESULTS_LOCKED',
        `An earlier ${opts.operation} of ${opts.file} is still running (${describe(holder)}): two runs of one file at once would both send its records.`,
        {
          hint: `Wait for it to end (its results folder is printed when it starts writing); if no sfsync is running, remove ${claim}.`,
        },
      );
    }
    fs.rmSync(claim, { force: true });
  }
  return () => releaseLockFile(claim, mine);
}

/** A claim that names no holder (torn) and is older than any write of it could take. */
function stale(file: string): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > 2_000;
  } catch {
    return true;
  }
}
