// What `--data FILE` costs: the same REST load (sObject Collections, 200 records a call, 4 calls at a time)
// into the local org in memory and with --data, the ratio of the two, and how long a restart takes to read
// the records back. Each org runs in its own process; the client is this process. On a shared machine speeds
// drift, so the two are run in turn three times (BENCH_REPEAT), the fastest of each is kept, and the org's own
// CPU time (which other processes disturb less than wall time) is compared too.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, pool } from './emulator.js';

const BIN = fileURLToPath(new URL('../bin/sfsync.js', import.meta.url));

function startOrg(extra) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--max-old-space-size=8192',
        BIN,
        'emulator',
        '--json',
        '--port',
        '0',
        '--api-limit',
        '100000000',
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('\n'))
        resolve({
          info: JSON.parse(out.split('\n')[0]),
          startSeconds: (performance.now() - started) / 1000,
          stop: () =>
            new Promise((done) => {
              child.once('exit', done);
              child.kill('SIGTERM');
            }),
        });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the local org exited with ${code} before it was ready`)));
  });
}

async function load(info, total) {
  const t0 = performance.now();
  await pool(Math.ceil(total / 200), 4, async (c) => {
    const records = [];
    for (let i = c * 200; i < Math.min(total, (c + 1) * 200); i++)
      records.push({
        attributes: { type: 'Contact' },
        FirstName: `First${i}`,
        LastName: `Last ${i}`,
        Email: `person${i}@bench.example`,
        Phone: `+1 555 ${String(i).padStart(7, '0')}`,
        Title: `Engineer, level ${i % 5}`,
      });
    const results = await call(info, 'POST', '/services/data/v62.0/composite/sobjects', {
      allOrNone: false,
      records,
    });
    if (!results.every((r) => r.success)) throw new Error('a benchmark write failed');
  });
  return (performance.now() - t0) / 1000;
}

async function countContacts(info) {
  return (await call(info, 'GET', '/__emulator/state')).records.Contact ?? 0;
}

async function orgCpuSeconds(info) {
  const { cpu } = await call(info, 'GET', '/__emulator/state');
  return (cpu.user + cpu.system) / 1e6;
}

async function scenario(name, total, extra) {
  const org = await startOrg(extra);
  try {
    const cpuBefore = await orgCpuSeconds(org.info);
    const seconds = await load(org.info, total);
    const cpu = (await orgCpuSeconds(org.info)) - cpuBefore;
    if ((await countContacts(org.info)) !== total) throw new Error(`${name}: not every record is there`);
    return { name, seconds, cpu };
  } finally {
    await org.stop();
  }
}

export async function benchData(sizes = [200_000]) {
  const rows = [];
  for (const total of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-bench-data-'));
    const file = path.join(dir, 'org.data');
    try {
      let memory;
      let data;
      const fastest = (a, b) =>
        !a ? b : { ...a, seconds: Math.min(a.seconds, b.seconds), cpu: Math.min(a.cpu, b.cpu) };
      for (let i = 0; i < Number(process.env.BENCH_REPEAT ?? 3); i++) {
        memory = fastest(memory, await scenario('in memory', total, []));
        fs.rmSync(file, { force: true });
        data = fastest(data, await scenario('--data', total, ['--data', file]));
      }
      const restart = await startOrg(['--data', file]);
      const found = await countContacts(restart.info);
      await restart.stop();
      if (found !== total) throw new Error(`after a restart ${found} of ${total} records are there`);
      const row = (r) => ({
        records: total,
        org: r.name,
        'load s': Number(r.seconds.toFixed(1)),
        'records/s': Math.round(total / r.seconds),
        'org CPU s': Number(r.cpu.toFixed(1)),
      });
      rows.push(row(memory), row(data));
      console.log(
        '\nREST load (Collections, 200 a call, 4 at a time), fastest of each: in memory and with --data',
      );
      console.table(rows.slice(-2));
      console.log(
        `--data / in memory: ${(data.seconds / memory.seconds).toFixed(2)}x wall time, ${(data.cpu / memory.cpu).toFixed(2)}x the org's CPU time; data file ${(fs.statSync(file).size / 1e6).toFixed(0)} MB; restart with ${total} records ready in ${restart.startSeconds.toFixed(1)} s`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
