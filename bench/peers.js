// The peers benchmark: sfsync against the Salesforce CLI (`sf data import bulk` / `sf data upsert bulk`), raw
// jsforce Bulk API 2.0 and a batched-REST jsforce upsert, on the same files. Every run gets a fresh local org
// (seeded with half the records for the upserts), the tools take turns, and each is run BENCH_REPEAT times (3):
// the table keeps the best of each measure. Time is the whole process, start-up included; CPU is user + sys of the
// tool's process tree and peak RSS its largest process (both from /usr/bin/time); API calls are those the org
// counted. Sizes come from BENCH_SIZES (100000 by default; 1000000 when asked), works from BENCH_WORKS (all by
// default; `bulk` for the two Bulk works).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contactsFile, orgCalls, startOrg } from './sync.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/sfsync.js');
const work = path.join(root, '.bench');
const SF_VERSION = '2.127.2';
const cacheRoot = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'sfsync-peers');
const TIME = '/usr/bin/time';

/** Whether this command line runs the CLI 2.127.2 on this Node: `org list` loads its HTTP stack (newer ones need Node 22). */
function sfRuns(cmd) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-bench-home-'));
  const env = sfEnv(home);
  const run = (args) =>
    spawnSync(cmd[0], [...cmd.slice(1), ...args], { encoding: 'utf8', env, timeout: 60_000 });
  const version = run(['--version']);
  const ok =
    version.status === 0 &&
    version.stdout.includes(SF_VERSION) &&
    run(['org', 'list', '--json']).status === 0;
  fs.rmSync(home, { recursive: true, force: true });
  return ok;
}

function sfEnv(home) {
  return { ...process.env, HOME: home, SF_DISABLE_TELEMETRY: 'true', SF_AUTOUPDATE_DISABLE: 'true' };
}

/**
 * The Salesforce CLI 2.127.2 (newer ones need Node 22): the copy `npm install --prefix` left in the cache when it
 * runs on this Node, else one installed from the CLI's own package with its shrinkwrap (the dependencies it was
 * released with: a plain install pulls newer ones, some of which need Node 22), installed when missing.
 */
function findSf() {
  const plain = path.join(cacheRoot, `sf-${SF_VERSION}`, 'node_modules/.bin/sf');
  if (fs.existsSync(plain) && sfRuns([plain])) return [plain];
  const dir = path.join(cacheRoot, `sf-${SF_VERSION}-shrinkwrap`);
  const run = [process.execPath, path.join(dir, 'package/bin/run.js')];
  if (fs.existsSync(run[1]) && sfRuns(run)) return run;
  console.error(`Installing the Salesforce CLI ${SF_VERSION} into ${dir} (once)...`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const sh = (command, args, cwd) =>
    spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 }).status === 0;
  const ok =
    sh('npm', ['pack', `@salesforce/cli@${SF_VERSION}`, '--silent'], dir) &&
    sh('tar', ['xzf', `salesforce-cli-${SF_VERSION}.tgz`], dir) &&
    (() => {
      // The published devDependencies are not needed and out of step with the shrinkwrap.
      const file = path.join(dir, 'package/package.json');
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      delete pkg.devDependencies;
      fs.writeFileSync(file, JSON.stringify(pkg));
      return true;
    })() &&
    sh(
      'npm',
      ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--silent'],
      path.join(dir, 'package'),
    );
  return ok && sfRuns(run) ? run : null;
}

function extFile(rows) {
  const file = path.join(work, `contacts-ext-${rows}.csv`);
  if (fs.existsSync(file)) return file;
  const out = fs.createWriteStream(file);
  out.write('External_Id__c,FirstName,LastName,Email,Phone,Title\n');
  for (let i = 0; i < rows; i++)
    out.write(
      `EXT-${i},First${i},Last ${i},person${i}@bench.example,+1 555 ${String(i).padStart(7, '0')},"Engineer, level ${i % 5}"\n`,
    );
  out.end();
  return new Promise((resolve) => out.on('finish', () => resolve(file)));
}

/**
 * Inserts the first `rows` records of `file` through one Bulk job, so that an upsert finds half of them; `edit`
 * changes the seeded text, so that the upsert has something to update (sfsync sends only what changed: against
 * records already equal to the file it would skip the half the other tools write).
 */
async function seed(info, file, rows, edit = (text) => text) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const csv = `${edit(lines.slice(0, rows + 1).join('\n'))}\n`;
  const api = `${info.instanceUrl}/services/data/v62.0/jobs/ingest`;
  const headers = { Authorization: `Bearer ${info.accessToken}`, 'Content-Type': 'application/json' };
  const job = await (
    await fetch(api, {
      method: 'POST',
      headers,
      body: JSON.stringify({ object: 'Contact', operation: 'insert' }),
    })
  ).json();
  await fetch(`${api}/${job.id}/batches`, {
    method: 'PUT',
    headers: { ...headers, 'Content-Type': 'text/csv' },
    body: csv,
  });
  await fetch(`${api}/${job.id}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({ state: 'UploadComplete' }),
  });
  for (;;) {
    const state = await (await fetch(`${api}/${job.id}`, { headers })).json();
    if (state.state === 'JobComplete' && state.numberRecordsFailed === 0) return;
    if (['Failed', 'Aborted', 'JobComplete'].includes(state.state))
      throw new Error(`seeding failed: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs a command under /usr/bin/time: wall seconds, CPU seconds of its process tree, peak RSS bytes, stdout. */
function measure(cmd, env, cwd) {
  const stats = path.join(os.tmpdir(), `sfsync-bench-time-${process.pid}-${Date.now()}`);
  const timed = fs.existsSync(TIME);
  const [file, args] = timed ? [TIME, ['-f', '%U %S %M', '-o', stats, ...cmd]] : [cmd[0], cmd.slice(1)];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0)
        return reject(new Error(`${cmd.join(' ')} exited ${code}: ${out.slice(-800)} ${err.slice(-800)}`));
      if (!timed) return resolve({ seconds, cpu: null, rss: null, out });
      const [user, sys, kb] = fs.readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
      fs.rmSync(stats, { force: true });
      resolve({ seconds, cpu: user + sys, rss: kb * 1024, out });
    });
  });
}

function sfsyncCmd(args, folder, bin = BIN) {
  return [process.execPath, bin, ...args, '--results', folder, '--json'];
}

/** BENCH_SFSYNC_BEFORE=path/to/bin/sfsync.js adds that build as "sfsync (before)" to every work, for before/after. */
function withBefore(tools) {
  const before = process.env.BENCH_SFSYNC_BEFORE;
  const own = tools[0];
  if (!before || !own) return tools;
  return [own, ['sfsync (before)', (f, dir) => own[1](f, dir, before)], ...tools.slice(1)];
}

/** BENCH_WORKS=insert,upsert runs only the works whose name holds one of these words (case aside). */
function wanted(work) {
  const words = process.env.BENCH_WORKS?.toLowerCase().split(',').filter(Boolean);
  return !words || words.some((w) => work.toLowerCase().includes(w));
}

/** The works, each with its tools and how to run them on a file. */
function worksOf(files, sf) {
  const script = (name) => path.join(root, 'bench/peers', name);
  // Without --json, its fastest form: with it, `data upsert bulk` prints every record's result.
  const sfCmd = (args) => [...sf, ...args, '--target-org', 'local', '--wait', '60'];
  return [
    {
      work: 'Bulk insert',
      file: files.plain,
      seed: 0,
      tools: [
        [
          'sfsync',
          (f, dir, bin) => sfsyncCmd(['create', f, '--object', 'Contact', '--api', 'bulk'], dir, bin),
        ],
        sf && [
          'Salesforce CLI',
          (f) => sfCmd(['data', 'import', 'bulk', '--file', f, '--sobject', 'Contact']),
        ],
        ['raw jsforce bulk2', (f) => [process.execPath, script('jsforce-bulk2.js'), 'insert', f]],
      ],
    },
    {
      work: 'Bulk upsert, external ID (half exist)',
      file: files.ext,
      seed: 0.5,
      // Every existing record's Title differs: each tool updates the half that exists.
      seedEdit: (text) => text.replaceAll('"Engineer, level', '"Manager, level'),
      tools: [
        [
          'sfsync',
          (f, dir, bin) =>
            sfsyncCmd(
              ['upsert', f, '--object', 'Contact', '--match', 'External_Id__c', '--api', 'bulk'],
              dir,
              bin,
            ),
        ],
        sf && [
          'Salesforce CLI',
          (f) =>
            sfCmd([
              'data',
              'upsert',
              'bulk',
              '--file',
              f,
              '--sobject',
              'Contact',
              '--external-id',
              'External_Id__c',
            ]),
        ],
        [
          'raw jsforce bulk2',
          (f) => [process.execPath, script('jsforce-bulk2.js'), 'upsert', f, 'External_Id__c'],
        ],
      ],
    },
    {
      work: 'REST upsert on Email (half exist)',
      file: files.plain,
      seed: 0.5,
      tools: [
        [
          'sfsync',
          (f, dir, bin) =>
            sfsyncCmd(['upsert', f, '--object', 'Contact', '--match', 'Email', '--api', 'rest'], dir, bin),
        ],
        ['batched REST jsforce', (f) => [process.execPath, script('jsforce-rest-upsert.js'), f]],
      ],
    },
  ]
    .filter((w) => wanted(w.work))
    .map((w) => ({ ...w, tools: withBefore(w.tools.filter(Boolean)) }));
}

/** One run of one tool on a fresh org: seeded, logged in (for the CLI), then measured. */
async function runOnce(work, [tool, cmdOf], rows, sf) {
  const org = await startOrg();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-bench-home-'));
  const folder = path.join(benchDir(), `peers-${process.pid}-${Date.now()}`);
  try {
    const { info } = org;
    if (work.seed) await seed(info, work.file, Math.floor(rows * work.seed), work.seedEdit);
    const env = {
      ...sfEnv(home),
      SFSYNC_INSTANCE_URL: info.instanceUrl,
      SFSYNC_ACCESS_TOKEN: info.accessToken,
      PEER_INSTANCE_URL: info.instanceUrl,
      PEER_ACCESS_TOKEN: info.accessToken,
      SF_ACCESS_TOKEN: info.accessToken,
    };
    if (tool === 'Salesforce CLI')
      await measure(
        [
          ...sf,
          'org',
          'login',
          'access-token',
          '--instance-url',
          info.instanceUrl,
          '--no-prompt',
          '--alias',
          'local',
          '--json',
        ],
        env,
        home,
      );
    const before = await orgCalls(info);
    const m = await measure(cmdOf(work.file, folder), env, benchDir());
    const calls = (await orgCalls(info)) - before;
    // Every tool is checked the same way: the org holds one Contact per line of the file.
    const held = await contactCount(info);
    if (held !== rows)
      throw new Error(
        `${tool}, ${work.work}: the org holds ${held} Contacts, not ${rows}: ${m.out.slice(-500)}`,
      );
    return { ...m, calls };
  } finally {
    await org.stop();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

async function contactCount(info) {
  const res = await fetch(`${info.instanceUrl}/__emulator/state`, {
    headers: { Authorization: `Bearer ${info.accessToken}` },
  });
  return (await res.json()).records.Contact ?? 0;
}

function benchDir() {
  fs.mkdirSync(work, { recursive: true });
  return work;
}

function best(runs) {
  const min = (k) => (runs.some((r) => r[k] === null) ? null : Math.min(...runs.map((r) => r[k])));
  return { seconds: min('seconds'), cpu: min('cpu'), calls: min('calls'), rss: min('rss') };
}

function ratio(a, b) {
  return a === null || b === null || !b ? '—' : `${(a / b).toFixed(2)}×`;
}

/** The goals of issue 19, as lines saying met or not. */
function verdicts(size, results) {
  const lines = [];
  const get = (work, tool) => results.find((r) => r.work === work && r.tool === tool && r.records === size);
  for (const work of ['Bulk insert', 'Bulk upsert, external ID (half exist)']) {
    const s = get(work, 'sfsync');
    const cli = get(work, 'Salesforce CLI');
    const js = get(work, 'raw jsforce bulk2');
    if (!s) continue;
    const perK = (s.calls / size) * 1000;
    lines.push(
      `${work}, ${size.toLocaleString('en')}: time ${ratio(s.seconds, cli?.seconds ?? null)} the CLI's (goal ≤ 0.8×), ` +
        `${ratio(s.seconds, js?.seconds ?? null)} raw jsforce's (goal ≤ 1.0×); CPU ${ratio(s.cpu, js?.cpu ?? null)} raw jsforce's ` +
        `(goal ≤ 1.5×); ${perK.toFixed(3)} calls/1,000 (goal ≤ 0.02); peak RSS ${Math.round(s.rss / 1e6)} MB (goal < 200).`,
    );
  }
  const s = get('REST upsert on Email (half exist)', 'sfsync');
  const js = get('REST upsert on Email (half exist)', 'batched REST jsforce');
  if (s)
    lines.push(
      `REST upsert on Email, ${size.toLocaleString('en')}: time ${ratio(s.seconds, js?.seconds ?? null)} the batched jsforce baseline's ` +
        `(goal ≤ 1.0×); ${((s.calls / size) * 1000).toFixed(2)} calls/1,000 (goal ≤ 6).`,
    );
  return lines;
}

export async function benchPeers(sizes = [100_000]) {
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  // The REST work has no CLI row: it cannot match on Email.
  const restOnly = process.env.BENCH_WORKS?.toLowerCase() === 'rest';
  const sf = restOnly ? null : findSf();
  if (!sf && !restOnly)
    console.error(`Note: the Salesforce CLI ${SF_VERSION} could not be installed; its rows are left out.`);
  const results = [];
  for (const rows of sizes) {
    const files = { plain: await contactsFile(`contacts-${rows}.csv`, rows), ext: await extFile(rows) };
    for (const work of worksOf(files, sf)) {
      const runs = new Map(work.tools.map(([tool]) => [tool, []]));
      // Tools take turns, so that a slow moment of the machine falls on all of them alike.
      for (let i = 0; i < repeat; i++)
        for (const tool of work.tools) runs.get(tool[0]).push(await runOnce(work, tool, rows, sf));
      for (const [tool, list] of runs) results.push({ work: work.work, tool, records: rows, ...best(list) });
    }
  }
  console.log(
    `\nPeers on the local org (best of ${repeat} alternating runs each, fresh org per run; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`,
  );
  console.table(
    results.map((r) => ({
      work: r.work,
      tool: r.tool,
      records: r.records,
      'time s': Number(r.seconds.toFixed(1)),
      'CPU s': r.cpu === null ? '—' : Number(r.cpu.toFixed(1)),
      'API calls / 1,000': Number(((r.calls / r.records) * 1000).toFixed(3)),
      'peak RSS MB': r.rss === null ? '—' : Math.round(r.rss / 1e6),
    })),
  );
  for (const size of sizes) for (const line of verdicts(size, results)) console.log(line);
  if (sizes.length > 1) {
    const rss = (size) =>
      results.find((r) => r.tool === 'sfsync' && r.work === 'Bulk insert' && r.records === size)?.rss;
    const [lo, hi] = [rss(Math.min(...sizes)), rss(Math.max(...sizes))];
    if (lo && hi)
      console.log(`sfsync Bulk insert peak RSS, largest / smallest size: ${ratio(hi, lo)} (goal ≤ 1.1×).`);
  }
  return results;
}
