import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTokenStore } from '../src/auth/token-store.js';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { MAX_COLUMN_NAME } from '../src/input/csv-reader.js';
import { readPath } from '../src/mapping/apply.js';
import { parseMapping } from '../src/mapping/load-mapping.js';
import { createTestDeps } from './helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-names-'));
});
afterAll(async () => org.close());

const env = (): NodeJS.ProcessEnv => ({
  SFSYNC_INSTANCE_URL: org.instanceUrl,
  SFSYNC_ACCESS_TOKEN: org.accessToken,
});
const write = (name: string, text: string): void => fs.writeFileSync(path.join(dir, name), text);

async function contacts(where: string): Promise<Array<Record<string, unknown>>> {
  const q = `SELECT LastName, Title, Description, Department FROM Contact WHERE ${where}`;
  const res = await fetch(`${org.instanceUrl}/services/data/v62.0/query?q=${encodeURIComponent(q)}`, {
    headers: { Authorization: `Bearer ${org.accessToken}` },
  });
  return ((await res.json()) as { records: Array<Record<string, unknown>> }).records;
}

describe('names of JavaScript built-ins in mappings and paths', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'a.constructor', 'constructor.name'])(
    'readPath reads only own keys: %s',
    (p) => {
      expect(readPath({ a: { b: 1 }, Email: 'x@y.test' }, p)).toBeUndefined();
    },
  );

  it('reads a column that really is named constructor, in any case', () => {
    expect(readPath({ Constructor: 'Bob' }, 'constructor')).toBe('Bob');
    expect(readPath(JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>, '__proto__.x')).toBe(1);
  });

  it('keeps a field named __proto__ as a field of the mapping', () => {
    const m = parseMapping('m.yaml', 'fields:\n  __proto__: a\n  LastName: b\n');
    expect(Object.keys(m.fields ?? {})).toEqual(['__proto__', 'LastName']);
    expect(Object.getPrototypeOf(m.fields)).toBe(Object.prototype);
  });

  it('writes nothing from a constructor path or template into the org', async () => {
    write('names.csv', 'last,email\nBuiltin,builtin@names.test\n');
    write(
      'names.yaml',
      [
        'object: Contact',
        'fields:',
        '  LastName: last',
        '  Email: email',
        '  Description: constructor',
        '  Title: { template: "{toString}{constructor}" }',
        '  Department: { column: email.constructor }',
      ].join('\n'),
    );
    // A CSV header without these columns is refused before any write; NDJSON has no header, so the run goes on.
    const refused = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['create', 'names.csv', '--mapping', 'names.yaml'], refused)).toBe(1);
    expect(refused.io.stderrText).toContain('the file has no column "constructor"');
    write('names.ndjson', '{"last":"Builtin","email":"builtin@names.test"}\n');
    const deps = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['create', 'names.ndjson', '--mapping', 'names.yaml', '--json'], deps)).toBe(0);
    const rows = await contacts("LastName = 'Builtin'");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Description: null, Title: null, Department: null });
    expect(JSON.stringify(rows)).not.toContain('native code');
  });

  it('mapping check flags built-in names: a missing column with FILE, a warning without', async () => {
    const withFile = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['mapping', 'check', 'names.yaml', 'names.csv'], withFile)).toBe(1);
    expect(withFile.io.stderrText).toContain('the file has no column "constructor"');
    expect(withFile.io.stderrText).toContain('the file has no column "toString"');
    expect(withFile.io.stderrText).toContain('the file has no column "email.constructor"');
    const offline = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['mapping', 'check', 'names.yaml', '--offline', '--json'], offline)).toBe(0);
    const warnings = JSON.parse(offline.io.stdoutText).result.warnings as Array<{ where: string }>;
    expect(warnings.map((w) => w.where)).toEqual([
      'fields.Description',
      'fields.Title.template',
      'fields.Title.template',
      'fields.Department',
    ]);
  });

  it('--org constructor is an unknown org, not a TypeError', async () => {
    write('one.csv', 'LastName\nX\n');
    for (const alias of ['constructor', '__proto__', 'toString']) {
      const deps = createTestDeps({ cwd: dir });
      expect(await main(['create', 'one.csv', '--object', 'Contact', '--org', alias], deps)).toBe(1);
      expect(deps.io.stderrText).toContain(`No stored org is called "${alias}"`);
      expect(deps.io.stderrText).not.toMatch(/TypeError|unexpected/i);
    }
    const store = createMemoryTokenStore();
    expect(store.getOrg('constructor')).toBeUndefined();
    expect(store.removeOrg('constructor')).toBe(false);
  });
});

describe('huge column names', () => {
  it('refuses a 50 MB column name at once, with a short message naming the file and the limit', async () => {
    write('huge.csv', `LastName,${'x'.repeat(50_000_000)}\nSmith,1\n`);
    const deps = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['create', 'huge.csv', '--object', 'Contact', '--dry-run', '--offline'], deps)).toBe(1);
    expect(deps.io.stderrText).toContain(
      'huge.csv, line 1: the header row is longer than 1,000,000 characters',
    );
    expect(deps.io.stderrText.length).toBeLessThan(2_000);
  });

  it('refuses a column name over the limit, showing only its start', async () => {
    write('long.csv', `LastName,${'y'.repeat(MAX_COLUMN_NAME + 1)}\nSmith,1\n`);
    const deps = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['create', 'long.csv', '--object', 'Contact', '--dry-run'], deps)).toBe(1);
    expect(deps.io.stderrText).toContain('long.csv, line 1: the name of column 2 ("yyyyyyy');
    expect(deps.io.stderrText).toContain('is longer than 1,000 characters');
    expect(deps.io.stderrText.length).toBeLessThan(2_000);
  });

  it('shortens a long unknown column in the field check', async () => {
    write('wide.csv', `LastName,${'z'.repeat(900)}\nSmith,1\n`);
    const deps = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['create', 'wide.csv', '--object', 'Contact', '--dry-run'], deps)).toBe(1);
    expect(deps.io.stderrText).toContain('(900 characters)');
    expect(deps.io.stderrText.length).toBeLessThan(2_000);
  });

  it('refuses an NDJSON key of 50 MB as a record error, at once and shortened', async () => {
    write('huge.ndjson', `{"LastName":"x","${'k'.repeat(50_000_000)}":1}\n{"LastName":"ok"}\n`);
    const deps = createTestDeps({ cwd: dir });
    const out = path.join(dir, 'out-huge-ndjson');
    const args = ['create', 'huge.ndjson', '--object', 'Contact', '--dry-run', '--offline', '--json'];
    expect(await main([...args, '--results', out], deps)).toBe(2);
    const result = JSON.parse(deps.io.stdoutText).result;
    expect(result.counts).toMatchObject({ total: 2, created: 1, failed: 1 });
    const rejected = fs.readFileSync(path.join(out, 'rejected.csv'), 'utf8');
    expect(rejected).toContain('(50,000,000 characters)"" is longer than 1,000 characters.');
    expect(rejected.length).toBeLessThan(2_000);
  });

  it('refuses a column named __proto__, which would vanish', async () => {
    write('proto.csv', 'LastName,__proto__\nSmith,1\n');
    const deps = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['create', 'proto.csv', '--object', 'Contact', '--dry-run'], deps)).toBe(1);
    expect(deps.io.stderrText).toContain('column 2 is named "__proto__"');
  });
});

describe('error codes named like built-ins', () => {
  it('get no hint from Object.prototype', async () => {
    const { renderSync } = await import('../src/commands/sync.js');
    const lines = renderSync({
      operation: 'create',
      object: 'Contact',
      objectSource: '--object',
      dryRun: false,
      offline: false,
      api: 'rest',
      bulkJobs: [],
      matchExport: null,
      matchStrategy: 'none',
      matchFields: [],
      matchOperator: 'OR',
      counts: { total: 1, created: 0, updated: 0, deleted: 0, failed: 1, skipped: 0 },
      failuresByCode: [{ code: 'constructor', count: 1, lines: [2], message: 'odd' }],
      apiCalls: 1,
      results: { dir: '/tmp/x', success: '/tmp/x/s.csv', failures: '/tmp/x/f.csv', plan: null },
      warnings: [],
      stoppedEarly: false,
      ended: 'completed',
      signal: null,
      lastLine: 2,
      durationMs: 1,
    } as unknown as Parameters<typeof renderSync>[0]);
    expect(lines.join('\n')).not.toContain('native code');
    expect(lines.join('\n')).not.toContain('fix:');
  });
});
