// Runs the test suite several times in a row while other processes keep every core busy, as on a loaded CI
// machine, and tells how many runs passed. `npm run test:stress [-- <vitest args>]`, e.g. `-- test/sync`.
//   SFSYNC_STRESS_RUNS  how many runs (default 10)
//   SFSYNC_STRESS_LOAD  how many busy-loop processes (default: one per core; 0 runs the suite unloaded)
import { spawn } from 'node:child_process';
import os from 'node:os';

function count(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) {
    console.error(`${name} must be a whole number (got "${raw}").`);
    process.exit(2);
  }
  return Number(raw);
}

const runs = count('SFSYNC_STRESS_RUNS', 10);
const load = count('SFSYNC_STRESS_LOAD', os.availableParallelism());
const vitestArgs = process.argv.slice(2);

const busy = [];
for (let i = 0; i < load; i++) {
  busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}
/** The vitest run going on, ended with the script: its workers then end their tests' children (test/helpers/children.ts). */
let current = null;
const stopLoad = () => {
  for (const child of busy) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};
process.on('exit', stopLoad);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopLoad();
    if (current && current.exitCode === null && current.signalCode === null) current.kill('SIGTERM');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

console.log(
  `${runs} run(s) of vitest${vitestArgs.length ? ` ${vitestArgs.join(' ')}` : ''} ` +
    `with ${load} busy-loop process(es) on ${os.availableParallelism()} core(s)`,
);
const vitest = new URL('../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const results = [];
for (let i = 1; i <= runs; i++) {
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', ...vitestArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // test/durations.json is not rewritten from a loaded run (test/helpers/long-first.ts).
      env: { ...process.env, SFSYNC_STRESS: '1' },
    });
    current = child;
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (c, signal) => {
      // A failed run's output is what one needs to fix it; a passing run prints only its line.
      if (c !== 0) process.stdout.write(output);
      resolve(c ?? signal);
    });
  });
  const seconds = (Date.now() - started) / 1000;
  results.push({ code, seconds });
  console.log(
    `run ${i}/${runs}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s`,
  );
}
stopLoad();

const passed = results.filter((r) => r.code === 0).length;
const times = results.map((r) => r.seconds).sort((a, b) => a - b);
console.log(
  `${passed}/${runs} passed; time min ${times[0]?.toFixed(1)} s, median ${times[Math.floor((times.length - 1) / 2)]?.toFixed(1)} s, max ${times.at(-1)?.toFixed(1)} s`,
);
process.exitCode = passed === runs ? 0 : 1;
