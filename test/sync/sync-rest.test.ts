import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

describe('sfsync create/update/upsert/delete against the local org', () => {
  it('creates records from a CSV, inferring the object from the file name', async () => {
    env.write('leads.csv', 'LastName,Company,Email\nLee,Acme,lee@acme.test\nKim,Beta,kim@beta.test\n');
    const r = await env.sfsync(['create', 'leads.csv', '--json', '--results', 'out/create']);
    expect(r.code).toBe(0);
    const doc = r.json();
    expect(doc.result).toMatchObject({
      object: 'Lead',
      objectSource: 'file name',
      counts: { total: 2, created: 2, failed: 0 },
    });
    const rows = await env.query(
      "SELECT LastName, Company FROM Lead WHERE Email IN ('lee@acme.test','kim@beta.test') ORDER BY LastName",
    );
    expect(rows.map((x) => [x.LastName, x.Company])).toEqual([
      ['Kim', 'Beta'],
      ['Lee', 'Acme'],
    ]);
    const success = readResultCsv(`${env.dir()}/out/create/success.csv`);
    expect(success.map((s) => [s.line, s.outcome])).toEqual([
      ['2', 'created'],
      ['3', 'created'],
    ]);
    expect(success[0]?.id).toMatch(/^00Q/);
  });

  it('upserts on Email: creates, then updates the same records', async () => {
    env.write('contacts.csv', 'FirstName,LastName,Email\nAda,Lovelace,ada@x.test\nAlan,Turing,alan@x.test\n');
    const first = (await env.sfsync(['upsert', 'contacts.csv', '--match', 'Email', '--json'])).json();
    expect(first.result.counts).toMatchObject({ total: 2, created: 2, updated: 0 });
    env.write('contacts.csv', 'FirstName,LastName,Email\nAda,King,ADA@x.test\nAlan,Turing,alan@x.test\n');
    const second = (await env.sfsync(['upsert', 'contacts.csv', '--match', 'Email', '--json'])).json();
    // Alan's row is stored already; ADA@x.test is Ada's key, which matching reads without case.
    expect(second.result.counts).toMatchObject({ total: 2, created: 0, updated: 1, unchanged: 1 });
    const rows = await env.query("SELECT LastName FROM Contact WHERE Email = 'ada@x.test'");
    expect(rows.map((x) => x.LastName)).toEqual(['King']);
  });

  it('updates by Email and reports a record with no match as not found (exit 2)', async () => {
    env.write('upd.csv', 'Email,Title\nalan@x.test,Mathematician\nnobody@x.test,Ghost\n');
    const r = await env.sfsync([
      'update',
      'upd.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--json',
      '--results',
      'out/upd',
    ]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({
      ok: false,
      exitCode: 2,
      result: { counts: { total: 2, updated: 1, failed: 1 } },
    });
    const failures = readResultCsv(`${env.dir()}/out/upd/failures.csv`);
    expect(failures).toEqual([
      expect.objectContaining({
        line: '3',
        error_code: 'NOT_FOUND',
        status: '404',
        Email: 'nobody@x.test',
        Title: 'Ghost',
      }),
    ]);
    expect((await env.query("SELECT Title FROM Contact WHERE Email = 'alan@x.test'"))[0]?.Title).toBe(
      'Mathematician',
    );
  });

  it('leaves an ambiguous record untouched and reports it with 300 and the matching Ids', async () => {
    env.write('twins-seed.csv', 'LastName,Email\nTwin A,twin@x.test\nTwin B,twin@x.test\n');
    await env.sfsync(['create', 'twins-seed.csv', '--object', 'Contact']);
    env.write('twins.csv', 'Email,Title\ntwin@x.test,Changed\n');
    const r = await env.sfsync([
      'upsert',
      'twins.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--json',
      '--results',
      'out/twins',
    ]);
    expect(r.code).toBe(2);
    const failures = readResultCsv(`${env.dir()}/out/twins/failures.csv`);
    expect(failures[0]).toMatchObject({ line: '2', status: '300', error_code: 'AMBIGUOUS_MATCH' });
    expect(failures[0]?.matched_ids?.split(';')).toHaveLength(2);
    const rows = await env.query("SELECT Title FROM Contact WHERE Email = 'twin@x.test'");
    expect(rows.map((x) => x.Title)).toEqual([null, null]);
  });

  it('matches on two keys with OR by default and with AND on request', async () => {
    env.write('keys-seed.csv', 'LastName,Email,Phone\nOne,one@k.test,111\nTwo,two@k.test,222\n');
    await env.sfsync(['create', 'keys-seed.csv', '--object', 'Contact']);
    // OR: line 2 matches One by Email; line 3 matches Two by Phone alone.
    env.write('keys-or.csv', 'Email,Phone,Title\none@k.test,999,A\nother@k.test,222,B\n');
    const or = (
      await env.sfsync([
        'update',
        'keys-or.csv',
        '--object',
        'Contact',
        '--match',
        'Email,Phone',
        '--allow-shared-keys',
        '--json',
      ])
    ).json();
    expect(or.result.counts).toMatchObject({ updated: 2, failed: 0 });
    // AND: only a record matching both fields counts (One's Phone is 999 since the OR run wrote it).
    env.write('keys-and.csv', 'Email,Phone,Title\none@k.test,999,C\ntwo@k.test,999,D\n');
    const and = (
      await env.sfsync([
        'update',
        'keys-and.csv',
        '--object',
        'Contact',
        '--match',
        'Email,Phone',
        '--match-operator',
        'AND',
        '--allow-shared-keys',
        '--json',
      ])
    ).json();
    expect(and.result.counts).toMatchObject({ updated: 1, failed: 1 });
    const rows = await env.query(
      "SELECT LastName, Title FROM Contact WHERE LastName IN ('One','Two') ORDER BY LastName",
    );
    expect(rows.map((x) => [x.LastName, x.Title])).toEqual([
      ['One', 'C'],
      ['Two', 'B'],
    ]);
  });

  it('refuses a non-filterable match field before any write, naming it', async () => {
    env.write('cases.csv', 'Subject,Description\nBroken,It does not work\n');
    const before = env.org().store.count('Case');
    const r = await env.sfsync(['upsert', 'cases.csv', '--match', 'Description', '--json']);
    expect(r.code).toBe(1);
    const doc = r.json();
    expect(doc.error.code).toBe('MAPPING_INVALID');
    expect(doc.error.message).toContain('Case.Description cannot be used as a record matcher');
    expect(env.org().store.count('Case')).toBe(before);
  });

  it('matches quotes, backslashes and injection attempts literally', async () => {
    const tricky = ["O'Brien", 'a\\b', "x' OR Name != '"];
    env.write(
      'tricky-seed.csv',
      `LastName,Department\n${tricky.map((t) => `"${t.replace(/"/g, '""')}",seed`).join('\n')}\nInnocent,seed\n`,
    );
    await env.sfsync(['create', 'tricky-seed.csv', '--object', 'Contact']);
    env.write('tricky.csv', `LastName,Department\n${tricky.map((t) => `"${t}",matched`).join('\n')}\n`);
    const r = (
      await env.sfsync([
        'update',
        'tricky.csv',
        '--object',
        'Contact',
        '--match',
        'LastName',
        '--allow-shared-keys',
        '--json',
      ])
    ).json();
    expect(r.result.counts).toMatchObject({ updated: 3, failed: 0 });
    const rows = await env.query(
      "SELECT LastName, Department FROM Contact WHERE Department IN ('seed','matched') ORDER BY LastName",
    );
    expect(Object.fromEntries(rows.map((x) => [x.LastName, x.Department]))).toEqual({
      "O'Brien": 'matched',
      'a\\b': 'matched',
      "x' OR Name != '": 'matched',
      Innocent: 'seed',
    });
  });

  it('creates one record for two rows with the same key: the first creates, the second updates', async () => {
    env.write('same.csv', 'LastName,Email,Title\nFirst,same@x.test,one\nSecond,same@x.test,two\n');
    const r = (
      await env.sfsync([
        'upsert',
        'same.csv',
        '--object',
        'Contact',
        '--match',
        'Email',
        '--json',
        '--results',
        'out/same',
      ])
    ).json();
    expect(r.result.counts).toMatchObject({ created: 1, updated: 1 });
    const rows = await env.query("SELECT LastName, Title FROM Contact WHERE Email = 'same@x.test'");
    expect(rows).toEqual([expect.objectContaining({ LastName: 'Second', Title: 'two' })]);
  });

  it('deletes by Email, and by an Id column without --match', async () => {
    env.write('del-seed.csv', 'LastName,Email\nGone,gone@x.test\nAlsoGone,also@x.test\n');
    await env.sfsync(['create', 'del-seed.csv', '--object', 'Contact']);
    env.write('del.csv', 'Email\ngone@x.test\n');
    expect(
      (await env.sfsync(['delete', 'del.csv', '--object', 'Contact', '--match', 'Email', '--json'])).json()
        .result.counts,
    ).toMatchObject({ deleted: 1 });
    const id = (await env.query("SELECT Id FROM Contact WHERE Email = 'also@x.test'"))[0]?.Id;
    env.write('del-ids.csv', `Id\n${id}\n`);
    expect(
      (await env.sfsync(['delete', 'del-ids.csv', '--object', 'Contact', '--json'])).json().result,
    ).toMatchObject({ matchStrategy: 'id', counts: { deleted: 1 } });
    expect(await env.query("SELECT Id FROM Contact WHERE Email IN ('gone@x.test','also@x.test')")).toEqual(
      [],
    );
  });

  it('delete with the same Id on two lines: the first deletes, the other is reported as a repeat (Ids as given)', async () => {
    env.write('rep-seed.csv', 'LastName,Email\nTwice,twice@x.test\n');
    await env.sfsync(['create', 'rep-seed.csv', '--object', 'Contact']);
    const id = (await env.query("SELECT Id FROM Contact WHERE Email = 'twice@x.test'"))[0]?.Id as string;
    expect(id).toHaveLength(18);
    env.write('rep-ids.csv', `Id\n${id}\n${id}\n`);
    const r = await env.sfsync([
      'delete',
      'rep-ids.csv',
      '--object',
      'Contact',
      '--json',
      '--results',
      'out/rep',
    ]);
    const doc = r.json();
    expect(doc.result.counts).toMatchObject({ total: 2, deleted: 1 });
    expect(JSON.stringify(doc)).not.toContain('ENTITY_IS_DELETED');
    expect(doc.result.repeatedKeys.groups).toEqual([{ key: `Id=${id}`, count: 2, lines: [2, 3] }]);
    expect(r.stderr).not.toMatch(new RegExp(`${id.slice(0, 15)}(?!${id.slice(15)})`));
    const failures = readResultCsv(`${env.dir()}/out/rep/failures.csv`);
    expect(failures.map((f) => [f.line, f.error_code])).toEqual([['3', 'ID_REPEATED']]);
    expect(failures[0]?.error_message).toContain('line 2');
    expect(await env.query("SELECT Id FROM Contact WHERE Email = 'twice@x.test'")).toEqual([]);
  });

  it('reads a CSV with BOM, CRLF and multi-line quoted fields, and reports a malformed line while the rest loads', async () => {
    env.write(
      'notes.csv',
      '\uFEFFLastName,Description\r\n"Multi","line one\r\nline two"\r\n"Ragged",x,extra\r\nPlain,simple\r\n',
    );
    const r = await env.sfsync([
      'create',
      'notes.csv',
      '--object',
      'Contact',
      '--json',
      '--results',
      'out/notes',
    ]);
    expect(r.code).toBe(2);
    expect(r.json().result.counts).toMatchObject({ total: 3, created: 2, failed: 1 });
    expect(readResultCsv(`${env.dir()}/out/notes/failures.csv`)[0]).toMatchObject({
      line: '4',
      error_code: 'CSV_RECORD_INCONSISTENT_COLUMNS',
    });
    const rows = await env.query("SELECT Description FROM Contact WHERE LastName = 'Multi'");
    expect(rows[0]?.Description).toBe('line one\r\nline two');
  });

  it('maps nested NDJSON paths with a mapping file', async () => {
    env.write(
      'events.ndjson',
      [
        '{"traits":{"email":"n1@e.test","name":{"last":"Nested"}},"company":"Acme"}',
        '{bad json',
        '{"traits":{"email":"n2@e.test","name":{"last":"Deep"}},"company":"Beta"}',
      ].join('\n'),
    );
    env.write(
      'events.mapping.yaml',
      [
        'object: Lead',
        'match: Email',
        'fields:',
        '  Email: traits.email',
        '  LastName: traits.name.last',
        '  Company: company',
        '  LeadSource: { value: Web }',
        '',
      ].join('\n'),
    );
    const r = await env.sfsync([
      'upsert',
      'events.ndjson',
      '--mapping',
      'events.mapping.yaml',
      '--json',
      '--results',
      'out/events',
    ]);
    expect(r.code).toBe(2);
    expect(r.json().result.counts).toMatchObject({ total: 3, created: 2, failed: 1 });
    expect(readResultCsv(`${env.dir()}/out/events/failures.csv`)[0]).toMatchObject({
      line: '2',
      error_code: 'NDJSON_INVALID',
    });
    const rows = await env.query("SELECT LastName, Company, LeadSource FROM Lead WHERE Email = 'n1@e.test'");
    expect(rows[0]).toMatchObject({ LastName: 'Nested', Company: 'Acme', LeadSource: 'Web' });
  });
});
