import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SfsyncError } from '../errors.js';

const LOCK = 'sfsync.lock';

interface Holder {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(file: string): Holder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string'
      ? { pid: h.pid, host: h.host, started: String(h.started ?? '') }
      : null;
  } catch {
    return null;
  }
}

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
    const nonce = Math.random().toString(36).slice(2);
    // The nonce tells two runs of one process apart (release frees only this run's lock).
    const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), started: now.toISOString(), nonce });
    // Written whole to a file of its own, then linked into place: the lock appears with its content, or not at all.
    const draft = path.join(dir, `${LOCK}.${process.pid}.${nonce}`);
    fs.writeFileSync(draft, `${mine}\n`, { mode: 0o600, flag: 'wx' });
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          fs.linkSync(draft, file);
          return new ResultsLock(file, mine);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const who = ResultsLock.heldBy(dir);
        if (who !== null || attempt > 0) {
          throw new SfsyncError('RESULTS_LOCKED', `${dir} is in use by ${who ?? 'another run'}.`, {
            hint: `Wait for that run to end, or pass another folder with --results DIR. If no run is using it (it ran on another machine), remove ${file}.`,
          });
        }
        fs.rmSync(file, { force: true });
      }
    } finally {
      fs.rmSync(draft, { force: true });
    }
  }

  /** Who holds the folder's lock, or null when no live process does (no lock, or one left by a killed run). */
  static heldBy(dir: string): string | null {
    const file = path.join(dir, LOCK);
    if (!fs.existsSync(file)) return null;
    const holder = holderOf(file);
    if (!holder) return 'another run';
    if (holder.host === os.hostname() && !alive(holder.pid)) return null;
    return `process ${holder.pid} on ${holder.host}${holder.started ? `, since ${holder.started}` : ''}`;
  }

  /** Frees the folder, if the lock is still this run's. */
  release(): void {
    try {
      if (fs.readFileSync(this.file, 'utf8').trim() === this.mine) fs.rmSync(this.file, { force: true });
    } catch {
      // Already gone.
    }
  }
}
