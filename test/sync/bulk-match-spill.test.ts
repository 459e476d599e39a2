import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MappedRecord } from '../../src/mapping/apply.js';
import { MatchSpill } from '../../src/operations/bulk-match-spill.js';
import type { MatchSpec } from '../../src/operations/match.js';
import type { FieldInfo } from '../../src/salesforce/types.js';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

const ext = { name: 'External_Id__c', type: 'string', caseSensitive: false } as FieldInfo;
const spec: MatchSpec = { object: 'Contact', fields: [ext], operator: 'OR' };

function record(line: number, key: string): MappedRecord {
  const payload = { External_Id__c: key };
  return { line, input: payload, payload, lookups: [], spoolAt: -1, spoolBytes: 0 };
}

describe('the match export kept on disk (MatchSpill)', () => {
  it('finds each record by its key, without case, past hash collisions and growth of its table', () => {
    // Few slots expected: the table grows while the export is read.
    const spill = new MatchSpill(spec, undefined, 1);
    const header = ['Id', 'External_Id__c'];
    for (let i = 0; i < 5_000; i++) spill.add(header, [`003${String(i).padStart(12, '0')}`, `Key-${i}`]);
    // A value with a NUL in it (Salesforce keeps none): kept all the same.
    spill.add(header, ['003999999999999', 'odd\0key']);
    try {
      const wanted = [
        record(2, 'KEY-7'),
        record(3, 'key-4999'),
        record(4, 'Key-5000'),
        record(5, ''),
        record(6, 'ODD\0KEY'),
      ];
      const found = spill.read(wanted).find(wanted);
      expect(wanted.map((r) => found.get(r))).toEqual([
        ['003000000000007'],
        ['003000000004999'],
        [],
        [],
        ['003999999999999'],
      ]);
      expect(spill.rows).toBe(5_001);
    } finally {
      spill.close();
    }
  });
});

describe('a Bulk upsert on an external ID too large for the match export in memory', () => {
  it('reads the existing records with one export job kept on disk, and still sends only what changed', async () => {
    const store = env.org().store;
    const n = 600;
    const pad = 'd'.repeat(250);
    for (let i = 0; i < n; i++)
      store.create('Contact', {
        LastName: `Spill ${i}`,
        External_Id__c: `SPILL-${i}`,
        Title: `T${i}`,
        Description: pad,
      });
    // The file's size estimate (from the line breaks in its first 64 KB: here a value's) says about 250,000
    // records, past what an index in memory may grow to: the export waits on disk.
    const rows = ['External_Id__c,LastName,Title,Description', `SPILL-LONG,Long,T,"${'\n'.repeat(65_600)}"`];
    for (let i = 0; i < n + 100; i++)
      rows.push(`SPILL-${i},Spill ${i},${i % 50 === 0 ? 'changed' : `T${i}`},${pad}`);
    // Its key again, after its first row's batch was sent: compared with nothing known, it is sent whole.
    rows.push(`spill-0,Spill 0,changed,${pad}`);
    env.write('spill.csv', `${rows.join('\n')}\n`);
    const r = await env.sfsync([
      ...['upsert', 'spill.csv', '--object', 'Contact', '--match', 'External_Id__c'],
      ...['--api', 'bulk', '--batch-size', '200', '--results', 'out/spill', '--json'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const result = r.json().result;
    expect(result.matchExport).toMatchObject({ records: n });
    expect(result.counts).toMatchObject({ created: 101, updated: 13, unchanged: n - 12 });
    // No query per batch: the count, the export job, and the Bulk jobs.
    expect(result.apiCalls).toBeLessThanOrEqual(25);
    const success = readResultCsv(path.join(env.dir(), 'out/spill/success.csv'));
    expect(success.filter((s) => s.outcome === 'updated').length).toBe(13);
    const zero = await env.query("SELECT Title FROM Contact WHERE External_Id__c = 'SPILL-0'");
    expect(zero).toEqual([expect.objectContaining({ Title: 'changed' })]);
  });
});
