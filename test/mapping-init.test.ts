import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { parseMapping } from '../src/mapping/load-mapping.js';
import { createTestDeps } from './helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-init-'));
  fs.writeFileSync(
    path.join(dir, 'contacts.csv'),
    'First Name,last_name,E-mail,Mobile,Shoe size\nAda,Lovelace,ada@x.test,555,38\n',
  );
});
afterAll(async () => org.close());

const env = (): NodeJS.ProcessEnv => ({
  SFSYNC_INSTANCE_URL: org.instanceUrl,
  SFSYNC_ACCESS_TOKEN: org.accessToken,
});

describe('sfsync mapping init', () => {
  it('without a terminal, proposes fields by API name, label and spelling, and writes a mapping that checks', async () => {
    const deps = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['mapping', 'init', 'contacts.csv', '--json'], deps)).toBe(0);
    const result = JSON.parse(deps.io.stdoutText).result;
    expect(result).toMatchObject({
      object: 'Contact',
      operation: 'upsert',
      match: ['Email'],
      missingRequired: [],
    });
    expect(result.columns).toEqual([
      { column: 'First Name', field: 'FirstName', reason: 'label' },
      { column: 'last_name', field: 'LastName', reason: 'loose' },
      { column: 'E-mail', field: 'Email', reason: 'loose' },
      { column: 'Mobile', field: 'MobilePhone', reason: 'alias' },
      { column: 'Shoe size', field: null, reason: 'none' },
    ]);
    const text = fs.readFileSync(path.join(dir, 'contacts.mapping.yaml'), 'utf8');
    expect(text).toContain('# Columns left out (no field found): Shoe size');
    const mapping = parseMapping('contacts.mapping.yaml', text);
    expect(mapping.fields?.Email).toEqual({ column: 'E-mail', transform: [] });
    const check = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['mapping', 'check', 'contacts.mapping.yaml', 'contacts.csv'], check)).toBe(0);
    const run = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['upsert', 'contacts.csv', '--mapping', 'contacts.mapping.yaml', '--json'], run)).toBe(
      0,
    );
  });

  it('on a terminal, asks for each column, the operation and the match key', async () => {
    const deps = createTestDeps({ cwd: dir, env: env(), tty: true });
    const asked: string[] = [];
    deps.prompt = {
      ...deps.prompt,
      select: async (message, choices, options) => {
        asked.push(message);
        if (message.includes('"Shoe size"')) return 'Department' as never;
        if (message === 'Operation') return 'update' as never;
        if (message.startsWith('Match')) return choices[0]?.value as never;
        return (options?.default ?? choices[0]?.value) as never;
      },
    };
    expect(await main(['mapping', 'init', 'contacts.csv', '--output', 'asked.yaml'], deps)).toBe(0);
    expect(asked).toEqual([
      'Column "First Name" goes to',
      'Column "last_name" goes to',
      'Column "E-mail" goes to',
      'Column "Mobile" goes to',
      'Column "Shoe size" goes to',
      'Operation',
      'Match existing records on',
    ]);
    const mapping = parseMapping('asked.yaml', fs.readFileSync(path.join(dir, 'asked.yaml'), 'utf8'));
    expect(mapping).toMatchObject({ operation: 'update', match: ['Email'] });
    expect(mapping.fields?.Department).toEqual({ column: 'Shoe size', transform: [] });
  });

  it('on a terminal, offers only identifying keys, or several fields matched together', async () => {
    fs.writeFileSync(
      path.join(dir, 'names.csv'),
      'last_name,first_name,Birthdate\nLovelace,Ada,1815-12-10\n',
    );
    const deps = createTestDeps({ cwd: dir, env: env(), tty: true });
    const offered: string[][] = [];
    deps.prompt = {
      ...deps.prompt,
      select: async (message, choices, options) => {
        if (message === 'Operation') return 'update' as never;
        if (message.startsWith('Match')) {
          offered.push(choices.map((c) => c.value));
          return '' as never;
        }
        return (options?.default ?? choices[0]?.value) as never;
      },
      input: async () => 'lastname, Birthdate',
    };
    expect(await main(['mapping', 'init', 'names.csv', '--object', 'Contact'], deps)).toBe(0);
    expect(offered).toEqual([['']]);
    expect(deps.io.stderrText).toContain('No mapped column identifies a Contact');
    const mapping = parseMapping('n.yaml', fs.readFileSync(path.join(dir, 'names.mapping.yaml'), 'utf8'));
    expect(mapping).toMatchObject({
      operation: 'update',
      match: ['LastName', 'Birthdate'],
      matchOperator: 'AND',
    });
  });

  it('never waits for input without a terminal, and does not overwrite a mapping unless told', async () => {
    const deps = createTestDeps({ cwd: dir, env: env() });
    expect(await main(['mapping', 'init', 'contacts.csv', '--output', 'asked.yaml'], deps)).toBe(1);
    expect(deps.io.stderrText).toContain('already exists');
  });
});
