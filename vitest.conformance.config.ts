import { defineConfig } from 'vitest/config';

/** `npm run conformance`: the Salesforce CLI's data commands against the local org (test/conformance/). */
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 30_000,
  },
});
