// The export benchmark: the local org is loaded with N contacts (not measured), then `sfsync export` writes them
// to a file through REST pages and through a Bulk API 2.0 query job. The table gives rows per second, API calls
// per 1,000 rows and sfsync's peak RSS at two sizes: flat memory means the peak does not grow with the rows.
import fs from 'node:fs';
import path from 'node:path';
import { contactsFile, orgCalls, row, sfsync, startOrg } from './sync.js';

export async function benchExport(sizes) {
  const rows = [];
  for (const n of sizes ?? [20_000, 200_000]) {
    const file = await contactsFile(`contacts-${n}.csv`, n);
    const org = await startOrg();
    try {
      const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
      await sfsync(
        ['create', file, '--object', 'Contact', '--api', 'bulk', '--results', `export-load-${n}`],
        env,
      );
      for (const api of ['rest', 'bulk']) {
        const out = path.join(path.dirname(file), `export-${n}-${api}.csv`);
        fs.rmSync(out, { force: true });
        const before = await orgCalls(org.info);
        const r = await sfsync(
          [
            'export',
            '--object',
            'Contact',
            '--fields',
            'Id,FirstName,LastName,Email,Phone,Title',
            '--api',
            api,
            '-o',
            out,
          ],
          env,
        );
        const calls = (await orgCalls(org.info)) - before;
        if (r.result.records !== n) throw new Error(`export ${api}: ${r.result.records} rows, expected ${n}`);
        rows.push(
          row(
            `export ${n.toLocaleString('en-US')} rows, ${api === 'rest' ? 'REST' : 'Bulk'}`,
            n,
            r.seconds,
            calls,
            r.rss,
          ),
        );
      }
    } finally {
      await org.stop();
    }
  }
  console.log('\nsfsync export against the local org (separate processes)');
  console.table(rows);
  return rows;
}
