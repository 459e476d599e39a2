import { describe, expect, it } from 'vitest';
import type { InputRecord } from '../../src/input/types.js';
import { compileMapping } from '../../src/mapping/compile.js';
import { implicitMapping } from '../../src/mapping/load-mapping.js';
import { groupByParent, parentField } from '../../src/operations/lock-grouping.js';
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
    field('LastName', 'string', { nillable: false }),
    field('Email', 'email'),
    field('OwnerId', 'reference', { referenceTo: ['User'], relationshipName: 'Owner' }),
    field('AccountId', 'reference', { referenceTo: ['Account'], relationshipName: 'Account' }),
  ],
};

async function compiled(columns: string[]) {
  return compileMapping(implicitMapping(), contact, 'create', columns, async () => contact);
}

async function* chunks(records: InputRecord[]): AsyncIterable<InputRecord[]> {
  yield records;
}

async function arranged(
  records: InputRecord[],
  lanes: number,
  unit: number,
  keysOf?: (r: { payload: Record<string, unknown> }) => string[],
) {
  const c = await compiled(Object.keys(records[0]?.values ?? {}));
  const field = parentField(c);
  if (!field) throw new Error('no parent field');
  const out: InputRecord[][] = [];
  for await (const chunk of groupByParent(chunks(records), {
    compiled: c,
    field,
    lanes,
    unit,
    window: 1_000,
    keysOf,
  }))
    out.push(chunk);
  return out.flat();
}

/** Contacts whose account cycles line by line: every account's children are spread over the file. */
function contacts(n: number, accounts: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: n }, (_, i) => ({
    line: i + 2,
    values: {
      LastName: `C${i}`,
      AccountId: `001000000000A${String(i % accounts).padStart(2, '0')}`,
      ...extra(i),
    },
  }));
}

describe('grouping records by their parent lookup', () => {
  it('takes the first lookup to a record (not OwnerId), or none', async () => {
    expect(parentField(await compiled(['LastName', 'OwnerId', 'AccountId']))?.target).toBe('AccountId');
    expect(parentField(await compiled(['LastName', 'OwnerId']))).toBeNull();
  });

  it('batches in flight together (one per lane) hold different parents, and every record comes out once', async () => {
    const input = contacts(400, 8);
    const out = await arranged(input, 4, 50);
    expect(out.map((r) => r.line).sort((a, b) => a - b)).toEqual(input.map((r) => r.line));
    const batches = Array.from(
      { length: out.length / 50 },
      (_, b) => new Set(out.slice(b * 50, b * 50 + 50).map((r) => r.values?.AccountId)),
    );
    for (let b = 0; b + 3 < batches.length; b += 4) {
      const round = batches.slice(b, b + 4);
      for (let x = 0; x < 4; x++)
        for (let y = x + 1; y < 4; y++)
          expect([...(round[x] as Set<unknown>)].filter((a) => (round[y] as Set<unknown>).has(a))).toEqual(
            [],
          );
    }
  });

  it('keeps file order within a parent, and records sharing a match key in one lane, in file order', async () => {
    // Lines 2 and 3 share an email but not an account: they must still be written line 2 first.
    const input = contacts(40, 4, (i) => ({ Email: i < 2 ? 'same@x.test' : `p${i}@x.test` }));
    const out = await arranged(input, 4, 5, (r) => [String(r.payload.Email)]);
    const lines = out.map((r) => r.line);
    expect(lines.indexOf(2)).toBeLessThan(lines.indexOf(3));
    for (const account of ['00', '01', '02', '03']) {
      const own = out.filter((r) => String(r.values?.AccountId).endsWith(account)).map((r) => r.line);
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
  });
});
