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
import { settingsFromEnv } from '../config/settings.js';
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
 * The org a run writes to, as far as it is known before connecting: --org, SFSYNC_ORG, or SFSYNC_INSTANCE_URL;
 * '' for the stored default org.
 */
function orgOf(opts: SyncOptions, env: NodeJS.ProcessEnv): string {
  const settings = settingsFromEnv(env);
  return opts.org ?? settings.org ?? settings.instanceUrl ?? '';
}

/** What a claim says beyond its holder: where that run writes its results, when it was named. */
function claimedResults(file: string): string | null {
  try {
    const r = (JSON.parse(fs.readFileSync(file, 'utf8')) as { results?: unknown }).results;
    return typeof r === 'string' ? r : null;
  } catch {
    return null;
  }
}

/**
 * One run of a file into an org at a time. The guard against a second run by mistake finds an earlier run by its
 * results folder, which a run makes only once it has counted the file's keys and matched (minutes on a large
 * file): a second run started meanwhile would send the same records, and an upsert of both creates its new records
 * twice, whatever --results each names. So a run claims its operation, file, object, mapping and org from its
 * start (a lock file naming its process, taken over when that process is gone), and a second one is refused while
 * the first runs. Not for dry runs (they write nothing: one may run beside a real run) or stdin; a run into
 * another org (--org) is another claim.
 */
export function claimRun(
  opts: SyncOptions,
  cwd: string,
  file: string,
  mapping: string | null,
  env: NodeJS.ProcessEnv = {},
): () => void {
  if (opts.dryRun || file === '-') return () => {};
  const named = opts.results !== undefined ? path.resolve(cwd, opts.results) : undefined;
  // A folder in use is named as such, whatever else this run would find.
  if (named) {
    const who = ResultsLock.heldBy(named);
    if (who) throw ResultsLock.inUse(named, who);
  }
  const key = createHash('sha256')
    .update([opts.operation, file, opts.object ?? '', mapping ?? '', orgOf(opts, env)].join('\n'))
    .digest('hex')
    .slice(0, 32);
  const dir = claimsDir();
  const claim = path.join(dir, `${key}.lock`);
  const mine = JSON.stringify({ ...(JSON.parse(lockContent(new Date())) as object), results: named ?? null });
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    // No claims where none can be written (a read-only temporary folder): the results folder guard remains.
    return () => {};
  }
  for (let attempt = 0; !createLockFile(claim, mine); attempt++) {
    const holder = lockHolder(claim);
    if (attempt > 0 || !(abandonedBy(holder) || (!holder && stale(claim))))
      throw claimed(opts, cwd, claim, holder);
    fs.rmSync(claim, { force: true });
  }
  return () => releaseLockFile(claim, mine);
}

/** The refusal of a second run of a file while the first runs: what it would do, and each way on. */
function claimed(opts: SyncOptions, cwd: string, claim: string, holder: LockHolder | null): SfsyncError {
  const results = claimedResults(claim);
  const rel = results ? path.relative(cwd, results) : '';
  const where = results ? `, results: ${rel && !rel.startsWith('..') ? rel : results}` : '';
  const twice = opts.operation === 'upsert' || opts.operation === 'create' ? ' (its new records twice)' : '';
  return new SfsyncError(
    'RESULTS_LOCKED',
    `An earlier ${opts.operation} of ${opts.file} is still running (${describe(holder)}${where}): two runs of one file into one org at once would both send its records${twice}, whatever --results each names.`,
    {
      hint: [
        opts.operation === 'create'
          ? 'Wait for it to end and look at its results before running this again: a create run twice creates its records twice.'
          : 'Wait for it to end, then run this again: it finds what the first run wrote and sends nothing twice.',
        `Meanwhile a dry run (--dry-run) may run beside it; a run into another org needs --org ALIAS.`,
        `If no sfsync is running (the process is gone), remove ${claim}.`,
      ].join(' '),
    },
  );
}

/** A claim that names no holder (torn) and is older than any write of it could take. */
function stale(file: string): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > 2_000;
  } catch {
    return true;
  }
}
