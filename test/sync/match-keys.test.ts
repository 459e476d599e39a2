import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { KeyCensus } from '../../src/operations/key-census.js';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';

const env = useSyncEnv();

/** sfsync in this process (the end-to-end runs of bin/sfsync.js are elsewhere): faster, same code. */
async function sfsync(
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string; json: () => any }> {
  const deps = createTestDeps({
    cwd: env.dir(),
    stdin,
    env: { SFSYNC_INSTANCE_URL: env.org().instanceUrl, SFSYNC_ACCESS_TOKEN: env.org().accessToken },
  });
  const code = await main(args, deps);
  const stdout = deps.io.stdoutText;
  return { code, stdout, stderr: deps.io.stderrText, json: () => JSON.parse(stdout) };
}

async function contactCount(where: string): Promise<number> {
  return (await env.query(`SELECT Id FROM Contact WHERE ${where}`)).length;
}

describe('match keys that cannot merge strangers', () => {
  it('refuses a match field that does not identify a record, before writing, with how many records share each value', async () => {
    const rows = ['Ann,Smith', 'Bob,Smith', 'Cid,Smith', 'Dee,Jones', 'Eve,Jones', 'Fay,Unique'];
    env.write('shared.csv', `FirstName,LastName\n${rows.join('\n')}\n`);
    const before = env.org().store.count('Contact');
    const r = await sfsync(['upsert', 'shared.csv', '--object', 'Contact', '--match', 'LastName', '--json']);
    expect(r.code).toBe(1);
    const { error } = r.json();
    expect(error.code).toBe('MATCH_KEY_NOT_UNIQUE');
    expect(error.message).toContain('Contact.LastName does not identify a record');
    expect(error.message).toContain('5 records share a key with another');
    expect(error.message).toContain('LastName=smith ×3 (first on line 2)');
    expect(error.message).toContain('LastName=jones ×2 (first on line 5)');
    expect(error.hint).toContain('Email');
    expect(error.hint).toContain('--allow-shared-keys');
    expect(error.hint).toContain('allowSharedKeys: true');
    expect(env.org().store.count('Contact')).toBe(before);
  });

  it('refuses it for update and delete too, and in a mapping; allowSharedKeys in the mapping or the flag lets it run with a warning', async () => {
    env.write('shared-upd.csv', 'LastName,Title\nNobody-Shared,x\n');
    for (const op of ['update', 'delete'])
      expect(
        (await sfsync([op, 'shared-upd.csv', '--object', 'Contact', '--match', 'LastName', '--json'])).json()
          .error.code,
      ).toBe('MATCH_KEY_NOT_UNIQUE');
    env.write(
      'shared.yaml',
      'object: Contact\nmatch: LastName\nfields:\n  LastName: LastName\n  Title: Title\n',
    );
    expect(
      (await sfsync(['update', 'shared-upd.csv', '--mapping', 'shared.yaml', '--json'])).json().error.code,
    ).toBe('MATCH_KEY_NOT_UNIQUE');
    env.write(
      'shared-ok.yaml',
      'object: Contact\nmatch: {fields: [LastName], allowSharedKeys: true}\nfields:\n  LastName: LastName\n  Title: Title\n',
    );
    const allowed = await sfsync(['update', 'shared-upd.csv', '--mapping', 'shared-ok.yaml']);
    expect(allowed.code).toBe(2); // nothing to update: NOT_FOUND, but it ran
    expect(allowed.stderr).toContain('Warning: Contact.LastName does not identify a record');
    expect(allowed.stderr).toContain('Allowed by match.allowSharedKeys in the mapping');
    const flag = await sfsync([
      'update',
      'shared-upd.csv',
      '--object',
      'Contact',
      '--match',
      'LastName',
      '--allow-shared-keys',
      '--json',
    ]);
    expect(flag.json().result.warnings.join('\n')).toContain('Allowed by --allow-shared-keys');
    expect(flag.json().result.counts).toMatchObject({ failed: 1 });
  });

  it('accepts idLookup (Email), external ID and Id matchers, and AND with one identifying field', async () => {
    env.write('ok-keys.csv', 'LastName,Email\nOkay,okay@keys.test\n');
    const email = await sfsync([
      'upsert',
      'ok-keys.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--json',
    ]);
    expect(email.code).toBe(0);
    const and = await sfsync([
      'upsert',
      'ok-keys.csv',
      '--object',
      'Contact',
      '--match',
      'LastName,Email',
      '--match-operator',
      'AND',
      '--json',
    ]);
    expect(and.json().result.counts).toMatchObject({ created: 0, unchanged: 1 });
    const or = await sfsync([
      'upsert',
      'ok-keys.csv',
      '--object',
      'Contact',
      '--match',
      'LastName,Email',
      '--json',
    ]);
    expect(or.json().error.message).toContain('Contact.LastName does not identify');
  });

  it('mapping check warns about a non-identifying match field, with the shared values of FILE', async () => {
    env.write(
      'check.yaml',
      'object: Contact\noperation: upsert\nmatch: LastName\nfields:\n  LastName: last\n',
    );
    env.write('check.csv', 'last\nSmith\nSMITH\nDoe\n');
    const r = await sfsync(['mapping', 'check', 'check.yaml', 'check.csv', '--json']);
    expect(r.code).toBe(0);
    const warnings = r
      .json()
      .result.warnings.map((w: { message: string }) => w.message)
      .join('\n');
    expect(warnings).toContain('Contact.LastName does not identify a record');
    expect(warnings).toContain('LastName=smith ×2 (first on line 2)');
    const text = await sfsync(['mapping', 'check', 'check.yaml']);
    expect(text.stdout).toContain('warning: match: Contact.LastName does not identify a record');
  });
});

describe('blank match keys', () => {
  it('fails a record whose key is blank after transforms with MATCH_KEY_EMPTY, never sends it, and keeps its line', async () => {
    env.write(
      'blank.yaml',
      'object: Contact\nmatch: Email\nfields:\n  LastName: name\n  Email: { column: mail, transform: [trim] }\n',
    );
    env.write('blank.csv', 'name,mail\nHas,has@blank.test\nNone,\nSpaces,"   "\n');
    for (let run = 0; run < 2; run++) {
      const r = await sfsync([
        'upsert',
        'blank.csv',
        '--mapping',
        'blank.yaml',
        '--json',
        '--results',
        `out/blank${run}`,
      ]);
      expect(r.code).toBe(2);
      expect(r.json().result.counts).toMatchObject({ total: 3, failed: 2, created: 1 - run, unchanged: run });
      const failures = readResultCsv(`${env.dir()}/out/blank${run}/failures.csv`);
      expect(failures.map((f) => [f.line, f.error_code, f.error_fields, f.name])).toEqual([
        ['3', 'MATCH_KEY_EMPTY', 'Email', 'None'],
        ['4', 'MATCH_KEY_EMPTY', 'Email', 'Spaces'],
      ]);
      expect(r.stderr).toBe('');
    }
    expect(await contactCount("LastName IN ('None','Spaces')")).toBe(0);
    const text = await sfsync([
      'upsert',
      'blank.csv',
      '--mapping',
      'blank.yaml',
      '--results',
      'out/blank-text',
    ]);
    expect(text.stderr).toContain('Warning: 2 records have a blank match key (lines 3, 4)');
    expect(text.stdout).toContain('MATCH_KEY_EMPTY [Email]: 2 records (lines 3, 4)');
    expect(text.stdout).toContain('fix: ');
  });

  it('--create-when-key-empty creates them (upsert only); update and delete fail them', async () => {
    env.write('blank2.csv', 'LastName,Email\nKeyless-One,\n');
    const r = await sfsync([
      'upsert',
      'blank2.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--create-when-key-empty',
      '--json',
    ]);
    expect(r.json().result.counts).toMatchObject({ created: 1, failed: 0 });
    expect(await contactCount("LastName = 'Keyless-One'")).toBe(1);
    for (const op of ['update', 'delete']) {
      const u = await sfsync([op, 'blank2.csv', '--object', 'Contact', '--match', 'Email', '--json']);
      expect(u.json().result.failuresByCode).toEqual([
        expect.objectContaining({ code: 'MATCH_KEY_EMPTY', lines: [2] }),
      ]);
      const bad = await sfsync([
        op,
        'blank2.csv',
        '--object',
        'Contact',
        '--match',
        'Email',
        '--create-when-key-empty',
        '--json',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.json().error.message).toContain('--create-when-key-empty works only with upsert');
    }
    // An Id column left blank is a blank key too.
    env.write('blank-id.csv', 'Id,Title\n,Ghost\n');
    const byId = await sfsync(['update', 'blank-id.csv', '--object', 'Contact', '--json']);
    expect(byId.json().result.failuresByCode[0]).toMatchObject({ code: 'MATCH_KEY_EMPTY', fields: ['Id'] });
  });
});

describe('repeated keys in one file', () => {
  it('warns before writing, reports repeatedKeys, and the dry run predicts one create then updates', async () => {
    env.write(
      'rep.csv',
      'LastName,Email,Title\nA,rep1@x.test,1\nB,REP1@x.test,2\nC,rep2@x.test,3\nD,rep1@X.TEST,4\nE,rep2@x.test,5\nF,solo@x.test,6\n',
    );
    const args = ['upsert', 'rep.csv', '--object', 'Contact', '--match', 'Email'];
    const dry = await sfsync([...args, '--dry-run', '--results', 'out/rep-dry']);
    expect(dry.stderr).toContain(
      'Warning: 2 match keys are carried by more than one record (5 records): Email=rep1@x.test ×3 (lines 2, 3, 5); Email=rep2@x.test ×2 (lines 4, 6)',
    );
    const planned = readResultCsv(`${env.dir()}/out/rep-dry/plan.csv`);
    expect(planned.map((p) => [p.line, p.outcome, p.id])).toEqual([
      ['2', 'would create', ''],
      ['3', 'would update', '(created by line 2)'],
      ['4', 'would create', ''],
      ['5', 'would update', '(created by line 2)'],
      ['6', 'would update', '(created by line 4)'],
      ['7', 'would create', ''],
    ]);
    const dryJson = (await sfsync([...args, '--dry-run', '--json'])).json().result;
    const real = (await sfsync([...args, '--json', '--results', 'out/rep'])).json().result;
    expect(real.counts).toMatchObject({ created: 3, updated: 3, failed: 0 });
    expect(dryJson.counts).toEqual(real.counts);
    expect(real.repeatedKeys).toEqual({
      keys: 2,
      records: 5,
      groups: [
        { key: 'Email=rep1@x.test', count: 3, lines: [2, 3, 5] },
        { key: 'Email=rep2@x.test', count: 2, lines: [4, 6] },
      ],
    });
    const summary = JSON.parse(fs.readFileSync(path.join(env.dir(), 'out/rep/summary.json'), 'utf8'));
    expect(summary.repeatedKeys.keys).toBe(2);
    const rows = await env.query(
      "SELECT Title FROM Contact WHERE Email IN ('rep1@x.test','rep2@x.test') ORDER BY Title",
    );
    expect(rows.map((x) => x.Title)).toEqual(['4', '5']);
    const text = await sfsync([...args, '--results', 'out/rep-text']);
    expect(text.stdout).toContain(
      'repeated keys: 2 keys carried by 5 records (Email=rep1@x.test on lines 2, 3, 5;',
    );
  });

  it('counts repeated keys of standard input during the run, and refuses a shared key there without counts', async () => {
    const input = 'LastName,Email\nS1,stdin@x.test\nS2,stdin@x.test\n';
    const r = await sfsync(
      ['upsert', '-', '--format', 'csv', '--object', 'Contact', '--match', 'Email', '--json'],
      input,
    );
    expect(r.json().result).toMatchObject({
      counts: { created: 1, updated: 1 },
      repeatedKeys: { keys: 1, records: 2 },
    });
    const refused = await sfsync(
      ['upsert', '-', '--format', 'csv', '--object', 'Contact', '--match', 'LastName', '--json'],
      input,
    );
    expect(refused.json().error).toMatchObject({ code: 'MATCH_KEY_NOT_UNIQUE' });
    expect(refused.json().error.message).not.toContain('share a key');
  });
});

/** A marketing export as people send them: BOM, `;`, blank, repeated and differently-cased addresses. */
function messyExport(n: number, seed: number): string {
  let state = seed;
  const rand = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const lines = ['first_name;last_name;email_address;title'];
  for (let i = 0; i < n; i++) {
    const roll = rand();
    const person = Math.floor(rand() * (n / 3));
    let email = `person${person}@messy.test`;
    if (roll < 0.1) email = '';
    else if (roll < 0.15) email = '  ';
    else if (roll < 0.3) email = email.toUpperCase();
    else if (roll < 0.35) email = ` ${email.replace('person', 'Person')} `;
    lines.push(`F${i};Messy${i % 7};${email};t${i}`);
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

describe('a messy marketing export', () => {
  it("the dry run's counts equal the real run's, and two runs leave one Contact per distinct non-blank email", async () => {
    env.write(
      'messy.yaml',
      'object: Contact\nmatch: Email\nfields:\n  FirstName: first_name\n  LastName: last_name\n  Email: { column: email_address, transform: [trim] }\n  Title: title\n',
    );
    const text = messyExport(600, 7);
    env.write('messy.csv', text);
    // Some of the people exist already, under an address typed differently.
    env.write(
      'messy-seed.csv',
      'LastName,Email\nSeed,PERSON1@messy.test\nSeed,person2@MESSY.test\nSeed,person3@messy.test\n',
    );
    await sfsync(['create', 'messy-seed.csv', '--object', 'Contact']);
    const distinct = new Set(
      text
        .split('\r\n')
        .slice(1)
        .map((l) => (l.split(';')[2] ?? '').trim().toLowerCase())
        .filter((e) => e !== ''),
    );
    const args = ['upsert', 'messy.csv', '--mapping', 'messy.yaml', '--json'];
    const dry = (await sfsync([...args, '--dry-run', '--results', 'out/messy-dry'])).json().result;
    const real = (await sfsync([...args, '--results', 'out/messy'])).json().result;
    expect(dry.counts).toEqual(real.counts);
    expect(real.counts.failed).toBeGreaterThan(30);
    expect(real.failuresByCode.map((f: { code: string }) => f.code)).toEqual(['MATCH_KEY_EMPTY']);
    const seeded = ['person1@messy.test', 'person2@messy.test', 'person3@messy.test'];
    expect(real.counts.created).toBe(distinct.size - seeded.filter((e) => distinct.has(e)).length);
    expect(real.repeatedKeys.keys).toBeGreaterThan(50);
    const again = (await sfsync([...args, '--results', 'out/messy2'])).json().result;
    expect(again.counts).toMatchObject({ created: 0, failed: real.counts.failed });
    const rows = await env.query("SELECT Email FROM Contact WHERE Email LIKE '%@messy.test'");
    expect(rows).toHaveLength(new Set([...distinct, ...seeded]).size);
    expect(new Set(rows.map((r) => String(r.Email).toLowerCase())).size).toBe(rows.length);
    expect(await contactCount("LastName LIKE 'Messy%' AND Email = null")).toBe(0);
  });

  it('on the Bulk API, a first load does what the dry run predicted', async () => {
    env.write(
      'messy-bulk.csv',
      '\ufefflast_name;email_address\r\nB1;bulk1@messy.test\r\nB2; \r\nB3;BULK1@messy.test\r\nB4;bulk2@messy.test\r\n',
    );
    env.write(
      'messy-bulk.yaml',
      'object: Lead\nmatch: Email\nfields:\n  LastName: last_name\n  Company: { value: Messy }\n  Email: { column: email_address, transform: [trim] }\n',
    );
    const args = ['upsert', 'messy-bulk.csv', '--mapping', 'messy-bulk.yaml', '--json'];
    const dry = (await sfsync([...args, '--dry-run'])).json().result;
    const real = (await sfsync([...args, '--api', 'bulk'])).json().result;
    expect(real.counts).toMatchObject({ created: 2, updated: 1, failed: 1 });
    expect(real.counts).toEqual(dry.counts);
  });
});

describe('the native upsert on an external ID', () => {
  it('predicts one create then updates for a code repeated in another case, as Salesforce does it', async () => {
    env.write('codes.csv', 'Name,Code__c\nFirst,KEY-1\nSecond,key-1\nBlank,\nOther,KEY-2\n');
    const args = ['upsert', 'codes.csv', '--object', 'Project__c', '--match', 'Code__c', '--json'];
    const dry = (await sfsync([...args, '--dry-run'])).json().result;
    const real = (await sfsync(args)).json().result;
    expect(real).toMatchObject({
      matchStrategy: 'native-upsert',
      counts: { created: 2, updated: 1, failed: 1 },
    });
    expect(real.counts).toEqual(dry.counts);
    const rows = await env.query(
      "SELECT Name FROM Project__c WHERE Code__c IN ('KEY-1','KEY-2') ORDER BY Name",
    );
    expect(rows.map((r) => r.Name)).toEqual(['Other', 'Second']);
  });
});

describe('match: in a mapping file', () => {
  it('takes fields, allowSharedKeys and createWhenKeyEmpty, and names a misspelt key', async () => {
    const { parseMapping } = await import('../../src/mapping/load-mapping.js');
    expect(
      parseMapping(
        'm.yaml',
        'match: {fields: [LastName, FirstName], allowSharedKeys: true, createWhenKeyEmpty: true}',
      ),
    ).toMatchObject({ match: ['LastName', 'FirstName'], allowSharedKeys: true, createWhenKeyEmpty: true });
    expect(parseMapping('m.yaml', 'match: Email')).toMatchObject({ match: ['Email'] });
    expect(() => parseMapping('m.yaml', 'match: {fields: [Email], allowSharedKey: true}')).toThrow(
      /match\.allowSharedKey: unknown key/,
    );
    expect(() => parseMapping('m.yaml', 'match: {fields: [], allowSharedKeys: true}')).toThrow(
      /match\.fields/,
    );
    expect(() => parseMapping('m.yaml', 'match: {allowSharedKeys: yes please}')).toThrow(/true or false/);
  });
});

describe('the command that continues a run', () => {
  it('repeats --allow-shared-keys and --create-when-key-empty, which decide what is sent', async () => {
    const { resumeCommand } = await import('../../src/core/resume-command.js');
    const { syncOptionsFrom } = await import('../../src/cli.js');
    const opts = syncOptionsFrom('upsert', 'p.csv', {
      match: ['LastName'],
      allowSharedKeys: true,
      createWhenKeyEmpty: true,
    });
    expect(resumeCommand(opts, '/w/out', '/w')).toBe(
      'sfsync upsert p.csv --match LastName --allow-shared-keys --create-when-key-empty --resume --results out',
    );
  });
});

describe('KeyCensus', () => {
  it('counts keys exactly through growth, names the most shared, and keeps the first repeated groups', () => {
    const census = new KeyCensus();
    for (let i = 0; i < 50_000; i++) census.add(`k${i % 20_000}`, i + 2);
    expect(census.count('k0')).toBe(3);
    expect(census.count('k19999')).toBe(2);
    expect(census.count('missing')).toBe(0);
    expect(census.firstLine('k5')).toBe(7);
    expect(census.repeatedKeys).toBe(20_000);
    expect(census.repeatedRecords).toBe(50_000);
    expect(census.top(2).map((t) => t.count)).toEqual([3, 3]);
    expect(census.firstGroups()[0]).toEqual({ key: 'k0', count: 3, lines: [2, 20_002, 40_002] });
  });
});
