import { describe, expect, it } from 'vitest';
import type { BulkContext } from '../../src/salesforce/bulk.js';
import { waitForJob } from '../../src/salesforce/job-wait.js';
import { DEFAULT_RETRY } from '../../src/salesforce/retry.js';

/** A job that ends after `looks` looks at it; the pauses asked for between them are recorded, not slept. */
function jobEndingAfter(looks: number): { ctx: BulkContext; pauses: number[]; calls: () => number } {
  const pauses: number[] = [];
  let calls = 0;
  const ctx = {
    instanceUrl: 'http://127.0.0.1',
    retry: { ...DEFAULT_RETRY, sleep: (ms: number) => (pauses.push(ms), Promise.resolve()) },
    request: <T>() =>
      Promise.resolve({
        state: ++calls >= looks ? 'JobComplete' : 'InProgress',
        numberRecordsProcessed: 0,
      } as T),
  } as unknown as BulkContext;
  return { ctx, pauses, calls: () => calls };
}

describe('waiting for a Bulk job', () => {
  it("looks at a run's first job only once the fastest pace could have finished it (no look surely wasted)", async () => {
    const { ctx, pauses, calls } = jobEndingAfter(1);
    const info = await waitForJob(ctx, '/jobs/ingest/750x', 300_000);
    expect(info.state).toBe('JobComplete');
    expect(calls()).toBe(1);
    // 300,000 records at 100 a millisecond at best.
    expect(pauses[0]).toBeGreaterThanOrEqual(3_000);
  });

  it('looks at a query job (no size) at once', async () => {
    const { ctx, pauses } = jobEndingAfter(1);
    await waitForJob(ctx, '/jobs/query/750y');
    expect(pauses).toEqual([]);
  });
});
