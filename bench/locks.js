// The row lock benchmark: N contacts spread over 50 accounts are created with the local org's lock faults on
// (a record whose parent Account a parallel call or Bulk chunk holds fails with UNABLE_TO_LOCK_ROW at rate 0.5).
// Each load runs three ways, through REST and through Bulk: grouped by AccountId (the default), in file order
// (--no-group-by-parent) and one batch at a time (--serial). The table gives the records sfsync sent again after a
// lock, the records that still failed after three tries, wall seconds and API calls.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { orgCalls, startOrg } from './sync.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/sfsync.js');
const work = path.join(root, '.bench');

/** Runs sfsync --json; exit 2 (some records failed) is a result here, not an error. */
function run(args, env) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--json', '--restart'], {
      cwd: work,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && code !== 2)
        return reject(new Error(`sfsync ${args.join(' ')} exited ${code}: ${out.slice(0, 500)}`));
      resolve({ seconds: (performance.now() - started) / 1000, result: JSON.parse(out).result });
    });
  });
}

export async function benchLocks(sizes) {
  const rows = [];
  for (const n of sizes ?? [20_000]) {
    const org = await startOrg();
    try {
      const { instanceUrl, accessToken } = org.info;
      const env = { SFSYNC_INSTANCE_URL: instanceUrl, SFSYNC_ACCESS_TOKEN: accessToken };
      const accounts = path.join(work, 'lock-accounts.csv');
      fs.writeFileSync(accounts, `Name\n${Array.from({ length: 50 }, (_, i) => `Parent ${i}`).join('\n')}\n`);
      const made = await run(
        ['create', accounts, '--object', 'Account', '--results', `locks-accounts-${n}`],
        env,
      );
      const ids = fs
        .readFileSync(made.result.results.success, 'utf8')
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => line.split(',')[2]); // line,outcome,id
      const contacts = path.join(work, `lock-contacts-${n}.csv`);
      const lines = Array.from({ length: n }, (_, i) => `Child ${i},${ids[(i * 7) % ids.length]}`);
      fs.writeFileSync(contacts, `LastName,AccountId\n${lines.join('\n')}\n`);
      await fetch(`${instanceUrl}/__emulator/faults`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ lockRate: 0.5, lockHoldMs: 25 }),
      });
      for (const api of ['rest', 'bulk'])
        for (const [how, flags] of [
          ['grouped by AccountId', []],
          ['file order', ['--no-group-by-parent']],
          ['--serial', ['--serial']],
        ]) {
          const before = await orgCalls(org.info);
          const r = await run(
            [
              'create',
              contacts,
              '--object',
              'Contact',
              '--api',
              api,
              // Bulk runs one job at a time by default: four jobs of 5,000 at once are what can lock each other.
              ...(api === 'bulk' ? ['--batch-size', '5000'] : []),
              ...(api === 'bulk' && !flags.includes('--serial') ? ['--concurrency', '4'] : []),
              ...flags,
              '--results',
              `locks-${api}-${how}-${n}`.replace(/\W+/g, '-'),
            ],
            env,
          );
          rows.push({
            scenario: `${n.toLocaleString('en-US')} contacts / 50 accounts, ${api === 'rest' ? 'REST' : 'Bulk'}, ${how}`,
            'lock retries': r.result.locks.retries,
            'failed after retries': r.result.counts.failed,
            'wall s': Number(r.seconds.toFixed(1)),
            'API calls': (await orgCalls(org.info)) - before,
          });
        }
    } finally {
      await org.stop();
    }
  }
  console.log('\nrow locks (lock faults at rate 0.5): records sent again after UNABLE_TO_LOCK_ROW');
  console.table(rows);
  return rows;
}
