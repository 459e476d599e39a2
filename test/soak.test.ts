import { describe, expect, it } from 'vitest';
import { runSoak } from './soak/harness.js';

// CI runs a few small trials; `npm run soak` runs many larger ones (scripts/soak.js sets these).
const trials = Number(process.env.SFSYNC_SOAK_TRIALS ?? 4);
const seed = Number(process.env.SFSYNC_SOAK_SEED ?? 20261203);
const records = Number(process.env.SFSYNC_SOAK_RECORDS ?? 400);

describe('fault soak on the built CLI', () => {
  it(
    `${trials} trials of ${records} records: REST and Bulk under faults, killed and stopped at random, resumed until done`,
    async () => {
      const report = await runSoak({ trials, seed, records, log: (line) => console.log(line) });
      console.log(report.text);
      expect(report.trials.flatMap((t) => t.violations.map((v) => `seed ${t.seed} ${t.api}: ${v}`))).toEqual(
        [],
      );
    },
    Math.max(60_000, trials * records * 60),
  );
});
