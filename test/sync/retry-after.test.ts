import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { SfsyncError } from '../../src/errors.js';
import { createConnector } from '../../src/salesforce/connect.js';
import { parseRetryAfter, withRetry, type RetryPolicy } from '../../src/salesforce/retry.js';
import { recordingPolicy } from '../helpers/test-deps.js';
import { createMemoryTokenStore } from '../../src/auth/token-store.js';

let org: Emulator;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
});
afterAll(async () => org.close());

function client(policy: RetryPolicy) {
  const store = createMemoryTokenStore();
  return createConnector(
    { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    () => store,
    policy,
  )({});
}

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('waits at least as long as the answer asks, instead of the shorter backoff', async () => {
    const policy = recordingPolicy();
    let calls = 0;
    const result = await withRetry(policy, true, async () => {
      calls++;
      if (calls < 3)
        throw Object.assign(new Error('busy'), { errorCode: 'SERVER_UNAVAILABLE', retryAfterMs: 4000 });
      return 'ok';
    });
    expect(result).toBe('ok');
    // Backoff alone would wait 375 ms then 750 ms; the server asked for 4 s each time.
    expect(policy.waits).toEqual([4000, 4000]);
  });

  it('waits for the Retry-After header of a 503 from the org, then succeeds', async () => {
    const policy = recordingPolicy();
    const sf = await client(policy);
    org.setFaults({
      transientRate: 0.5,
      transientKinds: ['SERVER_UNAVAILABLE'],
      retryAfterSeconds: 3,
      seed: 7,
    });
    try {
      const before = org.injectedFaults();
      for (let i = 0; i < 6; i++) {
        const rows = [];
        for await (const r of sf.query('SELECT Id FROM Contact LIMIT 1')) rows.push(r);
        expect(rows).toBeDefined();
      }
      const injected = org.injectedFaults() - before;
      expect(injected).toBeGreaterThan(0);
      // One wait per injected 503, each of at least the 3 s the org asked for.
      expect(policy.waits).toHaveLength(injected);
      for (const w of policy.waits) expect(w).toBeGreaterThanOrEqual(3000);
      // jsforce's own retries are off: every attempt was one of sfsync's, and the org counted each.
      expect(sf.apiCalls()).toBe(6 + injected);
    } finally {
      org.setFaults({ transientRate: 0, retryAfterSeconds: 0 });
    }
  });

  it('stops at once, saying when to come back, when the org asks for a longer wait than sfsync sits out', async () => {
    const policy = recordingPolicy();
    const sf = await client(policy);
    org.setFaults({ transientRate: 1, transientKinds: ['SERVER_UNAVAILABLE'], retryAfterSeconds: 600 });
    let error: unknown;
    try {
      await sf.describe('Contact');
    } catch (err) {
      error = err;
    } finally {
      org.setFaults({ transientRate: 0, retryAfterSeconds: 0 });
    }
    expect(error).toBeInstanceOf(SfsyncError);
    expect((error as SfsyncError).message).toContain('come back in 600 s (Retry-After)');
    expect((error as SfsyncError).hint).toContain('--resume');
    expect(policy.waits).toEqual([]);
    expect(sf.apiCalls()).toBe(1);
  });

  it('without the header, a 503 is retried with the exponential backoff', async () => {
    const policy = recordingPolicy();
    const sf = await client(policy);
    org.setFaults({ transientRate: 0.5, transientKinds: ['SERVER_UNAVAILABLE'], seed: 7 });
    try {
      for (let i = 0; i < 6; i++)
        for await (const r of sf.query('SELECT Id FROM Account LIMIT 1')) expect(r).toBeDefined();
    } finally {
      org.setFaults({ transientRate: 0 });
    }
    expect(policy.waits.length).toBeGreaterThan(0);
    // With the jitter fixed at its middle: 375 ms, 750 ms, 1.5 s... for the first, second, third retry.
    for (const w of policy.waits) expect([375, 750, 1500, 3000]).toContain(w);
  });
});
