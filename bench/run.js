// npm run bench [-- scenario...]: runs the benchmark scenarios and prints a table for each.
// Scenarios: sync (sfsync's own runs), emulator (the local org's own throughput), data (what --data costs), export
// (sfsync export), locks (row lock retries with and without grouping by parent), undo (an update run and its
// undo), plan (a six-step plan of 10,000 and 100,000 records, REST and Bulk, and its undo), rerun (alias
// rerun-time: a first upsert and the same file again, nothing changed: time, CPU and calls, the rerun as a share
// of the first run; and the export round trip), peers (sfsync against the Salesforce CLI and jsforce; see
// peers.js), dryrun (the offline dry run against raw csv-parse alone). Sizes can be lowered with
// BENCH_SIZES=10000,50000.
import { benchData } from './data.js';
import { benchEmulator } from './emulator.js';
import { benchExport } from './export.js';
import { benchLocks } from './locks.js';
import { benchPeers } from './peers.js';
import { benchPlan } from './plan.js';
import { benchRerun } from './rerun.js';
import { benchDryRun, benchSync } from './sync.js';
import { benchUndo } from './undo.js';

const scenarios = {
  sync: benchSync,
  emulator: benchEmulator,
  data: benchData,
  export: benchExport,
  locks: benchLocks,
  undo: benchUndo,
  plan: benchPlan,
  rerun: benchRerun,
  peers: benchPeers,
  dryrun: benchDryRun,
  'rerun-time': benchRerun,
};
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const sizes = process.env.BENCH_SIZES?.split(',').map(Number);
for (const name of wanted.length > 0 ? wanted : Object.keys(scenarios)) {
  const run = scenarios[name];
  if (!run) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    process.exitCode = 1;
    continue;
  }
  await run(sizes);
}
