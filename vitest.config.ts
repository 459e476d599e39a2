import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files, longest first (as measured in a full run, 2026-12-03). Two workers take files from one queue:
 * started last, one of these would run on alone while the other worker idles, so they start first and the short
 * files fill in around them. The soak, which mostly waits, starts beside the CPU-heavy 100k guard. The rest follow
 * in vitest's own order.
 */
const LONG_FIRST = [
  'test/perf-guard.test.ts',
  'test/soak.test.ts',
  'test/sync/sync-resume.test.ts',
  'test/plan/plan-load.test.ts',
  'test/signals-cli.test.ts',
  'test/sync/bulk-faults.test.ts',
  'test/plan/plan-undo.test.ts',
  'test/emulator/data-file.test.ts',
  'test/sync/changes.test.ts',
  'test/examples.test.ts',
  'test/sync/sync-bulk.test.ts',
  'test/sync/sync-faults.test.ts',
  'test/sync/sync-rest.test.ts',
  'test/bad-input.test.ts',
  'test/sync/results-folder.test.ts',
  'test/emulator/cli-emulator.test.ts',
  'test/mapping-names.test.ts',
  'test/e2e-cli.test.ts',
  'test/sync/match-keys.test.ts',
  'test/sync/match-export.test.ts',
];

class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => {
      const i = LONG_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
      return i < 0 ? LONG_FIRST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Salesforce CLI conformance test needs the CLI (CI has none) and takes half a minute: `npm run conformance`
    // runs it (vitest.conformance.config.ts), `npm test` does not.
    exclude: [...configDefaults.exclude, 'test/conformance/**'],
    // dist/ is built here once, so bin/sfsync.js is never tested stale (even under plain `npx vitest`).
    globalSetup: ['test/global-setup.ts'],
    // No child process a test starts outlives it, even when the test times out (test/helpers/children.ts).
    setupFiles: ['test/setup-children.ts'],
    // Vitest's default on a 2-core machine is one worker (cores - 1); most test time is the local org and the
    // client waiting on each other over HTTP, so two files side by side keep both cores busy.
    maxWorkers: 2,
    // Each worker imports src/ once for all its files instead of once per file (importing was a third of the
    // suite's CPU time). The tests share no module state: each starts its own local org and passes its own deps.
    isolate: false,
    sequence: { sequencer: LongFirstSequencer },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Transformed test and source modules are kept between runs (keyed by path and content): a second run spends
    // a third less CPU on small files.
    experimental: { fsModuleCache: true, fsModuleCachePath: '.vitest-cache' },
  },
});
