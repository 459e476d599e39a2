import { describe, expect, it } from 'vitest';
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
});
