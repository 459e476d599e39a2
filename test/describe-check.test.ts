import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { createTestDeps } from './helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-describe-'));
});
afterAll(async () => org.close());

function deps(env: NodeJS.ProcessEnv = { SFSYNC_INSTANCE_URL: '', SFSYNC_ACCESS_TOKEN: '' }) {
  return createTestDeps({
    cwd: dir,
    env: { ...env, SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
}

describe('sfsync describe', () => {
  it('lists objects', async () => {
    const d = deps();
    expect(await main(['describe'], d)).toBe(0);
    expect(d.io.stdoutText).toMatch(/^OBJECT\s+LABEL/);
    expect(d.io.stdoutText).toMatch(/^Project__c\s+Project\s+yes/m);
  });

  it('shows fields: type, required on create, writability, matchability, keys and picklist values', async () => {
    const d = deps();
    expect(await main(['describe', 'Contact'], d)).toBe(0);
    const lines = d.io.stdoutText.split('\n');
    expect(lines[0]).toMatch(/^Contact \(Contact\): \d+ fields$/);
    expect(lines.find((l) => l.startsWith('LastName '))).toMatch(
      /string\(80\)\s+required\s+create\+update\s+yes/,
    );
    expect(lines.find((l) => l.startsWith('Description '))).toMatch(
      /textarea\(32000\)\s+create\+update\s+no/,
    );
    expect(lines.find((l) => l.startsWith('Email '))).toMatch(/idLookup/);
    expect(lines.find((l) => l.startsWith('AccountId '))).toMatch(/lookup\(Account\)/);
    const json = deps();
    expect(await main(['describe', 'Project__c', '--json'], json)).toBe(0);
    const fields = JSON.parse(json.io.stdoutText).result.fields;
    expect(fields.find((f: { name: string }) => f.name === 'Code__c')).toMatchObject({
      externalId: true,
      unique: true,
      filterable: true,
    });
    expect(fields.find((f: { name: string }) => f.name === 'Status__c').picklistValues).toEqual([
      'Planned',
      'Active',
      'Done',
    ]);
  });

  it('names an unknown object', async () => {
    const d = deps();
    expect(await main(['describe', 'Nope__c'], d)).toBe(1);
    expect(d.io.stderrText).toContain('The org has no object named Nope__c');
  });
});

describe('sfsync mapping check', () => {
  it('accepts a valid mapping and checks its columns against the file', async () => {
    fs.writeFileSync(
      path.join(dir, 'ok.yaml'),
      'object: Contact\noperation: upsert\nmatch: Email\nfields:\n  LastName: last\n  Email: { column: email, transform: [trim, lower] }\n',
    );
    fs.writeFileSync(path.join(dir, 'ok.csv'), 'last,email\nX,x@y.z\n');
    const d = deps();
    expect(await main(['mapping', 'check', 'ok.yaml', 'ok.csv'], d)).toBe(0);
    expect(d.io.stdoutText).toContain('ok.yaml is valid for Contact (checked: org, columns of ok.csv)');
  });

  it('reports every problem at once: fields, match, columns', async () => {
    fs.writeFileSync(
      path.join(dir, 'bad.yaml'),
      'object: Case\noperation: upsert\nmatch: Description\nfields:\n  Subjct: subject\n  Description: { column: descr }\n',
    );
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'subject,description\nHelp,Broken\n');
    const d = deps();
    expect(await main(['mapping', 'check', 'bad.yaml', 'bad.csv', '--json'], d)).toBe(1);
    const message = JSON.parse(d.io.stdoutText).error.message as string;
    expect(message).toContain('3 problems');
    expect(message).toContain(
      'fields.Description: the file has no column "descr"; did you mean "description"?',
    );
    expect(message).toContain('fields.Subjct: Case has no field "Subjct"; did you mean Subject?');
    expect(message).toContain('Case.Description cannot be used as a record matcher');
  });

  it('checks the structure alone with --offline', async () => {
    fs.writeFileSync(
      path.join(dir, 'structure.yaml'),
      'fields:\n  Email: { column: email, transform: [shout] }\n',
    );
    const d = createTestDeps({ cwd: dir });
    expect(await main(['mapping', 'check', 'structure.yaml', '--offline'], d)).toBe(1);
    expect(d.io.stderrText).toContain('unknown transform "shout"');
  });
});
