// The rerun benchmark (`npm run bench -- rerun`, alias `rerun-time`; issue 19's goal: a rerun with nothing changed
// makes no write call and takes ≤ 1/3 of its first run's time). A pair of runs on a fresh local org (its own
// process): an upsert on Email of N contacts into the empty org (the first run, creating all), then the same file
// again (the rerun: every record `unchanged`). Pairs run BENCH_REPEAT times (3), REST and Bulk taking turns. Each
// run is a whole sfsync process under /usr/bin/time: wall time, CPU (user + sys), peak RSS, and the org's own count
// of API calls. The table keeps the fastest wall and least CPU of each run, and each pair's rerun/first ratio (the
// two runs back to back, so that a shared machine's load weighs on both alike); the load average is printed.
// Last, on the last Bulk pair's org, the export round trip: an export through a Bulk query job upserted back by Id
// (nothing to write).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactsFile, orgCalls, startOrg } from './sync.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/sfsync.js');
const work = path.join(root, '.bench');

/** One sfsync run as a whole process: wall and CPU seconds, peak RSS (from /usr/bin/time), calls and result. */
async function run(args, org) {
  const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
  const stats = path.join(work, `rerun-time-${process.pid}-${Date.now()}`);
  const calls = await orgCalls(org.info);
  const started = performance.now();
  const { code, out } = await new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%U %S %M', '-o', stats, process.execPath, BIN, ...args, '--json'],
      { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, out: text }));
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`sfsync ${args.join(' ')} exited ${code}: ${out.slice(0, 500)}`);
  const [user, sys, rssKb] = fs.readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
  fs.rmSync(stats, { force: true });
  const result = JSON.parse(out).result;
  const c = result.counts ?? {};
  const written = (c.created ?? 0) + (c.updated ?? 0);
  return {
    seconds,
    cpu: user + sys,
    rss: rssKb * 1024,
    calls: (await orgCalls(org.info)) - calls,
    counts: c,
    written,
    // A REST run writes in calls of 200; a Bulk run's writes are its ingest jobs.
    writeCalls: result.api === 'bulk' ? (result.bulkJobs?.length ?? 0) : Math.ceil(written / 200),
    result,
  };
}

/** A first run and its rerun on a fresh org; with `roundTrip`, the export round trip on the same org after. */
async function pair(file, rows, api, roundTrip) {
  const org = await startOrg();
  const folder = path.join(work, `rerun-${process.pid}-${Date.now()}`);
  const upsert = (n) => [
    ...['upsert', file, '--object', 'Contact', '--match', 'Email', '--api', api],
    ...['--results', `${folder}-${n}`],
  ];
  try {
    const first = await run(upsert(1), org);
    const again = await run(upsert(2), org);
    if (first.counts.created !== rows || again.counts.unchanged !== rows || again.written !== 0)
      throw new Error(`${api}: ${JSON.stringify(first.counts)} then ${JSON.stringify(again.counts)}`);
    return { first, again, trip: roundTrip ? await exportRoundTrip(org, folder, rows) : undefined };
  } finally {
    await org.stop();
    for (const n of [1, 2, 3]) fs.rmSync(`${folder}-${n}`, { recursive: true, force: true });
    fs.rmSync(`${folder}-export.csv`, { force: true });
  }
}

async function exportRoundTrip(org, folder, rows) {
  const exported = `${folder}-export.csv`;
  const fields = 'Id,FirstName,LastName,Email,Phone,Title';
  const ex = await run(
    ['export', '--object', 'Contact', '--fields', fields, '--api', 'bulk', '-o', exported],
    org,
  );
  const back = await run(
    ['upsert', exported, '--object', 'Contact', '--api', 'bulk', '--results', `${folder}-3`],
    org,
  );
  if (ex.result.records !== rows || back.written !== 0)
    throw new Error(`round trip: ${ex.result.records} exported, ${back.written} written back`);
  return { ex, back };
}

const best = (runs, k) => Math.min(...runs.map((r) => r[k]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fixed = (x, d = 2) => Number(x.toFixed(d));

function rowOf(pathName, name, n, runs, share) {
  const last = runs[runs.length - 1];
  return {
    path: pathName,
    run: name,
    records: n,
    'wall s': fixed(best(runs, 'seconds')),
    'CPU s': fixed(best(runs, 'cpu')),
    'API calls': last.calls,
    written: last.written,
    'write calls or jobs': last.writeCalls,
    'peak RSS MB': Math.round(Math.max(...runs.map((r) => r.rss)) / 1e6),
    'rerun / first (each pair)': share ?? '',
  };
}

export async function benchRerun(sizes = [100_000]) {
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const rows = [];
  const loads = [os.loadavg()[0]];
  for (const n of sizes) {
    const file = await contactsFile(`contacts-${n}.csv`, n);
    const pairs = { rest: [], bulk: [] };
    let trip;
    for (let i = 0; i < repeat; i++)
      for (const api of ['rest', 'bulk']) {
        const p = await pair(file, n, api, api === 'bulk' && i === repeat - 1);
        pairs[api].push(p);
        trip ??= p.trip;
        loads.push(os.loadavg()[0]);
      }
    for (const [api, ps] of Object.entries(pairs)) {
      const name = api === 'rest' ? 'REST' : 'Bulk';
      const wall = ps.map((p) => p.again.seconds / p.first.seconds);
      const cpu = ps.map((p) => p.again.cpu / p.first.cpu);
      const share = `wall ${wall.map((x) => x.toFixed(2)).join(' ')} (median ${median(wall).toFixed(2)}); CPU ${cpu.map((x) => x.toFixed(2)).join(' ')}`;
      rows.push(
        rowOf(
          name,
          'first (creates all)',
          n,
          ps.map((p) => p.first),
        ),
      );
      rows.push(
        rowOf(
          name,
          'rerun, nothing changed',
          n,
          ps.map((p) => p.again),
          share,
        ),
      );
    }
    if (trip) {
      rows.push(rowOf('Bulk', 'export (Bulk query job)', n, [trip.ex]));
      rows.push(rowOf('Bulk', 'that export upserted back by Id', n, [trip.back]));
    }
  }
  console.log(
    `\nA rerun with nothing changed (upsert on Email; best of ${repeat}, fresh org per pair, REST and Bulk taking turns; ${os.cpus().length} cores, load average ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}; goal: rerun ≤ 1/3 of its first run's time, no write calls)`,
  );
  console.table(rows);
  return rows;
}
