// The sync benchmark: sfsync runs as its own process against the local org (another process), and the table
// gives records, wall seconds, records per second, API calls per 1,000 records and sfsync's peak RSS.
// Scenarios: 100k-row upsert on Email via REST and via Bulk; 1M-row insert via Bulk; 1M-row offline dry run;
// the two-calls-per-record strategy (a query and a write per record) on a 2,000-row sample, extrapolated;
// and the raw csv-parse rate the offline dry run is compared with.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/sfsync.js');
const PROBE = path.join(root, 'bench/rss-probe.js');
const work = path.join(root, '.bench');
fs.mkdirSync(work, { recursive: true });

export function contactsFile(name, rows) {
  const file = path.join(work, name);
  if (fs.existsSync(file)) return file;
  const out = fs.createWriteStream(file);
  out.write('FirstName,LastName,Email,Phone,Title\n');
  for (let i = 0; i < rows; i++)
    out.write(
      `First${i},Last ${i},person${i}@bench.example,+1 555 ${String(i).padStart(7, '0')},"Engineer, level ${i % 5}"\n`,
    );
  out.end();
  return new Promise((resolve) => out.on('finish', () => resolve(file)));
}

export function startOrg() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=12000', BIN, 'emulator', '--json', '--port', '0', '--api-limit', '1000000000'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('\n'))
        resolve({
          info: JSON.parse(out.split('\n')[0]),
          // Waits for the org to be gone, so that the next scenario does not share the CPU with its exit.
          stop: () =>
            new Promise((done) => {
              child.once('exit', done);
              child.kill('SIGTERM');
            }),
        });
    });
    child.on('error', reject);
  });
}

export function sfsync(args, env, cwd = work) {
  const rssFile = path.join(work, `rss-${process.pid}-${Date.now()}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PROBE, BIN, ...args, '--json'], {
      cwd,
      env: { ...process.env, ...env, SFSYNC_BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const doc = JSON.parse(out);
      if (code !== 0)
        return reject(new Error(`sfsync ${args.join(' ')} exited ${code}: ${out.slice(0, 500)}`));
      resolve({ seconds, result: doc.result, rss: Number(fs.readFileSync(rssFile, 'utf8')) });
    });
  });
}

export async function orgCalls(info) {
  const res = await fetch(`${info.instanceUrl}/__emulator/state`, {
    headers: { Authorization: `Bearer ${info.accessToken}` },
  });
  return (await res.json()).apiCalls;
}

async function scenario(name, rows, args) {
  const org = await startOrg();
  try {
    const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
    const before = await orgCalls(org.info);
    const r = await sfsync(args, env);
    const calls = (await orgCalls(org.info)) - before;
    if (r.result.counts.total !== rows || r.result.counts.failed !== 0)
      throw new Error(`${name}: ${JSON.stringify(r.result.counts)}`);
    return row(name, rows, r.seconds, calls, r.rss);
  } finally {
    await org.stop();
  }
}

export function row(name, records, seconds, calls, rss) {
  return {
    scenario: name,
    records,
    'wall s': Number(seconds.toFixed(1)),
    'records/s': Math.round(records / seconds),
    'API calls / 1,000': calls === null ? '—' : Number(((calls / records) * 1000).toFixed(2)),
    'peak RSS MB': rss === null ? '—' : Math.round(rss / 1e6),
  };
}

/** The reference system's strategy: for each record, one query to find it and one write. */
async function twoCallsPerRecord(file, sample) {
  const org = await startOrg();
  try {
    const { instanceUrl, accessToken } = org.info;
    const headers = { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' };
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .slice(1, sample + 1);
    const started = performance.now();
    let calls = 0;
    for (const line of lines) {
      const [FirstName, LastName, Email] = line.split(',');
      const q = await fetch(
        `${instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Contact WHERE Email = '${Email}'`)}`,
        { headers },
      );
      const found = (await q.json()).records;
      calls++;
      const body = JSON.stringify({ FirstName, LastName, Email });
      if (found.length === 1)
        await fetch(`${instanceUrl}/services/data/v62.0/sobjects/Contact/${found[0].Id}`, {
          method: 'PATCH',
          headers,
          body,
        });
      else
        await (
          await fetch(`${instanceUrl}/services/data/v62.0/sobjects/Contact`, {
            method: 'POST',
            headers,
            body,
          })
        ).text();
      calls++;
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, calls };
  } finally {
    await org.stop();
  }
}

/**
 * One process, timed whole (start-up included): wall seconds, and CPU seconds (user + sys) with peak RSS from
 * /usr/bin/time where it exists. The dry run and raw csv-parse are both measured this way.
 */
function timedProcess(args, env = {}) {
  const stats = path.join(work, `time-${process.pid}-${Date.now()}`);
  const timed = fs.existsSync('/usr/bin/time');
  const [cmd, rest] = timed
    ? ['/usr/bin/time', ['-f', '%U %S %M', '-o', stats, process.execPath, ...args]]
    : [process.execPath, args];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, {
      cwd: work,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited ${code}: ${out.slice(0, 500)}`));
      if (!timed) return resolve({ seconds, cpu: null, rss: null, out });
      const [user, sys, kb] = fs.readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
      fs.rmSync(stats, { force: true });
      resolve({ seconds, cpu: user + sys, rss: kb * 1024, out });
    });
  });
}

/**
 * The offline dry run against raw csv-parse of the same file (bench/peers/csv-parse-raw.js), whole process
 * against whole process, measured the same way; they take turns BENCH_REPEAT times (5) and the fastest wall time
 * and the least CPU of each are kept: on a shared machine a slow moment then falls on both alike.
 */
export async function dryRunAgainstCsvParse(file, records) {
  const repeat = Number(process.env.BENCH_REPEAT ?? 5);
  const best = (a, b) =>
    !a
      ? b
      : {
          ...a,
          seconds: Math.min(a.seconds, b.seconds),
          cpu: Math.min(a.cpu ?? Infinity, b.cpu ?? Infinity),
        };
  let dry;
  let raw;
  for (let i = 0; i < repeat; i++) {
    const folder = path.join(work, `dry-${process.pid}-${i}`);
    fs.rmSync(folder, { recursive: true, force: true });
    const d = await timedProcess([
      BIN,
      'create',
      file,
      '--object',
      'Contact',
      '--dry-run',
      '--offline',
      '--results',
      folder,
      '--json',
    ]);
    const counts = JSON.parse(d.out).result.counts;
    if (counts.total !== records) throw new Error(`dry run: ${JSON.stringify(counts)}`);
    fs.rmSync(folder, { recursive: true, force: true });
    dry = best(dry, d);
    const c = await timedProcess([path.join(root, 'bench/peers/csv-parse-raw.js'), file]);
    if (JSON.parse(c.out).records !== records) throw new Error(`csv-parse: ${c.out}`);
    raw = best(raw, c);
  }
  return { dry, raw, repeat };
}

export async function benchSync() {
  const small = await contactsFile('contacts-100k.csv', 100_000);
  const big = await contactsFile('contacts-1m.csv', 1_000_000);
  const rows = [];
  rows.push(
    await scenario('upsert on Email, REST', 100_000, [
      'upsert',
      small,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      'rest',
      '--results',
      'r1',
    ]),
  );
  rows.push(
    await scenario('upsert on Email, Bulk', 100_000, [
      'upsert',
      small,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      'bulk',
      '--results',
      'r2',
    ]),
  );
  rows.push(
    await scenario('insert, Bulk', 1_000_000, [
      'create',
      big,
      '--object',
      'Contact',
      '--api',
      'bulk',
      '--results',
      'r3',
    ]),
  );
  const { dry, raw, repeat } = await dryRunAgainstCsvParse(big, 1_000_000);
  rows.push(row(`dry run --offline (fastest of ${repeat})`, 1_000_000, dry.seconds, 0, dry.rss));
  const base = await twoCallsPerRecord(small, 2_000);
  const perRecord = base.seconds / 2_000;
  rows.push({
    ...row(
      'two calls per record (2,000 sample → 100k)',
      100_000,
      perRecord * 100_000,
      (base.calls / 2_000) * 100_000,
      null,
    ),
    'wall s': `${Math.round(perRecord * 100_000)} (extrapolated)`,
  });
  rows.push({
    ...row(`raw csv-parse, no sfsync (fastest of ${repeat})`, 1_000_000, raw.seconds, null, raw.rss),
  });
  console.log('\nsfsync against the local org (separate processes)');
  console.table(rows);
  const rest = rows[0];
  console.log(
    `REST upsert is ${(((base.seconds / 2_000) * 100_000) / rest['wall s']).toFixed(0)}x faster than two calls per record, with ${(((base.calls / 2_000) * 1000) / rest['API calls / 1,000']).toFixed(0)}x fewer API calls.`,
  );
  console.log(
    `Offline dry run, whole process against whole process: ${(raw.seconds / dry.seconds).toFixed(2)}× raw csv-parse's speed by wall time, ${raw.cpu && dry.cpu ? (raw.cpu / dry.cpu).toFixed(2) : '—'}× by CPU time (goal ≥ 0.6×; load ${os.loadavg()[0].toFixed(1)}).`,
  );
  return rows;
}

/** `npm run bench -- dryrun`: only the offline dry run against raw csv-parse (sizes from BENCH_SIZES, 1M). */
export async function benchDryRun(sizes = [1_000_000]) {
  const rows = [];
  for (const n of sizes) {
    const file = await contactsFile(n === 1_000_000 ? 'contacts-1m.csv' : `contacts-${n}.csv`, n);
    const { dry, raw, repeat } = await dryRunAgainstCsvParse(file, n);
    const cpu = (r) => (r.cpu === null ? '—' : Number(r.cpu.toFixed(2)));
    rows.push(
      { ...row(`dry run --offline (fastest of ${repeat})`, n, dry.seconds, 0, dry.rss), 'CPU s': cpu(dry) },
      { ...row(`raw csv-parse (fastest of ${repeat})`, n, raw.seconds, null, raw.rss), 'CPU s': cpu(raw) },
    );
    console.log(
      `${n.toLocaleString('en')} rows: dry run at ${(raw.seconds / dry.seconds).toFixed(2)}× raw csv-parse's speed by wall time, ${dry.cpu && raw.cpu ? (raw.cpu / dry.cpu).toFixed(2) : '—'}× by CPU (goal ≥ 0.6×; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
    );
  }
  console.log('\nOffline dry run against raw csv-parse (each a whole process, taking turns)');
  console.table(rows);
  return rows;
}
