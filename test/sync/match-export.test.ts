import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

async function sync(argv: string[]) {
  const r = await env.sfsync(argv);
  return { code: r.code, doc: r.json(), stderr: r.stderr };
}

describe('matching against an export of the existing records', () => {
  it('exports once for a large file, and matches as the batched queries do', async () => {
    // Seeded straight into the org (a sync of them cost half a second).
    const store = env.org().store;
    for (let i = 0; i < 2000; i++)
      store.create('Contact', { LastName: `Old ${i}`, Email: `old${i}@export.test` });
    // Two existing records share an address: a row with it is ambiguous.
    store.create('Contact', { LastName: 'TwinA', Email: 'twin@export.test' });
    store.create('Contact', { LastName: 'TwinB', Email: 'twin@export.test' });

    const rows = ['LastName,Email'];
    // 1,500 existing records, one of them written in capitals (Email matches without regard to case).
    for (let i = 0; i < 1500; i++)
      rows.push(`Updated ${i},${i === 7 ? 'OLD7@EXPORT.TEST' : `old${i}@export.test`}`);
    rows.push('Ambiguous,twin@export.test');
    // 3,500 new ones, the last 100 repeating earlier new addresses: the first creates, the repeat updates it.
    for (let i = 0; i < 3400; i++) rows.push(`New ${i},new${i}@export.test`);
    for (let i = 0; i < 100; i++) rows.push(`Again ${i},new${i}@export.test`);
    env.write('big.csv', `${rows.join('\n')}\n`);

    const before = env.org().apiCalls();
    const r = await sync([
      'upsert',
      'big.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      'rest',
      '--json',
    ]);
    const calls = env.org().apiCalls() - before;
    expect(r.code).toBe(2);
    expect(r.doc.result.matchExport).toMatchObject({ records: 2002, jobId: expect.stringMatching(/^750/) });
    expect(r.doc.result.counts).toMatchObject({ total: 5001, created: 3400, updated: 1600, failed: 1 });
    const failures = readResultCsv(path.join(r.doc.result.results.dir, 'failures.csv'));
    expect(failures.map((f) => [f.line, f.error_code])).toEqual([['1502', 'AMBIGUOUS_MATCH']]);
    // No address was created twice.
    const emails = [...(env.org().store.object('Contact')?.live.values() ?? [])].map((c) =>
      String(c.Email).toLowerCase(),
    );
    expect(emails.filter((e) => e.startsWith('new'))).toHaveLength(3400);
    expect(new Set(emails.filter((e) => e.startsWith('new'))).size).toBe(3400);
    // 26 writes of 200, plus a count and the export (a few calls), instead of a query per ~300 keys as well.
    expect(calls).toBeLessThan(40);
    // The before-images of the updated records hold the values the export read (for sfsync undo).
    const images = fs
      .readFileSync(path.join(r.doc.result.results.dir, 'before.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as { before: Record<string, unknown>; seen: string });
    const old3 = images.find((i) => i.before.LastName === 'Old 3');
    expect(old3?.before).toEqual({ LastName: 'Old 3' });
    expect(old3?.seen).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('--max-api-calls reached during the export stops like any budget stop: summary, results, command to continue', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < 3200; i++) rows.push(`Budget ${i},budget${i}@export.test`);
    const args = (budget: number) => [
      'upsert',
      `budget-${budget}.csv`,
      '--object',
      'Contact',
      '--match',
      'Email',
      '--api',
      'rest',
      '--results',
      `out/budget-${budget}`,
    ];
    // The budget runs out at each of the export's calls in turn (the count, the job, its polls and results).
    for (const budget of [2, 3, 4, 5]) {
      env.write(`budget-${budget}.csv`, `${rows.join('\n')}\n`);
      const r = await env.sfsync([...args(budget), '--max-api-calls', String(budget), '--json']);
      expect(r.code, r.stderr).toBe(1);
      const doc = r.json();
      expect(doc.error.code).toBe('API_BUDGET_EXCEEDED');
      expect(doc.result, r.stderr).toMatchObject({ ended: 'fatal' });
      expect(doc.error.resume).toContain('--resume');
      expect(fs.existsSync(path.join(env.dir(), `out/budget-${budget}`, 'summary.json'))).toBe(true);
    }
    const resumed = await sync([...args(3), '--resume', '--json']);
    expect(resumed.doc.result.counts).toMatchObject({ total: 3200, created: 3200, failed: 0 });
  });

  it('keeps the batched queries for a small file', async () => {
    env.write('small.csv', 'LastName,Email\nSmall,old1@export.test\n');
    const r = await sync(['upsert', 'small.csv', '--object', 'Contact', '--match', 'Email', '--json']);
    expect(r.code).toBe(0);
    expect(r.doc.result.matchExport).toBeNull();
    expect(r.doc.result.counts).toMatchObject({ updated: 1 });
  });
});
