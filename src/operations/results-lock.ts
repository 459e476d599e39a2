import fs from 'node:fs';
import path from 'node:path';
import {
  abandonedBy,
  createLockFile,
  lockContent,
  lockHolder,
  releaseLockFile,
} from '../core/process-lock.js';
import { SfsyncError } from '../errors.js';

const LOCK = 'sfsync.lock';

/**
 * Holds a results folder for one run at a time: two runs writing one folder would interleave their results and
 * their journal, and both send the same records. The lock file names the process and host; a lock whose process
 * is gone (on this host) was left by a run that was killed, and is taken over.
 */
export class ResultsLock {
  private constructor(
    readonly file: string,
    private readonly mine: string,
  ) {}

  static take(dir: string, now: Date): ResultsLock {
    const file = path.join(dir, LOCK);
    const mine = lockContent(now);
    for (let attempt = 0; ; attempt++) {
      if (createLockFile(file, mine)) return new ResultsLock(file, mine);
      const who = ResultsLock.heldBy(dir);
      if (who !== null || attempt > 0) throw ResultsLock.inUse(dir, who ?? 'another run');
      fs.rmSync(file, { force: true });
    }
  }

  /** The refusal of a run into a folder another run holds. */
  static inUse(dir: string, who: string): SfsyncError {
    return new SfsyncError('RESULTS_LOCKED', `${dir} is in use by ${who}.`, {
      hint: `Wait for that run to end, or pass another folder with --results DIR. If no run is using it (it ran on another machine), remove ${path.join(dir, LOCK)}.`,
    });
  }

  /** Who holds the folder's lock, or null when no live process does (no lock, or one left by a killed run). */
  static heldBy(dir: string): string | null {
    const file = path.join(dir, LOCK);
    if (!fs.existsSync(file)) return null;
    const holder = lockHolder(file);
    if (!holder) return 'another run';
    if (abandonedBy(holder)) return null;
    return `process ${holder.pid} on ${holder.host}${holder.started ? `, since ${holder.started}` : ''}`;
  }

  /** Frees the folder, if the lock is still this run's. */
  release(): void {
    releaseLockFile(this.file, this.mine);
  }
}
