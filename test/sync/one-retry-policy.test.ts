import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTokenStore } from '../../src/auth/token-store.js';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { createConnector } from '../../src/salesforce/connect.js';
import { clientOf } from '../helpers/local-org.js';
import { createTestDeps, recordingPolicy } from '../helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-retry-policy-'));
});
afterAll(async () => org.close());

function noFaults(): void {
  org.setFaults({ transientRate: 0, dropRate: 0, pathPattern: undefined, maxInjected: 0 });
}

function env(): NodeJS.ProcessEnv {
  return { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken };
}

describe('row locks under the one retry policy', () => {
  it("records that hit a row lock are resent after the policy's backoff, not a sleep of the engine's own", async () => {
    fs.writeFileSync(
      path.join(dir, 'locked.csv'),
      `LastName,Email\n${[0, 1, 2].map((i) => `Locked ${i},locked${i}@policy.test`).join('\n')}\n`,
    );
    const policy = recordingPolicy();
    const deps = createTestDeps({ cwd: dir, env: env() });
    deps.connect = createConnector(env(), () => createMemoryTokenStore(), policy);
    // The job's upload meets a lock on each of the policy's 7 attempts: the records come back UNABLE_TO_LOCK_ROW
    // and the engine sends them again, in a new job.
    org.setFaults({
      transientRate: 1,
      transientKinds: ['UNABLE_TO_LOCK_ROW'],
      pathPattern: '^/jobs/ingest/[^/]+/batches$',
      maxInjected: 7,
    });
    let code: number;
    try {
      code = await main(['create', 'locked.csv', '--object', 'Contact', '--api', 'bulk', '--json'], deps);
    } finally {
      noFaults();
    }
    expect(code).toBe(0);
    expect(JSON.parse(deps.io.stdoutText).result.counts).toMatchObject({ created: 3, failed: 0 });
    // Six waits between the upload's seven attempts, then the engine's one pause before the resend: the backoff
    // of the policy's first attempt (375 ms with the jitter at its middle), asked of the same policy.
    const uploadWaits = [375, 750, 1500, 3000, 6000, 6000];
    expect(policy.waits.slice(0, 7)).toEqual([...uploadWaits, 375]);
  });
});

describe('--max-api-calls on the Bulk path', () => {
  const csv = 'LastName,Email\nBudget 0,budget0@policy.test\nBudget 1,budget1@policy.test\n';

  it('every step of an ingest job (open, upload, close, poll, results) is checked against the budget', async () => {
    // Unbudgeted, the job takes `full` calls; with any smaller budget the client stops before going over it.
    const unbudgeted = clientOf(org);
    const spec = { object: 'Contact', operation: 'insert' } as const;
    await unbudgeted.bulkIngest(
      spec,
      csv,
      () => undefined,
      () => undefined,
    );
    const full = unbudgeted.apiCalls();
    // Open, upload, close, at least one poll, successful results (an empty failed set is not asked for).
    expect(full).toBeGreaterThanOrEqual(5);
    for (let budget = 0; budget < full; budget++) {
      const sf = clientOf(org);
      sf.setBudget(budget);
      const before = org.apiCalls();
      await expect(
        sf.bulkIngest(
          spec,
          csv,
          () => undefined,
          () => undefined,
        ),
      ).rejects.toMatchObject({
        code: 'API_BUDGET_EXCEEDED',
      });
      expect(sf.apiCalls()).toBe(budget);
      expect(org.apiCalls() - before).toBe(budget);
    }
  });

  it('an upload cut off and sent again to a new job counts every call against the budget', async () => {
    const policy = recordingPolicy();
    const sf = clientOf(org, policy);
    // open, upload (dropped), abort, open again: the second upload is the fifth call, over a budget of 4.
    sf.setBudget(4);
    org.setFaults({ dropRate: 1, pathPattern: '^/jobs/ingest/[^/]+/batches$', maxInjected: 1 });
    const before = org.apiCalls();
    try {
      await expect(
        sf.bulkIngest(
          { object: 'Contact', operation: 'insert' },
          csv,
          () => undefined,
          () => undefined,
        ),
      ).rejects.toMatchObject({ code: 'API_BUDGET_EXCEEDED' });
    } finally {
      noFaults();
    }
    expect(sf.apiCalls()).toBe(4);
    expect(org.apiCalls() - before).toBe(4);
  });

  it('a sync with --api bulk stops at its budget: the org counted no more calls than allowed', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < 50; i++) rows.push(`Capped ${i},capped${i}@policy.test`);
    fs.writeFileSync(path.join(dir, 'capped.csv'), `${rows.join('\n')}\n`);
    for (const budget of [3, 5, 8]) {
      const deps = createTestDeps({ cwd: dir, env: env() });
      const before = org.apiCalls();
      const args = ['create', 'capped.csv', '--object', 'Contact', '--api', 'bulk', '--batch-size', '10'];
      const code = await main([...args, '--max-api-calls', String(budget), '--restart', '--json'], deps);
      expect(code).toBe(1);
      expect(JSON.parse(deps.io.stdoutText).error.code).toBe('API_BUDGET_EXCEEDED');
      expect(org.apiCalls() - before).toBeLessThanOrEqual(budget);
    }
  });
});
