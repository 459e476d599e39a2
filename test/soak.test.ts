import { describe, expect, it } from 'vitest';
import { runSoak } from './soak/harness.js';

// The suite runs two small trials side by side (one REST, one Bulk) within a time budget, so the soak never dominates
// `npm test`; `npm run soak` (scripts/soak.js) runs many larger ones. The seeds 20261205 and 20261206 are the two
// trials that authenticate as a stored org (sessions expire and are refreshed under faults) and stop first by SIGTERM
// and by the API limit, with decoy columns: SIGKILL and SIGINT are stopped at in test/sync/sync-resume.test.ts and
// test/signals-cli.test.ts, and every other test authenticates with a token.
const trials = Number(process.env.SFSYNC_SOAK_TRIALS ?? 2);
const seed = Number(process.env.SFSYNC_SOAK_SEED ?? 20261205);
const records = Number(process.env.SFSYNC_SOAK_RECORDS ?? 200);
const budgetS = process.env.SFSYNC_SOAK_BUDGET_S ? Number(process.env.SFSYNC_SOAK_BUDGET_S) : 10;
const parallel = Number(process.env.SFSYNC_SOAK_PARALLEL ?? 2);

describe('fault soak on the built CLI', () => {
  it(
    `up to ${trials} trials of ${records} records: REST and Bulk under faults, killed and stopped at random, resumed until done`,
    async () => {
      const report = await runSoak({
        trials,
        seed,
        records,
        budgetMs: budgetS > 0 ? budgetS * 1000 : undefined,
        parallel,
        log: (line) => console.log(line),
      });
      console.log(report.text);
      expect(report.trials.flatMap((t) => t.violations.map((v) => `seed ${t.seed} ${t.api}: ${v}`))).toEqual(
        [],
      );
    },
    // The budget decides when trials stop starting; this only ends a trial that hangs.
    budgetS > 0 ? budgetS * 1000 + 60_000 : trials * records * 60,
  );
});
