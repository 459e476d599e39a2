import fs from 'node:fs';
import path from 'node:path';

/** The data file is held by another local org that is still running. */
export class DataFileLockedError extends Error {
  constructor(
    readonly file: string,
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(`${file} is in use by another local org (process ${pid}).`);
    this.name = 'DataFileLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One org per data file: two would interleave their lines and each compaction would drop the other's changes.
 * The lock file holds the process id; one left by a killed org (its process gone) is taken over.
 */
const heldHere = new Set<string>();

export function takeLock(file: string): string {
  const lock = `${file}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(path.resolve(lock));
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    let pid = NaN;
    try {
      pid = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
    } catch {
      // Gone meanwhile, or unreadable: try once more.
    }
    // Our own process id is a live holder only when this process took the lock (else it is a reused id).
    const held = pid === process.pid ? heldHere.has(path.resolve(lock)) : Number.isInteger(pid) && alive(pid);
    if (held) throw new DataFileLockedError(file, lock, pid);
    fs.rmSync(lock, { force: true });
  }
}

export function releaseLock(lock: string): void {
  fs.rmSync(lock, { force: true });
  heldHere.delete(path.resolve(lock));
}
