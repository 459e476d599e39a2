import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

// A rerun of an unchanged file takes shortcuts (the key count read back from the first run, the match export
// compared without building records): whatever changed in the org or the file since must still be found.
const env = useSyncEnv();

/** Large enough for the match export (a Bulk query job) rather than batched queries. */
const N = 3_200;

function row(i: number, title = `Title ${i}`): string {
  return `Last ${i},short${i}@rerun.test,${title}`;
}

function file(name: string, edit: (i: number) => string = (i) => row(i)): string {
  const rows = ['LastName,Email,Title'];
  for (let i = 0; i < N; i++) rows.push(edit(i));
  return env.write(name, `${rows.join('\n')}\n`);
}

async function upsert(name: string, results: string, api = 'rest') {
  const r = await env.sfsync([
    ...['upsert', name, '--object', 'Contact', '--match', 'Email', '--api', api],
    ...['--results', results, '--json'],
  ]);
  return { code: r.code, result: r.json().result, stderr: r.stderr };
}

/** Outcome and error code of each line that is not `unchanged`. */
function changed(result: { results: { dir: string } }): Array<[string, string]> {
  const dir = result.results.dir;
  const success = readResultCsv(path.join(dir, 'success.csv'));
  const failures = readResultCsv(path.join(dir, 'failures.csv'));
  return [
    ...success.filter((r) => r.outcome !== 'unchanged').map((r) => [r.line, r.outcome] as [string, string]),
    ...failures.map((r) => [r.line, r.error_code] as [string, string]),
  ].sort((a, b) => Number(a[0]) - Number(b[0]));
}

describe('a rerun with nothing changed in the file', () => {
  it('still finds a record edited, a new one with the same key (ambiguous), one deleted in the org, and an edited line', async () => {
    const store = env.org().store;
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const made = store.create('Contact', {
        LastName: `Last ${i}`,
        Email: `short${i}@rerun.test`,
        Title: `Title ${i}`,
      });
      ids.push(made.id as string);
    }
    file('same.csv');
    const first = await upsert('same.csv', 'out/first');
    expect(first.code, first.stderr).toBe(0);
    expect(first.result.matchExport).toMatchObject({ records: N });
    expect(first.result.counts).toMatchObject({ total: N, unchanged: N });
    expect(fs.existsSync(path.join(env.dir(), 'out/first/keys.json'))).toBe(true);

    // Since: line 12's record edited in the org, a second record with line 13's address, line 14's record deleted.
    store.update(ids[10] as string, { Title: 'Edited in the org' });
    store.create('Contact', { LastName: 'Twin', Email: 'short11@rerun.test' });
    store.delete(ids[12] as string);
    const second = await upsert('same.csv', 'out/second');
    expect(second.code, second.stderr).toBe(2);
    expect(changed(second.result)).toEqual([
      ['12', 'updated'],
      ['13', 'AMBIGUOUS_MATCH'],
      ['14', 'created'],
    ]);
    expect(second.result.counts).toMatchObject({ unchanged: N - 3 });
    expect(store.find(ids[10] as string)?.row.Title).toBe('Title 10');

    // A line of the file edited: through Bulk this time.
    file('same.csv', (i) => (i === 100 ? row(i, 'Edited in the file') : row(i)));
    const third = await upsert('same.csv', 'out/third', 'bulk');
    expect(third.code, third.stderr).toBe(2);
    expect(changed(third.result)).toEqual([
      ['13', 'AMBIGUOUS_MATCH'],
      ['102', 'updated'],
    ]);
    expect(store.find(ids[100] as string)?.row.Title).toBe('Edited in the file');
  });

  it('reads the key count back only for the same bytes: a line changed is counted again', async () => {
    const csv = (extra: string) => `External_Id__c,LastName\nrk-1,One\nrk-2,Two\nrk-1,One again\n${extra}`;
    env.write('repeat.csv', csv(''));
    const args = (results: string) => [
      ...['upsert', 'repeat.csv', '--object', 'Contact', '--match', 'External_Id__c'],
      ...['--results', results, '--json'],
    ];
    const first = (await env.sfsync(args('out/rk1'))).json().result;
    expect(first.repeatedKeys).toMatchObject({ keys: 1, records: 2, groups: [{ lines: [2, 4] }] });
    // The saved count is what the next run of these bytes reports (altered here to tell it from a new count).
    const saved = path.join(env.dir(), 'out/rk1/keys.json');
    const tally = JSON.parse(fs.readFileSync(saved, 'utf8'));
    tally.repeated.groups[0].lines = [2, 4, 999];
    fs.writeFileSync(saved, JSON.stringify(tally));
    const again = (await env.sfsync(args('out/rk2'))).json().result;
    expect(again.repeatedKeys.groups[0].lines).toEqual([2, 4, 999]);
    expect(fs.existsSync(path.join(env.dir(), 'out/rk2/keys.json'))).toBe(false);

    env.write('repeat.csv', csv('rk-2,Two again\n'));
    const changedFile = (await env.sfsync(args('out/rk3'))).json().result;
    expect(changedFile.repeatedKeys).toMatchObject({
      keys: 2,
      records: 4,
      groups: [{ lines: [2, 4] }, { lines: [3, 5] }],
    });
  });
});
