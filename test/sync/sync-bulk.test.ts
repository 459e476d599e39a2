import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { AUTO_BULK_RECORDS, bulkJobBytes, chooseApi } from '../../src/operations/api-choice.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import type { RetryPolicy } from '../../src/salesforce/retry.js';
import { readResultCsv } from '../helpers/sync-env.js';
import { createTestDeps, PRODUCTION_PACE } from '../helpers/test-deps.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-bulk-'));
});

async function withOrg<T>(
  options: Parameters<typeof startEmulator>[0],
  fn: (org: Emulator) => Promise<T>,
): Promise<T> {
  const org = await startEmulator({ port: 0, ...options });
  try {
    return await fn(org);
  } finally {
    await org.close();
  }
}

async function sync(
  org: Emulator,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  retry: RetryPolicy | undefined = undefined,
) {
  const deps = createTestDeps({
    cwd: dir,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken, ...env },
    retry,
  });
  const code = await main(argv, deps);
  return {
    code,
    doc: argv.includes('--json') ? JSON.parse(deps.io.stdoutText) : null,
    stderr: deps.io.stderrText,
  };
}

/** Seeds two contacts sharing an email (ambiguous) and one to update, then a file with every kind of row. */
async function scenario(org: Emulator, api: 'rest' | 'bulk') {
  fs.writeFileSync(
    path.join(dir, 'seed.csv'),
    'LastName,Email\nTwinA,twin@b.test\nTwinB,twin@b.test\nOld,old@b.test\n',
  );
  expect((await sync(org, ['create', 'seed.csv', '--object', 'Contact', '--json'])).code).toBe(0);
  fs.writeFileSync(
    path.join(dir, 'mixed.csv'),
    [
      'LastName,Email,Birthdate,Title',
      'Updated,old@b.test,,Boss',
      'New,new@b.test,1990-01-02,',
      'Ambiguous,twin@b.test,,',
      ',noname@b.test,,',
      'Second,new@b.test,,Again',
      `Long,long@b.test,,${'x'.repeat(200)}`,
    ].join('\n') + '\n',
  );
  const out = path.join(dir, `out-${api}`);
  const r = await sync(org, [
    'upsert',
    'mixed.csv',
    '--object',
    'Contact',
    '--match',
    'Email',
    '--api',
    api,
    '--json',
    '--results',
    out,
  ]);
  return {
    ...r,
    success: readResultCsv(path.join(out, 'success.csv')),
    failures: readResultCsv(path.join(out, 'failures.csv')),
  };
}

describe('Bulk job sizes', () => {
  it('puts a file in three jobs of a third of it each, up to the 100 MB Salesforce advises for one upload', () => {
    const sized = (bytes: number): number => {
      const file = path.join(dir, `sized-${bytes}.csv`);
      fs.writeFileSync(file, '');
      fs.truncateSync(file, bytes);
      return bulkJobBytes(file);
    };
    expect(sized(60_000_000)).toBe(20_400_000);
    expect(sized(600_000_000)).toBe(100_000_000);
    expect(sized(1_000)).toBe(1_000_000);
  });
});

describe('--api auto', () => {
  it('picks Bulk API 2.0 for files of about 100,000 records or more, REST below, and for standard input', () => {
    const big = path.join(dir, 'auto-big.csv');
    fs.writeFileSync(big, `Email\n${'someone@auto.test\n'.repeat(AUTO_BULK_RECORDS)}`);
    const small = path.join(dir, 'auto-small.csv');
    fs.writeFileSync(small, `Email\n${'someone@auto.test\n'.repeat(AUTO_BULK_RECORDS - 1000)}`);
    expect(chooseApi({ dryRun: false }, big)).toBe('bulk');
    expect(chooseApi({ dryRun: false }, small)).toBe('rest');
    expect(chooseApi({ dryRun: false }, '-')).toBe('rest');
    expect(chooseApi({ dryRun: false, api: 'rest' }, big)).toBe('rest');
    expect(chooseApi({ dryRun: false, api: 'bulk' }, small)).toBe('bulk');
    // A dry run sends nothing, so it never opens jobs.
    expect(chooseApi({ dryRun: true, api: 'bulk' }, big)).toBe('rest');
  });
});

describe('Bulk API 2.0', () => {
  it('gives the same outcomes, counts and result files as REST for matched, new, ambiguous and failing rows', async () => {
    const rest = await withOrg({}, (org) => scenario(org, 'rest'));
    const bulk = await withOrg({}, (org) => scenario(org, 'bulk'));
    expect(bulk.doc.result.api).toBe('bulk');
    expect(bulk.doc.result.bulkJobs.length).toBeGreaterThan(0);
    expect(bulk.doc.result.bulkJobs[0].id).toMatch(/^750/);
    expect(bulk.doc.result.counts).toEqual(rest.doc.result.counts);
    expect(bulk.doc.result.counts).toEqual({
      total: 6,
      created: 1,
      updated: 2,
      unchanged: 0,
      deleted: 0,
      failed: 3,
      skipped: 0,
    });
    const shape = (rows: Array<Record<string, string>>) =>
      rows.map((r) => [r.line, r.outcome, r.error_code ?? '']).sort();
    expect(shape(bulk.success)).toEqual(shape(rest.success));
    expect(shape(bulk.failures)).toEqual(shape(rest.failures));
    expect(shape(bulk.failures)).toEqual([
      ['4', 'failed', 'AMBIGUOUS_MATCH'],
      ['5', 'failed', 'REQUIRED_FIELD_MISSING'],
      ['7', 'failed', 'STRING_TOO_LONG'],
    ]);
    expect(bulk.code).toBe(2);
  });

  it('splits a file larger than the upload limit across several jobs and prints their ids', async () => {
    await withOrg({ bulkUploadLimitBytes: 4_000 }, async (org) => {
      const rows = ['LastName,Email'];
      for (let i = 0; i < 500; i++) rows.push(`Bulk ${i},bulk${i}@split.test`);
      fs.writeFileSync(path.join(dir, 'split.csv'), `${rows.join('\n')}\n`);
      const r = await sync(
        org,
        ['create', 'split.csv', '--object', 'Contact', '--api', 'bulk', '--batch-size', '500'],
        { SFSYNC_BULK_UPLOAD_BYTES: '3500' },
      );
      expect(r.code).toBe(0);
      const ids = [...r.stderr.matchAll(/Bulk job (750\w+): insert Contact, (\d+) records/g)];
      expect(ids.length).toBeGreaterThan(3);
      expect(ids.reduce((n, m) => n + Number(m[2]), 0)).toBe(500);
      expect(org.store.count('Contact')).toBe(500);
    });
  });

  it('sizes jobs by upload bytes unless --batch-size is given: 10,001 records in one job, or split by the byte limit', async () => {
    await withOrg({}, async (org) => {
      // One record more than a job of the old fixed size (10,000) held.
      const write = (file: string, n: number): void => {
        const rows = ['LastName,Email'];
        for (let i = 0; i < n; i++) rows.push(`Sized ${i},sized${i}@${file}.test`);
        fs.writeFileSync(path.join(dir, `${file}.csv`), `${rows.join('\n')}\n`);
      };
      write('sized', 10_001);
      const args = ['--object', 'Contact', '--api', 'bulk', '--json'];
      // One job however long the reading pauses: a job waits as long for more records as against a real org.
      const one = await sync(
        org,
        ['create', 'sized.csv', ...args, '--results', path.join(dir, 'out-sized-1')],
        {},
        PRODUCTION_PACE,
      );
      expect(one.code).toBe(0);
      expect(one.doc.result.bulkJobs.map((j: { records: number }) => j.records)).toEqual([10_001]);
      // The split needs no such size: 3,000 records of about 34 bytes under a limit of 40,000 bytes a job.
      write('split', 3_000);
      const split = await sync(
        org,
        ['create', 'split.csv', ...args, '--results', path.join(dir, 'out-sized-2')],
        { SFSYNC_BULK_UPLOAD_BYTES: '40000' },
      );
      expect(split.code).toBe(0);
      const sizes = split.doc.result.bulkJobs.map((j: { records: number }) => j.records);
      expect(sizes.length).toBeGreaterThanOrEqual(3);
      // Each job as full as the limit allows (the last one takes the rest).
      for (const n of sizes.slice(0, -1)) expect(n).toBeGreaterThan(1_000);
      expect(sizes.reduce((a: number, b: number) => a + b, 0)).toBe(3_000);
      expect(org.store.count('Contact')).toBe(13_001);
    });
  });

  it("gathers the engine's small batches into jobs of --batch-size records, and tells identical rows apart", async () => {
    await withOrg({}, async (org) => {
      const rows = ['LastName,Email'];
      for (let i = 0; i < 2_450; i++) rows.push(`Gather ${i},gather${i}@jobs.test`);
      // Identical rows: their results can only be told apart by position among equals.
      for (let i = 0; i < 5; i++) rows.push('Same,same@jobs.test');
      rows.push(',broken@jobs.test');
      fs.writeFileSync(path.join(dir, 'gather.csv'), `${rows.join('\n')}\n`);
      const out = path.join(dir, 'out-gather');
      const r = await sync(org, [
        'create',
        'gather.csv',
        '--object',
        'Contact',
        '--api',
        'bulk',
        '--batch-size',
        '1000',
        '--json',
        '--results',
        out,
      ]);
      expect(r.code).toBe(2);
      // Jobs of 1,000 records (the last one smaller), not one job per internal batch.
      expect(r.doc.result.bulkJobs.map((j: { records: number }) => j.records)).toEqual([1000, 1000, 456]);
      expect(r.doc.result.counts).toMatchObject({ total: 2456, created: 2455, failed: 1 });
      const success = readResultCsv(path.join(out, 'success.csv'));
      const same = success.filter((row) => Number(row.line) >= 2452 && Number(row.line) <= 2456);
      expect(same).toHaveLength(5);
      expect(new Set(same.map((row) => row.id)).size).toBe(5);
      const failures = readResultCsv(path.join(out, 'failures.csv'));
      expect(failures.map((f) => [f.line, f.error_code, f.Email])).toEqual([
        ['2457', 'REQUIRED_FIELD_MISSING', 'broken@jobs.test'],
      ]);
      // The scratch files (records in flight, each job's CSV) are gone at the end of the run.
      expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  });

  it("journals records when their job is opened, and a resume settles them from that job's results", async () => {
    await withOrg({}, async (org) => {
      const rows = ['LastName,Email'];
      for (let i = 0; i < 3000; i++) rows.push(`Stop ${i},stop${i}@journal.test`);
      fs.writeFileSync(path.join(dir, 'stop.csv'), `${rows.join('\n')}\n`);
      const out = path.join(dir, 'out-stop');
      const args = ['create', 'stop.csv', '--object', 'Contact', '--api', 'bulk', '--batch-size', '1000'];
      // One job at a time; the budget runs out while the first job is polled, before any other job is opened.
      const first = await sync(org, [
        ...args,
        '--concurrency',
        '1',
        '--max-api-calls',
        '4',
        '--results',
        out,
      ]);
      expect(first.code).toBe(1);
      expect(first.stderr).toContain('budget of 4 API calls');
      // Only the 1,000 records of the opened job are journaled as sent, with that job's id.
      const sent = fs
        .readFileSync(path.join(out, 'journal.ndjson'), 'utf8')
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { sent: number[]; job?: string });
      expect(sent.flatMap((e) => e.sent)).toHaveLength(1000);
      expect(sent.every((e) => /^750/.test(e.job ?? ''))).toBe(true);
      // A job file a killed run left behind (it could not remove it) is gone after the resume.
      fs.writeFileSync(path.join(out, 'bulk-job-999999-2.csv.tmp'), 'LastName\nStale\n');
      const resumed = await sync(org, [...args, '--resume', '--results', out, '--json']);
      expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      // That job's results show its records created: they are recorded, not sent again; the other 2,000 are sent.
      expect(resumed.doc.result.counts).toMatchObject({ total: 3000, created: 3000, skipped: 0, failed: 0 });
      expect(org.store.count('Contact')).toBe(3000);
    });
  });

  it('refuses a SFSYNC_HEAP_LIMIT_MB that is not a size, before anything is sent', async () => {
    await withOrg({}, async (org) => {
      fs.writeFileSync(path.join(dir, 'heap.csv'), 'LastName\nA\n');
      const r = await sync(org, ['create', 'heap.csv', '--object', 'Contact', '--api', 'bulk'], {
        SFSYNC_HEAP_LIMIT_MB: 'lots',
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('SFSYNC_HEAP_LIMIT_MB=lots is not a whole number of megabytes');
      expect(org.store.count('Contact')).toBe(0);
    });
  });

  it("reports a failed job with its id and Salesforce's message", async () => {
    await withOrg({ dailyBulkBatches: 0 }, async (org) => {
      fs.writeFileSync(path.join(dir, 'quota.csv'), 'LastName\nA\nB\n');
      const r = await sync(org, [
        'create',
        'quota.csv',
        '--object',
        'Contact',
        '--api',
        'bulk',
        '--json',
        '--results',
        path.join(dir, 'out-quota'),
      ]);
      expect(r.code).toBe(2);
      const job = r.doc.result.bulkJobs[0];
      expect(job).toMatchObject({ state: 'Failed', errorMessage: expect.stringContaining('ExceededQuota') });
      const failures = readResultCsv(path.join(dir, 'out-quota', 'failures.csv'));
      expect(failures.map((f) => f.error_code)).toEqual(['BULK_JOB_FAILED', 'BULK_JOB_FAILED']);
      expect(failures[0]?.error_message).toContain(job.id);
      expect(failures[0]?.error_message).toContain('ExceededQuota');
    });
  });
});
