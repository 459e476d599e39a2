// npm run soak: the fault soak of test/soak.test.ts, longer. SFSYNC_SOAK_TRIALS (default 40), SFSYNC_SOAK_RECORDS
// (default 2,000) and SFSYNC_SOAK_SEED (default: new each run, printed in the report; trial i runs with seed + i, and
// SFSYNC_SOAK_SEED=<that seed> SFSYNC_SOAK_TRIALS=1 runs one trial again). SFSYNC_SOAK_BUDGET_S: no trial starts
// after that many seconds (default none; the suite uses 10). SFSYNC_SOAK_PARALLEL: trials run at once (default 2).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  SFSYNC_SOAK_TRIALS: process.env.SFSYNC_SOAK_TRIALS ?? '40',
  SFSYNC_SOAK_RECORDS: process.env.SFSYNC_SOAK_RECORDS ?? '2000',
  SFSYNC_SOAK_SEED: process.env.SFSYNC_SOAK_SEED ?? String(Date.now() % 1_000_000_000),
  // No time budget unless one is asked for (in seconds).
  SFSYNC_SOAK_BUDGET_S: process.env.SFSYNC_SOAK_BUDGET_S ?? '0',
};
console.log(
  `soak: ${env.SFSYNC_SOAK_TRIALS} trials of ${env.SFSYNC_SOAK_RECORDS} records from seed ${env.SFSYNC_SOAK_SEED}`,
);
const child = spawn(
  process.execPath,
  [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/soak.test.ts'],
  { cwd: root, env, stdio: 'inherit' },
);
child.on('close', (code) => {
  process.exitCode = code ?? 1;
});
