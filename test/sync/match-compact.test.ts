import { describe, expect, it } from 'vitest';
import { compileMapping } from '../../src/mapping/compile.js';
import { implicitMapping } from '../../src/mapping/load-mapping.js';
import { ChangeFields } from '../../src/operations/changes.js';
import { MatchIndex, type MatchSpec } from '../../src/operations/match.js';
import { forEachCsvRow } from '../../src/salesforce/csv-rows.js';
import type { ObjectInfo } from '../../src/salesforce/types.js';
import { field } from '../helpers/field-info.js';

const contact: ObjectInfo = {
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  custom: false,
  createable: true,
  updateable: true,
  deletable: true,
  queryable: true,
  fields: [
    field('Id', 'id', { updateable: false, createable: false }),
    field('External_Id__c', 'string', { externalId: true, unique: true }),
    field('LastName', 'string', { nillable: false }),
    field('Email', 'email'),
    field('ReportsToId', 'reference', { referenceTo: ['Contact'], relationshipName: 'ReportsTo' }),
    field('SystemModstamp', 'datetime', { updateable: false, createable: false }),
  ],
};
const byName = (name: string) => contact.fields.find((f) => f.name === name) as (typeof contact.fields)[0];
const STAMP = '2026-12-03T10:00:00.000Z';
const idOf = (i: number) => `003${String(i).padStart(12, '0')}AAA`;

async function changeFields(): Promise<ChangeFields> {
  const columns = ['External_Id__c', 'LastName', 'Email', 'ReportsToId'];
  return new ChangeFields(
    await compileMapping(implicitMapping(), contact, 'upsert', columns, async () => contact),
  );
}

/**
 * The objects an index holds (its match spec and compared fields aside): Maps, arrays, plain objects, but not
 * strings, numbers, typed arrays or buffers. A compact index holds a fixed number of them, whatever its records.
 */
function objectsIn(index: MatchIndex): number {
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) return;
    seen.add(v);
    if (v instanceof Map)
      for (const [k, x] of v) {
        visit(k);
        visit(x);
      }
    else for (const x of Object.values(v)) visit(x);
  };
  for (const [k, v] of Object.entries(index)) if (k !== 'spec' && k !== 'changes') visit(v);
  return seen.size;
}

/** An index of `n` exported Contacts (one page of a Bulk export, as its CSV text) and `created` created ones. */
async function exported(spec: MatchSpec, n: number, created = 0): Promise<MatchIndex> {
  const index = new MatchIndex(spec, await changeFields());
  const lines = ['Id,External_Id__c,LastName,Email,ReportsToId,SystemModstamp'];
  for (let i = 0; i < n; i++)
    lines.push(`${idOf(i)},E${i},Last ${i},p${i}@x.example,${i > 0 ? idOf(0) : ''},${STAMP}`);
  let header: string[] | undefined;
  forEachCsvRow(lines.join('\n'), (row) => (header ? index.addCsvRow(header, row) : (header = row)));
  for (let i = 0; i < created; i++) index.addKeys([['External_Id__c', `new${i}`]], idOf(n + i));
  return index;
}

const onKey: MatchSpec = { object: 'Contact', fields: [byName('External_Id__c')], operator: 'OR' };
const onId: MatchSpec = { object: 'Contact', fields: [byName('Id')], operator: 'OR' };
const record = (payload: Record<string, unknown>) => ({ line: 2, payload, error: null }) as never;

describe('the match index is compact', () => {
  it('holds no object per record: the same objects for 10 and 2,000 exported records, and for records created', async () => {
    for (const spec of [onKey, onId]) {
      const small = objectsIn(await exported(spec, 10, 5));
      expect(objectsIn(await exported(spec, 2_000, 500))).toBe(small);
    }
  });

  it('holds no object per row of the batched queries either', async () => {
    const rows = async (n: number) => {
      const index = new MatchIndex(onKey, await changeFields());
      for (let i = 0; i < n; i++)
        index.addRow({ Id: idOf(i), External_Id__c: `E${i}`, LastName: `Last ${i}`, SystemModstamp: STAMP });
      return objectsIn(index);
    };
    expect(await rows(2_000)).toBe(await rows(10));
  });

  it('still finds, compares and keeps the before-image values of what it read', async () => {
    const index = await exported(onKey, 2_000, 10);
    const [found] = index.find([record({ External_Id__c: 'E7' })]).values();
    expect(found).toEqual([idOf(7)]);
    expect(index.valuesOf(idOf(7))).toEqual({
      External_Id__c: 'E7',
      LastName: 'Last 7',
      Email: 'p7@x.example',
      ReportsToId: idOf(0),
      SystemModstamp: STAMP,
    });
    expect(index.currentAt(idOf(7).slice(0, 15))).toBeGreaterThanOrEqual(0);
    // A record the run created is found by its key, its values unknown (sent whole if it comes again).
    const [created] = index.find([record({ External_Id__c: 'new3' })]).values();
    expect(created).toEqual([idOf(2_003)]);
    expect(index.currentAt(idOf(2_003))).toBe(-1);
    expect(index.valuesOf(idOf(2_003))).toBeUndefined();
    index.forget([['External_Id__c', 'e7']]);
    expect(index.currentAt(idOf(7))).toBe(-1);
    // A key two records share finds both.
    index.addKeys([['External_Id__c', 'e8']], idOf(9_999));
    const [shared] = index.find([record({ External_Id__c: 'E8' })]).values();
    expect(shared).toEqual([idOf(8), idOf(9_999)]);
  });

  it('matched on Id (a second pass), finds each record by its 15- or 18-character Id', async () => {
    const index = await exported(onId, 100);
    const hits = index.find([record({ Id: idOf(42) }), record({ Id: idOf(43).slice(0, 15) })]);
    expect([...hits.values()]).toEqual([[idOf(42)], [idOf(43)]]);
    expect(index.valuesOf(idOf(42))?.ReportsToId).toBe(idOf(0));
  });
});
