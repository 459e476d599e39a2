// The plan benchmark: the plan tests' six-step plan (plan-data.js: accounts with parents, contacts with managers,
// opportunities, campaigns, campaign members, tasks to a contact and an opportunity) loaded into an empty local org,
// over REST and over Bulk, then undone. The table gives wall seconds, API calls per 1,000 records and sfsync's
// peak RSS at each size (BENCH_SIZES, default 10,000 and 100,000 records): peak RSS should not grow with the plan,
// its references being compact key → Id maps.
import fs from 'node:fs';
import path from 'node:path';
import { planFiles, planSizes } from './plan-data.js';
import { orgCalls, row, sfsync, startOrg } from './sync.js';

const work = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../.bench');

/** The plan and its files for about n records, in .bench/test-plan-<n>/ (kept between runs). */
async function planFolder(n) {
  const dir = path.join(work, `test-plan-${n}`);
  const plan = path.join(dir, 'plan.yaml');
  if (fs.existsSync(plan)) return plan;
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(
    planFiles('B', planSizes(n), { domain: 'plan.bench', people: planSizes(n).people, poly: true }),
  ))
    fs.writeFileSync(path.join(dir, name), text);
  return plan;
}

export async function benchPlan(sizes) {
  const rows = [];
  for (const n of sizes ?? [10_000, 100_000]) {
    const plan = await planFolder(n);
    for (const api of ['rest', 'bulk']) {
      const org = await startOrg();
      try {
        const env = { SFSYNC_INSTANCE_URL: org.info.instanceUrl, SFSYNC_ACCESS_TOKEN: org.info.accessToken };
        // A folder of its own, also the working folder: an undo reads the results of other undos beside the run
        // and under ./sfsync-results (undo-later.ts), and those of earlier benchmarks are not this run's.
        const own = fs.mkdtempSync(path.join(work, `plan-${n}-${api}-`));
        const results = path.join(own, 'run');
        const measure = async (name, args, check) => {
          const before = await orgCalls(org.info);
          const r = await sfsync(args, env, own);
          const calls = (await orgCalls(org.info)) - before;
          check(r.result);
          rows.push(row(name, n, r.seconds, calls, r.rss));
        };
        await measure(
          `plan run, ${api === 'rest' ? 'REST' : 'Bulk'}`,
          ['run', plan, '--api', api, '--results', results],
          (result) => {
            const c = result.counts;
            if (c.created !== n || c.failed !== 0 || c.skipped !== 0)
              throw new Error(`plan run (${api}): ${JSON.stringify(c)}, expected ${n} created`);
          },
        );
        // The undo has no Bulk path of its own (REST calls of 200 records), so it is measured once.
        if (api === 'rest')
          await measure('undo of that plan', ['undo', results, '--results', `${results}-undo`], (result) => {
            const c = result.counts;
            if (c.deleted !== n || c.failed + c.conflict + c.skipped !== 0)
              throw new Error(`plan undo: ${JSON.stringify(c)}, expected ${n} deleted`);
          });
      } finally {
        await org.stop();
      }
    }
  }
  console.log(
    '\nsfsync run PLAN (seven steps, two second passes) against the local org (separate processes)',
  );
  console.table(rows);
  return rows;
}
