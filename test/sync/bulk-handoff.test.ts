import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait-for.js';
import type { MappedRecord } from '../../src/mapping/apply.js';
import { BULK_RECORDS_IN_FLIGHT, engineSizing } from '../../src/operations/api-choice.js';
import { BulkWriter } from '../../src/operations/bulk-writer.js';
import type { EngineOptions } from '../../src/operations/engine-options.js';
import type { MatchIndex } from '../../src/operations/match.js';
import { EngineOutcomes } from '../../src/operations/engine-outcomes.js';
import { sendSorted } from '../../src/operations/engine-write.js';
import { ResultSink, resultFiles } from '../../src/operations/results.js';
import { Spool } from '../../src/operations/spool.js';
import { readResultCsv } from '../helpers/sync-env.js';
import { clientOf, useLocalOrg } from '../helpers/local-org.js';

const local = useLocalOrg();
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-handoff-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** V8's collector, reached as the engine's heap governor reaches it. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Sends three batches' records, known to the test only by weak references; returns their answers to come. */
async function handOver(
  opts: EngineOptions,
  outcomes: EngineOutcomes,
  refs: Array<WeakRef<MappedRecord>>,
  upsert = false,
): Promise<Array<Promise<void>>> {
  const later: Array<Promise<void>> = [];
  const batches = [0, 1, 2].map((b) =>
    Array.from({ length: 100 }, (_, i) => {
      const line = b * 100 + i + 2;
      const values: Record<string, unknown> = { LastName: `Handoff ${line}`, Email: `h${line}@handoff.test` };
      if (upsert) values.External_Id__c = `HANDOFF-${line}`;
      const r: MappedRecord = {
        line,
        input: values,
        payload: { ...values },
        lookups: [],
        spoolAt: -1,
        spoolBytes: 0,
      };
      refs.push(new WeakRef(r));
      return r;
    }),
  );
  for (const records of batches.splice(0))
    await sendSorted(
      opts,
      outcomes,
      upsert
        ? // Upserts matched when read: the batch's matched records are what makes each one's freshness.
          {
            creates: [],
            updates: [],
            deletes: [],
            upserts: records,
            index: {} as MatchIndex,
            changed: records.map((r) => ({ r, id: '003000000000000AAA' })),
          }
        : { creates: records, updates: [], deletes: [], upserts: [] },
      later,
    );
  return later;
}

describe('the Bulk hand-off', () => {
  it('lets go of the records of write calls waiting for their job, and writes their outcomes when it answers', async () => {
    const gc = collector();
    const client = clientOf(local.org());
    // A job that never closes by itself: it waits until flushed.
    const writer = new BulkWriter(client, {
      jobRecords: Infinity,
      jobsAtOnce: 1,
      maxUploadBytes: 1e8,
      lingerMs: 3_600_000,
    });
    const run = path.join(dir, 'run');
    const sink = new ResultSink(resultFiles(run, false), ['LastName', 'Email']);
    const spool = new Spool(path.join(run, 'spool.tmp'));
    writer.useFolder(run);
    const outcomes = new EngineOutcomes(sink, spool, (stop) => {
      throw stop;
    });
    const sent: number[] = [];
    const opts = {
      operation: 'create',
      compiled: { object: { name: 'Contact' } },
      writer,
      batchSize: 1000,
      onSend: (lines: number[]) => sent.push(...lines),
    } as unknown as EngineOptions;
    const refs: Array<WeakRef<MappedRecord>> = [];
    const later = await handOver(opts, outcomes, refs);
    expect(later).toHaveLength(3);
    // The job has not been sent: the calls wait for it, and none of their records is held any more.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    writer.flush();
    await Promise.all(later);
    await sink.close();
    spool.close();
    const success = readResultCsv(path.join(run, 'success.csv'));
    expect(success.map((r) => Number(r.line))).toEqual(Array.from({ length: 300 }, (_, i) => i + 2));
    expect(success.every((r) => r.outcome === 'created' && /^003/.test(r.id ?? ''))).toBe(true);
    expect(success.map((r) => r.Email)).toEqual(
      Array.from({ length: 300 }, (_, i) => `h${i + 2}@handoff.test`),
    );
    expect(sent).toHaveLength(300);
    const held = await local
      .conn()
      .query<{ Id: string; Email: string }>(
        "SELECT Id, Email FROM Contact WHERE Email LIKE '%@handoff.test'",
      );
    expect(held.totalSize).toBe(300);
    const byEmail = new Map(held.records.map((c) => [c.Email, c.Id]));
    expect(success.every((r) => byEmail.get(r.Email as string) === r.id)).toBe(true);
  });

  it('lets go of the matched records of upserts waiting for their job (their freshness kept as bits)', async () => {
    const gc = collector();
    const writer = new BulkWriter(clientOf(local.org()), {
      jobRecords: Infinity,
      jobsAtOnce: 1,
      maxUploadBytes: 1e8,
      lingerMs: 3_600_000,
    });
    const run = path.join(dir, 'run-upsert');
    const sink = new ResultSink(resultFiles(run, false), ['LastName', 'Email', 'External_Id__c']);
    const spool = new Spool(path.join(run, 'spool.tmp'));
    writer.useFolder(run);
    const outcomes = new EngineOutcomes(sink, spool, (stop) => {
      throw stop;
    });
    const opts = {
      operation: 'upsert',
      compiled: { object: { name: 'Contact' } },
      match: { fields: [{ name: 'External_Id__c' }] },
      writer,
      batchSize: 1000,
    } as unknown as EngineOptions;
    const refs: Array<WeakRef<MappedRecord>> = [];
    const later = await handOver(opts, outcomes, refs, true);
    // Collected once nothing holds them; on a loaded machine the last hand-off may take a few turns to settle.
    const alive = (): number => {
      gc();
      return refs.filter((r) => r.deref() !== undefined).length;
    };
    await waitFor(() => alive() === 0, 'the handed-over records to be collected', { limitMs: 10_000 }).catch(
      () => undefined,
    );
    expect(alive()).toBe(0);
    writer.flush();
    await Promise.all(later);
    await sink.close();
    spool.close();
    const success = readResultCsv(path.join(run, 'success.csv'));
    expect(success.map((r) => Number(r.line))).toEqual(Array.from({ length: 300 }, (_, i) => i + 2));
  });

  it('keeps the records waiting for their jobs bounded whatever the file size (jobs cut by bytes)', () => {
    const { batchSize, concurrency, jobRecords } = engineSizing({}, true, false);
    expect(jobRecords).toBe(Infinity);
    expect(concurrency * batchSize).toBeLessThanOrEqual(BULK_RECORDS_IN_FLIGHT);
    // --batch-size jobs keep their own, smaller bound.
    expect(engineSizing({ batchSize: 10_000 }, true, false).concurrency).toBe(20);
  });
});
