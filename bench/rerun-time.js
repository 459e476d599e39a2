// The rerun time benchmark (`npm run bench -- rerun-time`; `rerun` counts its calls): a 100k-row upsert on Email into an empty local org, then the same file again with nothing
// changed (every record `unchanged`, no write call), through REST and through Bulk. Each pair runs on a fresh org,
// BENCH_REPEAT times (3), the paths taking turns; the table keeps the fastest wall time and least CPU of each run
// and gives the rerun's time as a share of the first run's (goal ≤ 1/3).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactsFile, orgCalls, startOrg } from './sync.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/sfsync.js');
const work = path.join(root, '.bench');

/** One sfsync run as a whole process: wall seconds, CPU seconds (user + sys, from /usr/bin/time) and counts. */
function run(args, env) {
  const stats = path.join(work, `rerun-time-${process.pid}-${Date.now()}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%U %S', '-o', stats, process.execPath, BIN, ...args, '--json'],
      {
        cwd: work,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0)
        return reject(new Error(`sfsync ${args.join(' ')} exited ${code}: ${out.slice(0, 500)}`));
      const [user, sys] = fs.readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
      fs.rmSync(stats, { force: true });
      resolve({ seconds, cpu: user + sys, counts: JSON.parse(out).result.counts });
    });
  });
}

async function pair(file, rows, api) {
  const org = await startOrg();
  const folder = path.join(work, `rerun-${process.pid}-${Date.now()}`);
  try {
    const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
    const args = (n) => [
      'upsert',
      file,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      api,
      '--results',
      `${folder}-${n}`,
    ];
    let calls = await orgCalls(org.info);
    const first = await run(args(1), env);
    first.calls = (await orgCalls(org.info)) - calls;
    calls = await orgCalls(org.info);
    const again = await run(args(2), env);
    again.calls = (await orgCalls(org.info)) - calls;
    if (first.counts.created !== rows || again.counts.unchanged !== rows)
      throw new Error(`${api}: ${JSON.stringify(first.counts)} then ${JSON.stringify(again.counts)}`);
    return { first, again };
  } finally {
    await org.stop();
    for (const n of [1, 2]) fs.rmSync(`${folder}-${n}`, { recursive: true, force: true });
  }
}

export async function benchRerunTime(sizes = [100_000]) {
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const rows = [];
  for (const n of sizes) {
    const file = await contactsFile(`contacts-${n}.csv`, n);
    const best = {};
    for (let i = 0; i < repeat; i++)
      for (const api of ['rest', 'bulk']) {
        const { first, again } = await pair(file, n, api);
        const b = (best[api] ??= {
          first: { seconds: Infinity, cpu: Infinity },
          again: { seconds: Infinity, cpu: Infinity },
        });
        for (const k of ['first', 'again']) {
          const r = k === 'first' ? first : again;
          b[k] = {
            seconds: Math.min(b[k].seconds, r.seconds),
            cpu: Math.min(b[k].cpu, r.cpu),
            calls: r.calls,
          };
        }
      }
    for (const [api, b] of Object.entries(best))
      for (const k of ['first', 'again'])
        rows.push({
          path: api === 'rest' ? 'REST' : 'Bulk',
          run: k === 'first' ? 'first (creates all)' : 'rerun, nothing changed',
          records: n,
          'wall s': Number(b[k].seconds.toFixed(2)),
          'CPU s': Number(b[k].cpu.toFixed(2)),
          'API calls': b[k].calls,
          'share of first run':
            k === 'first'
              ? ''
              : `${(b.again.seconds / b.first.seconds).toFixed(2)} wall, ${(b.again.cpu / b.first.cpu).toFixed(2)} CPU`,
        });
  }
  console.log(
    `\nA rerun with nothing changed (upsert on Email; best of ${repeat}, fresh org per pair; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; goal: rerun ≤ 1/3 of the first run's time, no write calls)`,
  );
  console.table(rows);
  return rows;
}
