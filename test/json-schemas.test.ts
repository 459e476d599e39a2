import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { createTestDeps, type TestDeps } from './helpers/test-deps.js';

// Every command's --json document is described by a schema in schemas/output/ (shipped with the package); these
// tests run each command for real against the local org and check its document against that schema.
const SCHEMAS = path.resolve(import.meta.dirname, '../schemas/output');
const ajv = new Ajv2020({ allErrors: true, strict: true });
for (const file of fs.readdirSync(SCHEMAS))
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8')));

function check(schema: string, stdout: string): Record<string, unknown> {
  const validate = ajv.getSchema(`https://github.com/sfsync/sfsync/schemas/output/${schema}.schema.json`);
  if (!validate) throw new Error(`no schema ${schema}`);
  const doc = JSON.parse(stdout) as Record<string, unknown>;
  const valid = validate(doc);
  expect(valid ? [] : ajv.errorsText(validate.errors, { separator: '\n' }).split('\n')).toEqual([]);
  return doc;
}

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-schemas-'));
  fs.writeFileSync(
    path.join(dir, 'people.csv'),
    'LastName,Email\nLovelace,ada@schema.test\n,blank@schema.test\nHopper,grace@schema.test\n',
  );
});
afterAll(async () => org.close());

const orgEnv = (): NodeJS.ProcessEnv => ({
  SFSYNC_INSTANCE_URL: org.instanceUrl,
  SFSYNC_ACCESS_TOKEN: org.accessToken,
});

async function run(argv: string[], deps: TestDeps = createTestDeps({ cwd: dir, env: orgEnv() })) {
  const code = await main([...argv, '--json'], deps);
  return { code, deps, stdout: deps.io.stdoutText };
}

describe('--json documents match their schemas in schemas/output/', () => {
  it('sync: a run with a failed record (exit 2), a dry run, and a stopped run (its error carries the result)', async () => {
    const upsert = await run(['upsert', 'people.csv', '--object', 'Contact', '--match', 'Email']);
    expect(upsert.code).toBe(2);
    expect(check('sync', upsert.stdout)).toMatchObject({ command: 'upsert', ok: false });

    const dry = await run(['create', 'people.csv', '--object', 'Contact', '--dry-run']);
    expect(check('sync', dry.stdout)).toMatchObject({ command: 'create' });

    const stopped = await run(['create', 'people.csv', '--object', 'Contact', '--max-api-calls', '1']);
    expect(stopped.code).toBe(1);
    const doc = check('sync', stopped.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: expect.any(String) } });

    const folder = (check('sync', upsert.stdout).result as { results: { dir: string } }).results.dir;
    const results = await run(['results', folder]);
    expect(check('results', results.stdout)).toMatchObject({ command: 'results', ok: true });
  });

  it('sync: duplicate rule refusals with matchedIds, --allow-duplicates and --hard', async () => {
    fs.writeFileSync(path.join(dir, 'twins.csv'), 'LastName,Email\nTwin,twin@schema.test\n');
    expect((await run(['create', 'twins.csv', '--object', 'Contact'])).code).toBe(0);
    org.setDuplicateRules([{ name: 'Email', object: 'Contact', fields: ['Email'] }]);
    try {
      const refused = check(
        'sync',
        (await run(['create', 'twins.csv', '--object', 'Contact', '--api', 'bulk', '--allow-duplicates']))
          .stdout,
      );
      expect(refused).toMatchObject({
        result: {
          duplicates: { allowed: true, retried: 1, saved: 0 },
          failuresByCode: [{ code: 'DUPLICATES_DETECTED', matchedIds: [expect.any(String)] }],
        },
      });
    } finally {
      org.setDuplicateRules([]);
    }
    fs.writeFileSync(path.join(dir, 'gone.csv'), 'Email\ntwin@schema.test\n');
    const hard = await run([
      'delete',
      'gone.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--allow-shared-keys',
      '--hard',
      '--yes',
    ]);
    expect(check('sync', hard.stdout)).toMatchObject({ ok: true, result: { hardDelete: true } });
  });

  it('sync: --assignment-rule, row lock counts, and mirror mode (dry run, and the brake in an error)', async () => {
    fs.writeFileSync(path.join(dir, 'leads.csv'), 'LastName,Company\nSchema,Acme\n');
    const lead = await run(['create', 'leads.csv', '--object', 'Lead', '--assignment-rule', 'none']);
    expect(check('sync', lead.stdout)).toMatchObject({
      ok: true,
      result: { assignmentRule: { asked: 'none' }, locks: { retries: 0, groupedBy: null, serial: false } },
    });
    fs.writeFileSync(
      path.join(dir, 'mirror-seed.csv'),
      'LastName,Email,Department\nA,a@mirror-schema.test,MS\nB,b@mirror-schema.test,MS\n',
    );
    await run(['create', 'mirror-seed.csv', '--object', 'Contact']);
    fs.writeFileSync(path.join(dir, 'mirror.csv'), 'LastName,Email\nA,a@mirror-schema.test\n');
    const args = ['upsert', 'mirror.csv', '--object', 'Contact', '--match', 'Email', '--delete-missing'];
    const dry = await run([...args, '--scope', "WHERE Department = 'MS'", '--dry-run']);
    expect(check('sync', dry.stdout)).toMatchObject({
      result: { mirror: { action: 'delete', inScope: 2, missing: 1, limit: 0, stopped: false } },
    });
    const braked = await run([...args, '--scope', "WHERE Department = 'MS'"]);
    expect(braked.code).toBe(1);
    expect(check('sync', braked.stdout)).toMatchObject({
      ok: false,
      error: { code: 'MAX_DELETE_EXCEEDED' },
      result: { mirror: { stopped: true, missing: 1 } },
    });
  });

  it('export to a file, through REST and Bulk', async () => {
    for (const api of ['rest', 'bulk']) {
      const exported = await run([
        'export',
        '--object',
        'Contact',
        '-o',
        `contacts-${api}.csv`,
        '--api',
        api,
      ]);
      expect(check('export', exported.stdout)).toMatchObject({ ok: true, result: { api } });
    }
  });

  it('undo: a dry run, an undo, and a folder with nothing to undo (a failure document)', async () => {
    fs.writeFileSync(path.join(dir, 'undo-me.csv'), 'LastName,Email\nUndo,undo.me@schema.test\n');
    expect((await run(['create', 'undo-me.csv', '--object', 'Contact', '--results', 'undo-me'])).code).toBe(
      0,
    );
    const dry = check('undo', (await run(['undo', 'undo-me', '--dry-run'])).stdout);
    expect(dry).toMatchObject({ command: 'undo', ok: true, result: { dryRun: true, results: null } });
    const undo = check('undo', (await run(['undo', 'undo-me'])).stdout);
    expect(undo).toMatchObject({ ok: true, result: { counts: { deleted: 1 } } });
    fs.mkdirSync(path.join(dir, 'empty-run'), { recursive: true });
    const refused = await run(['undo', 'empty-run']);
    expect(refused.code).toBe(1);
    expect(check('undo', refused.stdout)).toMatchObject({ ok: false, error: { code: 'UNDO_NOT_POSSIBLE' } });
  });

  it('describe, whoami, mapping init and mapping check', async () => {
    check('describe', (await run(['describe'])).stdout);
    check('describe', (await run(['describe', 'Contact'])).stdout);
    check('whoami', (await run(['whoami'])).stdout);
    const init = await run(['mapping', 'init', 'people.csv', '--object', 'Contact', '--yes']);
    expect(init.code).toBe(0);
    const written = check('mapping-init', init.stdout).result as { output: string };
    const checked = await run(['mapping', 'check', path.relative(dir, written.output)]);
    expect(check('mapping-check', checked.stdout)).toMatchObject({ command: 'mapping check' });
  });

  it('login, orgs and logout (no token in any of them)', async () => {
    const deps = createTestDeps({ cwd: dir, env: { SFSYNC_CLIENT_SECRET: org.clientSecret } });
    const login = await run(
      [
        'login',
        '--instance-url',
        org.loginUrl,
        '--client-credentials',
        '--client-id',
        org.clientId,
        '--alias',
        'schemas',
      ],
      deps,
    );
    expect(login.code).toBe(0);
    check('login', login.stdout);
    const orgs = createTestDeps({ cwd: dir });
    Object.assign(orgs, { tokenStore: deps.tokenStore, store: deps.store });
    check('orgs', (await run(['orgs'], orgs)).stdout);
    const logout = createTestDeps({ cwd: dir });
    Object.assign(logout, { tokenStore: deps.tokenStore, store: deps.store, connect: deps.connect });
    check('logout', (await run(['logout', '--org', 'schemas'], logout)).stdout);
    for (const text of [login.stdout, orgs.io.stdoutText, logout.io.stdoutText]) {
      expect(text).not.toContain(org.accessToken);
      expect(text).not.toContain(org.clientSecret);
    }
  });

  it('rejects a document that drops a field, changes a type or leaks an unknown top-level field', async () => {
    const upsert = await run(['upsert', 'people.csv', '--object', 'Contact', '--match', 'Email']);
    const validate = ajv.getSchema('https://github.com/sfsync/sfsync/schemas/output/sync.schema.json');
    const doc = JSON.parse(upsert.stdout);
    expect(validate?.(doc)).toBe(true);
    const broken = [
      { ...doc, result: { ...doc.result, counts: undefined } },
      { ...doc, result: { ...doc.result, apiCalls: 'many' } },
      { ...doc, token: 'x' },
      { ...doc, schemaVersion: 2 },
    ].map((d) => JSON.parse(JSON.stringify(d)));
    expect(broken.map((d) => validate?.(d))).toEqual([false, false, false, false]);
  });

  it('a usage error is a failure document', async () => {
    const bad = await run(['upsert', 'people.csv', '--batch-size', 'many']);
    expect(bad.code).toBe(1);
    expect(check('sync', bad.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });
});
