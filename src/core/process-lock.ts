import fs from 'node:fs';
import os from 'node:os';

/** Who wrote a lock file: a process on a host, since when. */
export interface LockHolder {
  pid: number;
  host: string;
  started: string;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder a lock file names, or null when it names none (empty, torn, or not sfsync's). */
export function lockHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string'
      ? { pid: h.pid, host: h.host, started: String(h.started ?? '') }
      : null;
  } catch {
    return null;
  }
}

/** Whether a lock was left by a process of this host that is gone (killed): it can be taken over. */
export function abandonedBy(holder: LockHolder | null): boolean {
  return holder !== null && holder.host === os.hostname() && !processAlive(holder.pid);
}

/** What this process writes into a lock it takes; the nonce tells two locks of one process apart. */
export function lockContent(now: Date): string {
  const nonce = Math.random().toString(36).slice(2);
  return JSON.stringify({ pid: process.pid, host: os.hostname(), started: now.toISOString(), nonce });
}

/**
 * Creates `file` holding `content`, whole or not at all (written to a file of its own, then linked into place),
 * so a reader never finds a lock without its holder. False when the lock exists already.
 */
export function createLockFile(file: string, content: string): boolean {
  const draft = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(draft, `${content}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(draft, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** Removes a lock only while it is still the one written with `content`. */
export function releaseLockFile(file: string, content: string): void {
  try {
    if (fs.readFileSync(file, 'utf8').trim() === content) fs.rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}
