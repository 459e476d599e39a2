import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { spawnChild } from './helpers/children.js';
import { BIN } from './helpers/run-bin.js';

// Start-up is part of every run's time: a package a command does not need must not load. jsforce alone costs
// about half a CPU second to load, and a sync that is handed a token never needs it (only OAuth does).

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-lazy-'));
const hooks = path.join(dir, 'hooks.mjs');
const register = path.join(dir, 'register.mjs');
fs.writeFileSync(
  hooks,
  `import fs from 'node:fs';
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  const m = r.url.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/);
  if (m) fs.appendFileSync(process.env.LOADED_FILE, m[1] + '\\n');
  // conf loads ajv too: "by:sfsync ajv" tells sfsync's own import apart.
  if (m && ctx.parentURL && !ctx.parentURL.includes('/node_modules/'))
    fs.appendFileSync(process.env.LOADED_FILE, 'by:sfsync ' + m[1] + '\\n');
  return r;
}
`,
);
fs.writeFileSync(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

/** The packages bin/sfsync.js loads for these arguments. */
function packagesLoaded(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Set<string>> {
  const loaded = path.join(dir, `loaded-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(loaded, '');
  return new Promise((resolve, reject) => {
    const child = spawnChild<ChildProcessByStdio<null, Readable, Readable>>(
      process.execPath,
      ['--import', register, BIN, ...args],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          SFSYNC_CONFIG_DIR: path.join(dir, '.config'),
          LOADED_FILE: loaded,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`sfsync ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(new Set(fs.readFileSync(loaded, 'utf8').split('\n').filter(Boolean)));
    });
  });
}

let org: Emulator;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await org.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('start-up loads only what the command needs', () => {
  it('--help loads neither jsforce, csv-parse nor conf (with ajv and semver)', async () => {
    const loaded = await packagesLoaded(['--help']);
    expect(loaded.has('commander')).toBe(true);
    for (const heavy of ['jsforce', 'csv-parse', 'conf', 'ajv', 'semver'])
      expect(loaded.has(heavy), heavy).toBe(false);
  });

  it('a command that uses the token store still finds it (orgs)', async () => {
    const loaded = await packagesLoaded(['orgs', '--json']);
    expect(loaded.has('conf')).toBe(true);
  });

  it('an upsert handed a token (SFSYNC_ACCESS_TOKEN) never loads jsforce', async () => {
    const file = path.join(dir, 'contacts.csv');
    fs.writeFileSync(file, 'LastName,Email\nLazy,lazy@x.test\n');
    const loaded = await packagesLoaded(
      ['upsert', file, '--object', 'Contact', '--match', 'Email', '--results', path.join(dir, 'r1')],
      { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    );
    expect(loaded.has('csv-parse')).toBe(true);
    expect(loaded.has('jsforce')).toBe(false);
    expect(loaded.has('by:sfsync ajv'), 'the mapping schema without a mapping file').toBe(false);
  });

  it('a sync given a mapping file loads ajv for its schema', async () => {
    const file = path.join(dir, 'contacts.csv');
    fs.writeFileSync(file, 'LastName,Email\nLazy,lazy@x.test\n');
    fs.writeFileSync(path.join(dir, 'contacts.yaml'), 'object: Contact\nfields:\n  LastName: LastName\n');
    const args = ['create', file, '--mapping', path.join(dir, 'contacts.yaml'), '--dry-run', '--offline'];
    const loaded = await packagesLoaded([...args, '--results', path.join(dir, 'r2')]);
    expect(loaded.has('by:sfsync ajv')).toBe(true);
  });
});
