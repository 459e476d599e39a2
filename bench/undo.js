// The undo benchmark: the local org is loaded with N contacts (not measured), an update run changes the Title of
// every one (its before-images come from the match read it makes anyway), then `sfsync undo` takes it back. The
// table gives time, API calls per 1,000 records and peak RSS of the update run and of its undo.
import fs from 'node:fs';
import path from 'node:path';
import { contactsFile, orgCalls, row, sfsync, startOrg } from './sync.js';

function changedFile(file, rows) {
  const out = path.join(path.dirname(file), `undo-changed-${rows}.csv`);
  if (fs.existsSync(out)) return out;
  const lines = ['Email,Title'];
  for (let i = 0; i < rows; i++) lines.push(`person${i}@bench.example,Changed ${i}`);
  fs.writeFileSync(out, `${lines.join('\n')}\n`);
  return out;
}

export async function benchUndo(sizes) {
  const rows = [];
  for (const n of sizes ?? [100_000]) {
    const file = await contactsFile(`contacts-${n}.csv`, n);
    const changed = changedFile(file, n);
    const org = await startOrg();
    try {
      const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
      const stamp = Date.now();
      await sfsync(
        ['create', file, '--object', 'Contact', '--api', 'bulk', '--results', `undo-load-${n}-${stamp}`],
        env,
      );
      const measure = async (name, args, check) => {
        const before = await orgCalls(org.info);
        const r = await sfsync(args, env);
        const calls = (await orgCalls(org.info)) - before;
        check(r.result);
        rows.push(row(name, n, r.seconds, calls, r.rss));
        return r.result;
      };
      const label = n.toLocaleString('en-US');
      await measure(
        `update ${label} on Email, REST (with before-images)`,
        [
          'update',
          changed,
          '--object',
          'Contact',
          '--match',
          'Email',
          '--api',
          'rest',
          '--results',
          `undo-run-${n}-${stamp}`,
        ],
        (result) => {
          if (result.counts.updated !== n)
            throw new Error(`update: ${result.counts.updated} updated, expected ${n}`);
        },
      );
      await measure(
        `undo of that update (--api auto: Bulk from 100,000 writes)`,
        ['undo', `undo-run-${n}-${stamp}`, '--results', `undo-undo-${n}-${stamp}`],
        (result) => {
          if (result.counts.updated !== n)
            throw new Error(`undo: ${result.counts.updated} set back, expected ${n}`);
        },
      );
      // The same amount of work through REST: the undo of that undo sets the run's values again.
      await measure(
        `undo of the undo, --api rest`,
        ['undo', `undo-undo-${n}-${stamp}`, '--api', 'rest', '--results', `undo-redo-${n}-${stamp}`],
        (result) => {
          if (result.counts.updated !== n)
            throw new Error(`undo of the undo: ${result.counts.updated} set, expected ${n}`);
        },
      );
    } finally {
      await org.stop();
    }
  }
  console.log('\nsfsync undo against the local org (separate processes)');
  console.table(rows);
  return rows;
}
