import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Salesforce CLI conformance test needs the CLI (CI has none) and takes half a minute: `npm run conformance`
    // runs it (vitest.conformance.config.ts), `npm test` does not.
    exclude: [...configDefaults.exclude, 'test/conformance/**'],
    // dist/ is built here once, so bin/sfsync.js is never tested stale (even under plain `npx vitest`).
    globalSetup: ['test/global-setup.ts'],
    // Vitest's default on a 2-core machine is one worker (cores - 1); most test time is the local org and the
    // client waiting on each other over HTTP, so two files side by side keep both cores busy.
    maxWorkers: 2,
    // Each worker imports src/ once for all its files instead of once per file (importing was a third of the
    // suite's CPU time). The tests share no module state: each starts its own local org and passes its own deps.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
