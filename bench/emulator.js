// Throughput of the local org: sObject Collections writes and indexed queries at 100,000 and 1,000,000
// records, and the memory each record costs. The org runs in its own process (node --expose-gc) so that
// its memory is measured alone; the client sends 200-record calls, 4 at a time, over keep-alive HTTP.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/sfsync.js', import.meta.url));

function startOrg() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=8192',
        BIN,
        'emulator',
        '--json',
        '--port',
        '0',
        '--api-limit',
        '100000000',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ info: JSON.parse(out.split('\n')[0]), child });
    });
    child.on('error', reject);
  });
}

export async function call(info, method, path, body) {
  const res = await fetch(`${info.instanceUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${info.accessToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function pool(count, concurrency, task) {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  });
  await Promise.all(workers);
}

async function scenario(total) {
  const { info, child } = await startOrg();
  const base = await call(info, 'GET', '/__emulator/state');
  const calls = Math.ceil(total / 200);
  let t0 = performance.now();
  await pool(calls, 4, async (c) => {
    const records = [];
    for (let i = c * 200; i < Math.min(total, (c + 1) * 200); i++) {
      records.push({
        attributes: { type: 'Contact' },
        LastName: `Person ${i}`,
        Email: `p${i}@example.com`,
        Title: 'Benchmark',
      });
    }
    const results = await call(info, 'POST', '/services/data/v62.0/composite/sobjects', {
      allOrNone: false,
      records,
    });
    if (!results.every((r) => r.success)) throw new Error('a benchmark write failed');
  });
  const writeSeconds = (performance.now() - t0) / 1000;
  const after = await call(info, 'GET', '/__emulator/state');

  // Indexed lookups: 200 random emails per query (the first query builds the Email index).
  const queries = 200;
  t0 = performance.now();
  let matched = 0;
  await pool(queries, 4, async () => {
    const emails = Array.from({ length: 200 }, () => `'p${Math.floor(Math.random() * total)}@example.com'`);
    const soql = `SELECT Id, Email FROM Contact WHERE Email IN (${emails.join(',')})`;
    const res = await call(info, 'GET', `/services/data/v62.0/query?q=${encodeURIComponent(soql)}`);
    matched += res.totalSize;
  });
  const querySeconds = (performance.now() - t0) / 1000;
  child.kill('SIGTERM');
  const heapPerRecord = (after.memory.heapUsed - base.memory.heapUsed) / total;
  return {
    records: total,
    'write s': writeSeconds.toFixed(1),
    'writes rec/s': Math.round(total / writeSeconds),
    'queries/s (200 keys)': Math.round(queries / querySeconds),
    'matched rec/s': Math.round(matched / querySeconds),
    'heap bytes/record': Math.round(heapPerRecord),
    'org RSS MB': Math.round(after.memory.rss / 1e6),
  };
}

export async function benchEmulator(sizes = [100_000, 1_000_000]) {
  const rows = [];
  for (const n of sizes) rows.push(await scenario(n));
  console.log('\nLocal org (emulator): Collections writes and indexed queries');
  console.table(rows);
  return rows;
}
