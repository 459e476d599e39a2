import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InputRecord } from '../../src/input/types.js';
import { compileMapping } from '../../src/mapping/compile.js';
import { implicitMapping } from '../../src/mapping/load-mapping.js';
import { SyncEngine } from '../../src/operations/engine.js';
import type { EngineOptions } from '../../src/operations/engine-options.js';
import { ResultSink, resultFiles } from '../../src/operations/results.js';
import type { RecordWriter } from '../../src/operations/writer.js';
import type { SalesforceClient } from '../../src/salesforce/client.js';
import type { ObjectInfo, SaveResult } from '../../src/salesforce/types.js';
import { waitFor } from '../helpers/wait-for.js';
import { field } from '../helpers/field-info.js';

const ext = field('External_Id__c', 'string', { externalId: true, unique: true });
const contact: ObjectInfo = {
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  custom: false,
  createable: true,
  updateable: true,
  deletable: true,
  queryable: true,
  fields: [field('LastName', 'string', { nillable: false }), ext],
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A writer whose calls wait until released, as Bulk calls wait for their job. */
function stallingWriter(): { writer: RecordWriter; release: () => void; calls: () => number } {
  const waiting: Array<() => void> = [];
  const answer = (records: unknown[]): Promise<SaveResult[]> =>
    new Promise((resolve) =>
      waiting.push(() =>
        resolve(records.map((_, i) => ({ success: true, created: true, id: `003${i}`, errors: [] }))),
      ),
    );
  const writer = {
    create: (_o: string, records: unknown[]) => answer(records),
    update: (_o: string, records: unknown[]) => answer(records),
    upsert: (_o: string, _f: string, records: unknown[]) => answer(records),
    delete: (_o: string, ids: unknown[]) => answer(ids),
  };
  return { writer, release: () => waiting.splice(0).forEach((go) => go()), calls: () => waiting.length };
}

/** Upserts 4 batches of distinct keys through a writer that holds every call; returns the keys held meanwhile. */
async function keysHeldWhileWriting(uniqueKeys: boolean): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-unique-'));
  dirs.push(dir);
  const compiled = await compileMapping(
    implicitMapping(),
    contact,
    'upsert',
    ['LastName', 'External_Id__c'],
    async () => contact,
  );
  const { writer, release, calls } = stallingWriter();
  const sink = new ResultSink(resultFiles(dir, false), ['LastName', 'External_Id__c']);
  // Nothing is read first (Salesforce's upsert, nothing compared): the client is never called.
  const engine = new SyncEngine({} as SalesforceClient, sink, {
    operation: 'upsert',
    compiled,
    match: { object: 'Contact', fields: [ext], operator: 'OR' },
    strategy: 'native-upsert',
    writer,
    batchSize: 10,
    concurrency: 4,
    dryRun: false,
    failFast: false,
    uniqueKeys,
  } as EngineOptions);
  const records: InputRecord[] = Array.from({ length: 40 }, (_, i) => ({
    line: i + 2,
    values: { LastName: `Unique ${i}`, External_Id__c: `U-${i}` },
  }));
  const run = engine.run(
    (async function* () {
      yield records;
    })(),
  );
  await waitFor(() => calls() === 4, 'the four batches to wait for their writes');
  const held = (engine as unknown as { inFlight: Map<string, unknown> }).inFlight.size;
  release();
  const result = await run;
  await sink.close();
  expect(result.fatal).toBeNull();
  expect(sink.counts.created).toBe(40);
  return held;
}

describe('batches of an input whose match keys are all distinct', () => {
  it('keep no key while their writes wait (about 100 bytes a record on the Bulk path)', async () => {
    expect(await keysHeldWhileWriting(false)).toBe(40);
    expect(await keysHeldWhileWriting(true)).toBe(0);
  });
});
