// The rerun benchmark (issue 15, "only what changed"): the local org is loaded with N contacts (not measured); an
// upsert on Email changes the Title of every one (the first run), then the same file runs again, through Bulk and
// through REST (nothing changed: the target is no write call, at most the match reads). Last, an export of the
// records through a Bulk query job is upserted back as it is (the round trip: nothing written). The table gives
// time, API calls (the org's own count), records written and write calls (Bulk ingest jobs, REST write calls).
import fs from 'node:fs';
import path from 'node:path';
import { contactsFile, orgCalls, row, sfsync, startOrg } from './sync.js';

function changedFile(file, rows) {
  const out = path.join(path.dirname(file), `rerun-changed-${rows}.csv`);
  if (fs.existsSync(out)) return out;
  const lines = ['Email,Title'];
  for (let i = 0; i < rows; i++) lines.push(`person${i}@bench.example,Rerun ${i}`);
  fs.writeFileSync(out, `${lines.join('\n')}\n`);
  return out;
}

export async function benchRerun(sizes) {
  const rows = [];
  for (const n of sizes ?? [100_000]) {
    const file = await contactsFile(`contacts-${n}.csv`, n);
    const changed = changedFile(file, n);
    const exported = path.join(path.dirname(file), `rerun-export-${n}.csv`);
    fs.rmSync(exported, { force: true });
    const org = await startOrg();
    try {
      const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
      const stamp = Date.now();
      await sfsync(
        ['create', file, '--object', 'Contact', '--api', 'bulk', '--results', `rerun-load-${n}-${stamp}`],
        env,
      );
      let step = 0;
      const measure = async (name, args, expectWritten) => {
        const before = await orgCalls(org.info);
        const r = await sfsync([...args, '--results', `rerun-${n}-${stamp}-${++step}`], env);
        const calls = (await orgCalls(org.info)) - before;
        const c = r.result.counts;
        const written = c.created + c.updated;
        if (written !== expectWritten)
          throw new Error(`${name}: ${written} written, expected ${expectWritten}`);
        // A REST run writes in calls of 200; a Bulk run's writes are its ingest jobs.
        const writeCalls = r.result.api === 'bulk' ? r.result.bulkJobs.length : Math.ceil(written / 200);
        rows.push({
          ...row(name, n, r.seconds, calls, r.rss),
          'API calls': calls,
          written,
          unchanged: c.unchanged,
          'write calls or jobs': writeCalls,
        });
      };
      const upsert = (f, api) => ['upsert', f, '--object', 'Contact', '--match', 'Email', '--api', api];
      await measure('first run: upsert on Email, every Title changed, Bulk', upsert(changed, 'bulk'), n);
      await measure('rerun, nothing changed, Bulk', upsert(changed, 'bulk'), 0);
      await measure('rerun, nothing changed, REST', upsert(changed, 'rest'), 0);
      const before = await orgCalls(org.info);
      const ex = await sfsync(
        [
          'export',
          '--object',
          'Contact',
          '--fields',
          'Id,FirstName,LastName,Email,Phone,Title',
          '--api',
          'bulk',
        ].concat(['-o', exported]),
        env,
      );
      rows.push(
        row(
          'export, Bulk query job',
          ex.result.records,
          ex.seconds,
          (await orgCalls(org.info)) - before,
          ex.rss,
        ),
      );
      await measure(
        'round trip: that export upserted back by Id, Bulk',
        ['upsert', exported, '--object', 'Contact', '--api', 'bulk'],
        0,
      );
    } finally {
      await org.stop();
    }
  }
  console.log('\nsfsync reruns against the local org (separate processes)');
  console.table(rows);
  return rows;
}
