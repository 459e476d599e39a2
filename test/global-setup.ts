import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(ROOT, 'dist/.build-stamp');
/** What the build reads: a change to any of these makes dist/ stale. */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/copy-assets.js'];

function newestMtime(file: string): number {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, entry)));
  return newest;
}

/**
 * Builds dist/ once before any test file runs, so that plain `npx vitest` never runs bin/sfsync.js from a stale
 * build. Skipped when nothing the build reads changed since the last build (a few ms instead of a few seconds).
 */
export default function setup(): void {
  const built = fs.existsSync(STAMP) ? fs.statSync(STAMP).mtimeMs : 0;
  const inputs = Math.max(...INPUTS.map((f) => newestMtime(path.join(ROOT, f))));
  if (built > inputs) return;
  const started = Date.now();
  try {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    execFileSync(process.execPath, ['scripts/copy-assets.js'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `The build (npm run build) failed, so bin/sfsync.js cannot be tested:\n${e.stdout}${e.stderr}`,
    );
  }
  fs.writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  // The stamp's time is when the build started: a source saved during the build still counts as newer.
  fs.utimesSync(STAMP, new Date(started), new Date(started));
}
