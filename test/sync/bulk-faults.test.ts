import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator, type Faults } from '../../src/emulator/server.js';
import { BulkWriter } from '../../src/operations/bulk-writer.js';
import { withCodeFromBody } from '../../src/salesforce/client.js';
import { readResultCsv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';

let org: Emulator;
let dir: string;

beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-bulk-faults-'));
});
afterAll(async () => org.close());

async function sync(argv: string[]) {
  const deps = createTestDeps({
    cwd: dir,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
  const code = await main(argv, deps);
  return {
    code,
    doc: argv.includes('--json') ? JSON.parse(deps.io.stdoutText) : null,
    stderr: deps.io.stderrText,
  };
}

/** Contacts with unique addresses under `tag`, written to `<tag>.csv`. */
function contacts(tag: string, n: number): string {
  const rows = ['LastName,Email'];
  for (let i = 0; i < n; i++) rows.push(`${tag} ${i},${tag}${i}@bulk-faults.test`);
  fs.writeFileSync(path.join(dir, `${tag}.csv`), `${rows.join('\n')}\n`);
  return `${tag}.csv`;
}

function countTagged(tag: string): number {
  let n = 0;
  for (const row of org.store.object('Contact')?.live.values() ?? [])
    if (String(row.Email ?? '').startsWith(tag)) n++;
  return n;
}

/** Faults on the calls whose path matches `pathPattern` only, `times` of them, then none. */
function faultOn(pathPattern: string, times: number, faults: Partial<Faults>): void {
  org.setFaults({ transientRate: 0, dropRate: 0, pathPattern, maxInjected: times, ...faults });
}

function noFaults(): void {
  org.setFaults({ transientRate: 0, dropRate: 0, pathPattern: undefined, maxInjected: 0 });
}

const SUCCESS_PAGE = '^/jobs/ingest/[^/]+/successfulResults$';
const FAILED_PAGE = '^/jobs/ingest/[^/]+/failedResults$';

describe('error codes of answers read as text', () => {
  it.each([
    [
      'a JSON error array',
      '[{"errorCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access"}]',
      'UNABLE_TO_LOCK_ROW',
      'unable to obtain exclusive access',
    ],
    [
      'a JSON error object',
      '{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}',
      'REQUEST_LIMIT_EXCEEDED',
      'TotalRequests Limit exceeded.',
    ],
    ['CODE: message text', 'SERVER_UNAVAILABLE: try again later', 'SERVER_UNAVAILABLE', 'try again later'],
    [
      'an HTML page',
      '<html><body>Bad gateway</body></html>',
      'ERROR_HTTP_400',
      '<html><body>Bad gateway</body></html>',
    ],
    ['a word and a colon', 'ERROR: nope', 'ERROR_HTTP_400', 'ERROR: nope'],
  ])('takes the code from %s', (_kind, body, code, message) => {
    const err = Object.assign(new Error(body), { name: 'ERROR_HTTP_400', errorCode: 'ERROR_HTTP_400' });
    expect(withCodeFromBody(err)).toMatchObject({ errorCode: code, name: code, message });
  });
});

describe('Bulk result pages under faults (#18.2)', () => {
  it.each([
    ['UNABLE_TO_LOCK_ROW (400)', SUCCESS_PAGE, { transientRate: 1, transientKinds: ['UNABLE_TO_LOCK_ROW'] }],
    ['SERVER_UNAVAILABLE (503)', SUCCESS_PAGE, { transientRate: 1, transientKinds: ['SERVER_UNAVAILABLE'] }],
    ['a dropped connection', SUCCESS_PAGE, { dropRate: 1 }],
  ] as const)(
    'a %s on a result page is retried: every record created once, none reported failed',
    async (_name, pattern, faults) => {
      const tag = `retry${'dropRate' in faults ? 'drop' : faults.transientKinds?.[0]?.slice(0, 6)}`;
      const file = contacts(tag, 300);
      const before = org.injectedFaults();
      faultOn(pattern, 2, faults as Partial<Faults>);
      try {
        const r = await sync(['create', file, '--object', 'Contact', '--api', 'bulk', '--json']);
        expect(org.injectedFaults() - before).toBe(2);
        expect(r.doc.result.counts).toMatchObject({ total: 300, created: 300, failed: 0, skipped: 0 });
        expect(r.code).toBe(0);
      } finally {
        noFaults();
      }
      expect(countTagged(tag)).toBe(300);
    },
  );

  it("asks for no failedResults page when the job's counts say none failed (a call saved per job)", async () => {
    const file = contacts('nofailpage', 300);
    const before = org.injectedFaults();
    faultOn(FAILED_PAGE, 1, { dropRate: 1 });
    try {
      const r = await sync(['create', file, '--object', 'Contact', '--api', 'bulk', '--json']);
      expect(r.doc.result.counts).toMatchObject({ total: 300, created: 300, failed: 0 });
      expect(org.injectedFaults() - before).toBe(0);
    } finally {
      noFaults();
    }
  });

  it('a connection dropped while a job is opened is retried (an empty Open job is never run): every record created once', async () => {
    const file = contacts('opendrop', 300);
    const before = org.injectedFaults();
    faultOn('^/jobs/ingest$', 1, { dropRate: 1 });
    try {
      const r = await sync(['create', file, '--object', 'Contact', '--api', 'bulk', '--json']);
      expect(org.injectedFaults() - before).toBe(1);
      expect(r.doc.result.counts).toMatchObject({ total: 300, created: 300, failed: 0, skipped: 0 });
      expect(r.code).toBe(0);
    } finally {
      noFaults();
    }
    expect(countTagged('opendrop')).toBe(300);
  });

  it('an upload cut off by a dropped connection aborts its job and goes to a new one: every record created once', async () => {
    const file = contacts('putdrop', 300);
    const before = org.injectedFaults();
    faultOn('^/jobs/ingest/[^/]+/batches$', 1, { dropRate: 1 });
    try {
      const r = await sync(['create', file, '--object', 'Contact', '--api', 'bulk', '--json']);
      expect(org.injectedFaults() - before).toBe(1);
      expect(r.doc.result.counts).toMatchObject({ total: 300, created: 300, failed: 0, skipped: 0 });
      expect(r.code).toBe(0);
      expect(r.doc.result.bulkJobs.map((j: { state: string }) => j.state)).toEqual([
        'Aborted',
        'JobComplete',
      ]);
    } finally {
      noFaults();
    }
    expect(countTagged('putdrop')).toBe(300);
  });

  it("a lock error on the match export's result page is retried instead of aborting the run", async () => {
    const file = contacts('export', 3000);
    // The 3,000 already in the org as the file holds them: matched through the export, none written again.
    for (let i = 0; i < 3000; i++)
      org.store.create('Contact', { LastName: `export ${i}`, Email: `export${i}@bulk-faults.test` });
    faultOn('^/jobs/query/[^/]+/results$', 2, { transientRate: 1, transientKinds: ['UNABLE_TO_LOCK_ROW'] });
    const before = org.injectedFaults();
    try {
      const r = await sync([
        'upsert',
        file,
        '--object',
        'Contact',
        '--match',
        'Email',
        '--api',
        'rest',
        '--json',
      ]);
      expect(org.injectedFaults() - before).toBe(2);
      expect(r.doc.result.matchExport).not.toBeNull();
      expect(r.doc.result.counts).toMatchObject({ total: 3000, unchanged: 3000, failed: 0 });
      expect(r.code).toBe(0);
    } finally {
      noFaults();
    }
  });

  it("REQUEST_LIMIT_EXCEEDED on the match export's result page stops the run before anything is sent", async () => {
    const file = contacts('exportlimit', 3000);
    faultOn('^/jobs/query/[^/]+/results$', 1, {
      transientRate: 1,
      transientKinds: ['REQUEST_LIMIT_EXCEEDED'],
    });
    let r;
    try {
      r = await sync(['upsert', file, '--object', 'Contact', '--match', 'Email', '--api', 'rest', '--json']);
    } finally {
      noFaults();
    }
    expect(r.code).toBe(1);
    expect(r.doc.error.code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(countTagged('exportlimit')).toBe(0);
  });

  it('REQUEST_LIMIT_EXCEEDED on a result page leaves the job unread: nothing reported failed, --resume settles it', async () => {
    const file = contacts('limit', 400);
    const out = path.join(dir, 'out-limit');
    const args = ['create', file, '--object', 'Contact', '--api', 'bulk', '--results', out];
    faultOn(SUCCESS_PAGE, 1, { transientRate: 1, transientKinds: ['REQUEST_LIMIT_EXCEEDED'] });
    let first;
    try {
      first = await sync(args);
    } finally {
      noFaults();
    }
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('daily API request limit');
    expect(first.stderr).toContain(
      '0 failed, 0 not sent, 400 sent in Bulk jobs whose results are not read yet',
    );
    expect(first.stderr).toContain(`--resume --results`);
    // The job ran in Salesforce: its records exist, and none of them is reported failed or "not sent".
    expect(countTagged('limit')).toBe(400);
    const failures = readResultCsv(path.join(out, 'failures.csv'));
    expect(failures).toHaveLength(400);
    expect(new Set(failures.map((f) => `${f.outcome} ${f.error_code}`))).toEqual(
      new Set(['skipped BULK_RESULTS_UNREAD']),
    );
    expect(failures[0]?.error_message).toMatch(/Bulk job 750\w+/);
    expect(failures[0]?.error_message).toContain('--resume');

    const resumed = await sync([...args, '--resume', '--json']);
    expect(resumed.doc.result.counts).toMatchObject({ total: 400, created: 400, failed: 0, skipped: 0 });
    expect(resumed.code).toBe(0);
    expect(countTagged('limit')).toBe(400);
    expect(readResultCsv(path.join(out, 'success.csv'))).toHaveLength(400);
  });
});

describe('unread Bulk delete jobs (#18.2)', () => {
  it("a delete by Id whose job's results are unread is settled from them on --resume: deleted, not failed", async () => {
    const file = contacts('unreaddel', 200);
    expect((await sync(['create', file, '--object', 'Contact', '--api', 'rest'])).code).toBe(0);
    const ids = [...(org.store.object('Contact')?.live.values() ?? [])]
      .filter((c) => String(c.Email).startsWith('unreaddel'))
      .map((c) => c.Id as string);
    fs.writeFileSync(path.join(dir, 'unreaddel-ids.csv'), `Id\n${ids.join('\n')}\n`);
    const out = path.join(dir, 'out-unreaddel');
    const args = ['delete', 'unreaddel-ids.csv', '--object', 'Contact', '--api', 'bulk', '--results', out];
    faultOn(SUCCESS_PAGE, 1, { transientRate: 1, transientKinds: ['REQUEST_LIMIT_EXCEEDED'] });
    let first;
    try {
      first = await sync(args);
    } finally {
      noFaults();
    }
    expect(first.code).toBe(1);
    expect(countTagged('unreaddel')).toBe(0);
    const resumed = await sync([...args, '--resume', '--json']);
    expect(resumed.doc.result.counts).toMatchObject({ total: 200, deleted: 200, failed: 0, skipped: 0 });
    expect(resumed.code).toBe(0);
  });
});

describe('--max-api-calls (#18, budget)', () => {
  const match = ['--match', 'Email'];
  it.each([
    ['a REST upsert', 'upsert', [...match, '--api', 'rest', '--batch-size', '100'], 9],
    ['a Bulk upsert', 'upsert', [...match, '--api', 'bulk', '--batch-size', '500', '--concurrency', '2'], 10],
    // One describe, then the first job is opened: the budget runs out on its upload, which was never counted.
    [
      'a Bulk create, out at an upload',
      'create',
      ['--api', 'bulk', '--batch-size', '500', '--concurrency', '1'],
      2,
    ],
  ] as const)(
    'is never exceeded by %s, and the run resumes to the end',
    async (name, operation, flags, budget) => {
      const tag = `budget${name.replace(/\W/g, '')}`;
      // 1,000 records: every budget runs out well before the end (10 REST batches, 2 Bulk jobs of 500).
      const file = contacts(tag, 1000);
      const out = path.join(dir, `out-${tag}`);
      const args = [operation, file, '--object', 'Contact', ...flags, '--results', out];
      const before = org.apiCalls();
      const first = await sync([...args, '--max-api-calls', String(budget), '--json']);
      expect(first.code).toBe(1);
      expect(first.doc.error.code).toBe('API_BUDGET_EXCEEDED');
      // What the org counted and what sfsync reports: neither goes past the budget.
      expect(org.apiCalls() - before).toBeLessThanOrEqual(budget);
      expect(first.doc.result.apiCalls).toBeLessThanOrEqual(budget);
      expect(first.doc.result.counts.failed).toBe(0);

      const resumed = await sync([...args, '--resume', '--json']);
      expect(resumed.doc.result.counts).toMatchObject({ total: 1000, created: 1000, failed: 0, skipped: 0 });
      expect(countTagged(tag)).toBe(1000);
    },
  );
});

describe('deeply nested NDJSON (#18.7)', () => {
  it.each(['bulk', 'rest'] as const)(
    'one record nested past 64 levels fails alone with NDJSON_TOO_DEEP naming its line; the others are written (%s)',
    async (api) => {
      const tag = `deep${api}`;
      const lines: string[] = [];
      for (let i = 0; i < 300; i++)
        lines.push(JSON.stringify({ LastName: `${tag} ${i}`, Email: `${tag}${i}@bulk-faults.test` }));
      // Line 151: a value nested 100,000 levels deep.
      lines[150] = `{"LastName":"${tag} deep","Email":"${tag}-deep@bulk-faults.test","Description":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      fs.writeFileSync(path.join(dir, `${tag}.ndjson`), `${lines.join('\n')}\n`);
      const out = path.join(dir, `out-${tag}`);
      const r = await sync([
        'create',
        `${tag}.ndjson`,
        '--object',
        'Contact',
        '--api',
        api,
        '--json',
        '--results',
        out,
      ]);
      expect(r.doc.result.counts).toMatchObject({ total: 300, created: 299, failed: 1, skipped: 0 });
      expect(r.code).toBe(2);
      const failures = readResultCsv(path.join(out, 'failures.csv'));
      expect(failures.map((f) => [f.line, f.error_code])).toEqual([['151', 'NDJSON_TOO_DEEP']]);
      expect(failures[0]?.error_message).toContain('64');
      expect(countTagged(tag)).toBe(299);
    },
  );
});

describe('a literal #N/A under Bulk (#18.8)', () => {
  it('is refused alone with BULK_NA_TEXT under Bulk, and stored as text under REST: never a cleared field', async () => {
    const rows = ['LastName,Email,Title'];
    for (let i = 0; i < 50; i++) rows.push(`NA ${i},na${i}@bulk-faults.test,Engineer`);
    rows[21] = 'NA text,na-text@bulk-faults.test,#N/A';
    fs.writeFileSync(path.join(dir, 'na.csv'), `${rows.join('\n')}\n`);

    const out = path.join(dir, 'out-na-bulk');
    const bulk = await sync([
      'create',
      'na.csv',
      '--object',
      'Contact',
      '--api',
      'bulk',
      '--json',
      '--results',
      out,
    ]);
    expect(bulk.doc.result.counts).toMatchObject({ total: 50, created: 49, failed: 1 });
    expect(bulk.code).toBe(2);
    const failures = readResultCsv(path.join(out, 'failures.csv'));
    expect(failures.map((f) => [f.line, f.error_code, f.error_fields])).toEqual([
      ['22', 'BULK_NA_TEXT', 'Title'],
    ]);
    expect(failures[0]?.error_message).toContain('#N/A');
    const contacts = [...(org.store.object('Contact')?.live.values() ?? [])];
    expect(contacts.filter((c) => String(c.Email).startsWith('na'))).toHaveLength(49);
    expect(contacts.some((c) => c.Email === 'na-text@bulk-faults.test')).toBe(false);

    const rest = await sync([
      'upsert',
      'na.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      'rest',
      '--json',
      '--results',
      path.join(dir, 'out-na-rest'),
    ]);
    // The 49 records the Bulk run wrote hold these values already.
    expect(rest.doc.result.counts).toMatchObject({ total: 50, created: 1, unchanged: 49, failed: 0 });
    const stored = [...(org.store.object('Contact')?.live.values() ?? [])].find(
      (c) => c.Email === 'na-text@bulk-faults.test',
    );
    expect(stored?.Title).toBe('#N/A');
  });
});

describe('the journal of a Bulk run', () => {
  it('records each line with the job that carried it, also when a write call is split across two jobs', async () => {
    const rows = ['LastName,Email,Title'];
    for (let i = 0; i < 1000; i++) rows.push(`Journal ${i},journal${i}@bulk-faults.test,`);
    // A record the writer refuses shifts the engine's calls of 300 against the jobs of 300: most calls span two.
    rows[5] = 'Journal bad,journal-bad@bulk-faults.test,#N/A';
    fs.writeFileSync(path.join(dir, 'journal.csv'), `${rows.join('\n')}\n`);
    const out = path.join(dir, 'out-journal');
    const r = await sync([
      'create',
      'journal.csv',
      '--object',
      'Contact',
      '--api',
      'bulk',
      '--batch-size',
      '300',
      '--concurrency',
      '1',
      '--json',
      '--results',
      out,
    ]);
    expect(r.doc.result.counts).toMatchObject({ total: 1000, created: 999, failed: 1 });
    const perJob = new Map<string, number>();
    for (const entry of fs.readFileSync(path.join(out, 'journal.ndjson'), 'utf8').split('\n').slice(1)) {
      if (!entry) continue;
      const { sent, job } = JSON.parse(entry) as { sent: number[]; job: string };
      perJob.set(job, (perJob.get(job) ?? 0) + sent.length);
    }
    const jobs = r.doc.result.bulkJobs as Array<{ id: string; records: number }>;
    // Jobs hold at most 300 (a job may close early when its writer waited past its linger on a loaded machine).
    expect(jobs.every((j) => j.records <= 300)).toBe(true);
    expect(jobs.reduce((n, j) => n + j.records, 0)).toBe(999);
    expect(jobs.length).toBeGreaterThanOrEqual(4);
    expect(Object.fromEntries(perJob)).toEqual(Object.fromEntries(jobs.map((j) => [j.id, j.records])));
  });
});

describe('BulkWriter isolates a bad record', () => {
  it('a record whose value cannot be written as CSV fails alone; the records of its call are created', async () => {
    const deps = createTestDeps({
      cwd: dir,
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    });
    const client = await deps.connect({});
    const writer = new BulkWriter(client, { jobRecords: 100, jobsAtOnce: 1, maxUploadBytes: 1_000_000 });
    const hostile = {
      [Symbol.toPrimitive]() {
        throw new Error('no text for this value');
      },
    };
    const records: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 5; i++) records.push({ LastName: `Iso ${i}`, Email: `iso${i}@bulk-faults.test` });
    records[2] = {
      LastName: 'Iso bad',
      Email: 'iso-bad@bulk-faults.test',
      Account: { External_Id__c: hostile },
    };
    const sentLines: number[] = [];
    const results = await writer.create('Contact', records, (_job, from = 0, count = 5) => {
      for (let k = from; k < from + count; k++) sentLines.push(k);
    });
    expect(results.map((r) => (r.success ? 'ok' : r.errors[0]?.statusCode))).toEqual([
      'ok',
      'ok',
      'BULK_CSV_UNWRITABLE',
      'ok',
      'ok',
    ]);
    expect(sentLines).toEqual([0, 1, 3, 4]);
    expect(countTagged('iso')).toBe(4);
  });
});

describe('a Bulk job that fails to upload', () => {
  it('answers only for its own records (resent after the lock); those of the same write call in the next job are reported by theirs', async () => {
    const rows = ['LastName,Email,Title'];
    for (let i = 0; i < 1000; i++) rows.push(`Upfail ${i},upfail${i}@bulk-faults.test,`);
    // A refused record shifts the engine's calls of 300 against the jobs of 300: the second call spans two jobs.
    rows[5] = 'Upfail bad,upfail-bad@bulk-faults.test,#N/A';
    fs.writeFileSync(path.join(dir, 'upfail.csv'), `${rows.join('\n')}\n`);
    const out = path.join(dir, 'out-upfail');
    // The first job's upload meets a lock error on every attempt (7, the retry policy's), the others none.
    faultOn('^/jobs/ingest/[^/]+/batches$', 7, { transientRate: 1, transientKinds: ['UNABLE_TO_LOCK_ROW'] });
    let r;
    try {
      r = await sync([
        'create',
        'upfail.csv',
        '--object',
        'Contact',
        '--api',
        'bulk',
        '--batch-size',
        '300',
        '--concurrency',
        '1',
        '--json',
        '--results',
        out,
      ]);
    } finally {
      noFaults();
    }
    // Those of the failed job (300, from two write calls) were resent with the next lock retry; the others were
    // answered by their own jobs.
    expect(countTagged('upfail')).toBe(999);
    expect(r.doc.result.counts).toMatchObject({ total: 1000, created: 999, failed: 1, skipped: 0 });
    expect(r.code).toBe(2);
    const created = new Set(readResultCsv(path.join(out, 'success.csv')).map((s) => s.Email));
    expect(created.size).toBe(999);
    for (const row of org.store.object('Contact')?.live.values() ?? [])
      if (String(row.Email).startsWith('upfail')) expect(created.has(row.Email as string)).toBe(true);
  });
});
