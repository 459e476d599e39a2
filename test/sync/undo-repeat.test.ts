import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBeforeImages } from '../../src/operations/before-images.js';
import type { SalesforceClient } from '../../src/salesforce/client.js';
import type { ObjectInfo } from '../../src/salesforce/types.js';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

function contacts(from: number, to: number, title: string): string {
  const rows = ['External_Id__c,LastName,Email,Title'];
  for (let i = from; i < to; i++) rows.push(`rep-${i},Person ${i},rep${i}@undo.test,${title} ${i}`);
  return `${rows.join('\n')}\n`;
}

async function remove(id: string): Promise<void> {
  const res = await fetch(`${env.org().instanceUrl}/services/data/v62.0/sobjects/Contact/${id}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${env.org().accessToken}` },
  });
  expect(res.status).toBe(204);
}

describe('sfsync undo, again', () => {
  it('an update an earlier undo took back, its record deleted since, is unchanged, not ENTITY_IS_DELETED', async () => {
    env.write('seed.csv', contacts(0, 4, 'Seed'));
    expect(
      (await env.sfsync(['create', 'seed.csv', '--object', 'Contact', '--results', 'runs/seed'])).code,
    ).toBe(0);
    // One upsert: 4 records updated, 2 created.
    env.write('run1.csv', contacts(0, 6, 'Run1'));
    const run = await env.sfsync([
      'upsert',
      'run1.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--results',
      'runs/run1',
    ]);
    expect(run.code).toBe(0);
    const first = await env.sfsync(['undo', 'runs/run1', '--json']);
    expect(first.code).toBe(0);
    expect(first.json().result.counts).toMatchObject({ total: 6, updated: 4, deleted: 2 });
    // The records set back are deleted since (as a plan's undo deletes a step's records after its later steps).
    const left = await env.query("SELECT Id FROM Contact WHERE External_Id__c LIKE 'rep-%'");
    expect(left).toHaveLength(4);
    for (const r of left) await remove(String(r.Id));
    const again = await env.sfsync(['undo', 'runs/run1', '--force', '--json']);
    expect(again.json().result.counts).toMatchObject({ total: 6, unchanged: 6, failed: 0 });
    expect(again.code).toBe(0);
  });
  it('an update of a record the same run created, deleted since, is unchanged; of one it did not create, ENTITY_IS_DELETED', async () => {
    env.write('gone.csv', 'External_Id__c,LastName,Title\ngone-0,Old,Was\n');
    const seed = await env.sfsync([
      'create',
      'gone.csv',
      '--object',
      'Contact',
      '--results',
      'runs/gone-seed',
    ]);
    expect(seed.code).toBe(0);
    env.write('mix.csv', 'External_Id__c,LastName,Title\ngone-0,Old,Now\ngone-1,New,Made\n');
    const run = await env.sfsync([
      'upsert',
      'mix.csv',
      '--object',
      'Contact',
      '--match',
      'External_Id__c',
      '--results',
      'runs/mix',
    ]);
    expect(run.code).toBe(0);
    const ids = new Map(
      (await env.query("SELECT Id, External_Id__c FROM Contact WHERE External_Id__c LIKE 'gone-%'")).map(
        (r) => [r.External_Id__c, String(r.Id)],
      ),
    );
    // The run's later write to the record it created (as a second pass over self-references makes).
    const file = path.join(env.dir(), 'runs/mix/before.ndjson');
    const later = {
      op: 'update',
      line: 2,
      id: ids.get('gone-1'),
      before: { Title: 'Made' },
      after: { Title: 'Later' },
      seen: null,
    };
    fs.appendFileSync(file, `${JSON.stringify(later)}\n`);
    for (const id of ids.values()) await remove(id);
    // One line: "(line N)", not "(lines N)".
    const dry = await env.sfsync(['undo', 'runs/mix', '--dry-run']);
    expect(dry.stdout).toMatch(/ENTITY_IS_DELETED: 1 record \(line \d+\):/);
    const undo = await env.sfsync(['undo', 'runs/mix', '--json']);
    const result = undo.json().result;
    expect(result.counts).toMatchObject({ total: 3, unchanged: 2, failed: 1 });
    expect(result.failuresByCode).toEqual([expect.objectContaining({ code: 'ENTITY_IS_DELETED', count: 1 })]);
    expect(undo.code).toBe(2);
  });
});

describe('before.ndjson format version', () => {
  it('is 2 with written lines; a version 1 file is still undone, a later one refused', async () => {
    env.write('ver.csv', contacts(100, 102, 'Ver'));
    const create = ['create', 'ver.csv', '--object', 'Contact', '--results', 'runs/ver-seed'];
    expect((await env.sfsync(create)).code).toBe(0);
    env.write('ver2.csv', contacts(100, 102, 'Changed'));
    const args = ['update', 'ver2.csv', '--object', 'Contact', '--match', 'External_Id__c'];
    expect((await env.sfsync([...args, '--results', 'runs/ver'])).code).toBe(0);
    const file = path.join(env.dir(), 'runs/ver/before.ndjson');
    const [head, ...entries] = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(head ?? '')).toMatchObject({ v: 2, kind: 'sfsync-before-images' });
    expect(entries.some((l) => l.includes('"op":"written"'))).toBe(true);
    // As an sfsync before `written` lines wrote it.
    const v1 = entries
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.op !== 'written')
      .map(({ w: _w, at: _at, ...e }) => JSON.stringify(e));
    fs.writeFileSync(file, [(head ?? '').replace('"v":2', '"v":1'), ...v1].join('\n') + '\n');
    const undo = await env.sfsync(['undo', 'runs/ver', '--json']);
    expect(undo.json().result.counts).toMatchObject({ total: 2, updated: 2, conflict: 0 });
    fs.writeFileSync(file, [(head ?? '').replace('"v":2', '"v":3'), ...v1].join('\n') + '\n');
    const later = await env.sfsync(['undo', 'runs/ver', '--dry-run', '--json']);
    expect(later.json().error.message).toContain('(version 1 to 2; a later sfsync wrote a later one)');
  });

  it('a version 1 file continued by a resume says version 2 from then on', () => {
    const dir = fs.mkdtempSync(path.join(env.dir(), 'v1-'));
    const header = '{"v":1,"kind":"sfsync-before-images","operation":"update","object":"Contact"}\n';
    fs.writeFileSync(path.join(dir, 'before.ndjson'), header);
    const object = { name: 'Contact', fields: [] } as unknown as ObjectInfo;
    openBeforeImages(dir, { operation: 'update' }, {} as SalesforceClient, object, true).close();
    expect(fs.readFileSync(path.join(dir, 'before.ndjson'), 'utf8')).toBe(header.replace('"v":1', '"v":2'));
  });
});
