import { configDefaults, defineConfig } from 'vitest/config';
import { DurationsReporter, LongFirstSequencer } from './test/helpers/long-first.js';

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
    // Longest files first, from vitest's results cache or test/durations.json (test/helpers/long-first.ts).
    sequence: { sequencer: LongFirstSequencer },
    reporters: ['default', new DurationsReporter()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Transformed test and source modules are kept between runs (keyed by path and content): a second run spends
    // a third less CPU on small files.
    experimental: { fsModuleCache: true, fsModuleCachePath: '.vitest-cache' },
  },
});
