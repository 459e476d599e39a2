#!/usr/bin/env node
/*
 * Conformance of the local org with a second, unmodified client: the Salesforce CLI's data commands.
 *
 *   npm run conformance            (installs @salesforce/cli into a cache folder when missing, then runs
 *                                  test/conformance/ under vitest; `npm test` leaves it out)
 *
 * The CLI lives in ~/.cache/sfsync-peers/sf-<version> (SFSYNC_SF_CLI_DIR overrides it). It talks to the local org
 * only: it logs in with an access token (`sf org login access-token`), HOME is a temporary folder, telemetry and
 * update checks are off. Each command's exit code and output are checked against the org's own state, and a table
 * of command → pass/fail is printed. A failure is a gap in the local org (fix it the way Salesforce behaves).
 * When the CLI cannot be installed (no network, no npm), the run is skipped with a note and exit code 0.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiCases } from './conformance-api.js';

export const SF_VERSION = '2.127.2';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function sfDir() {
  return (
    process.env.SFSYNC_SF_CLI_DIR || path.join(os.homedir(), '.cache', 'sfsync-peers', `sf-${SF_VERSION}`)
  );
}

export function sfBin(dir = sfDir()) {
  return path.join(dir, 'node_modules', '.bin', process.platform === 'win32' ? 'sf.cmd' : 'sf');
}

/** Whether the CLI in `dir` starts and is the expected version. */
export function sfWorks(dir = sfDir()) {
  if (!fs.existsSync(sfBin(dir))) return false;
  const r = spawnSync(sfBin(dir), ['--version'], {
    encoding: 'utf8',
    env: quietEnv(os.tmpdir()),
    timeout: 60_000,
  });
  return r.status === 0 && r.stdout.includes(`@salesforce/cli/${SF_VERSION}`);
}

function npm(args, cwd, log) {
  log(`npm ${args.join(' ')}  (in ${cwd})`);
  const r = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  });
  fs.appendFileSync(
    path.join(cwd, 'install.log'),
    `$ npm ${args.join(' ')}\n${r.stdout}${r.stderr}rc=${r.status}\n`,
  );
  return r.status === 0;
}

/**
 * Installs the CLI when it is missing or does not start. The package is installed, then its own dependencies are
 * installed again from the npm-shrinkwrap.json it ships: a plain install resolves them anew, and today's releases
 * of some (jsforce-node, undici) need Node 22, which CLI 2.127.2 does not.
 * Returns null when the CLI works, else why it cannot be used.
 */
export function ensureSf(log = (m) => console.error(m)) {
  const dir = sfDir();
  if (sfWorks(dir)) return null;
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.existsSync(path.join(dir, 'package.json')))
      fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
    const common = ['--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
    if (
      !fs.existsSync(sfBin(dir)) &&
      !npm(['install', `@salesforce/cli@${SF_VERSION}`, '--save-exact', ...common], dir, log)
    )
      return `npm could not install @salesforce/cli@${SF_VERSION} (see ${path.join(dir, 'install.log')})`;
    const cli = path.join(dir, 'node_modules', '@salesforce', 'cli');
    if (!sfWorks(dir) && !npm(['install', '--no-save', '--legacy-peer-deps', ...common], cli, log))
      return `npm could not install the CLI's pinned dependencies (see ${path.join(dir, 'install.log')})`;
  } catch (err) {
    return `the CLI could not be installed into ${dir}: ${err.message}`;
  }
  return sfWorks(dir) ? null : `the CLI in ${dir} does not start (see ${path.join(dir, 'install.log')})`;
}

/** An environment that keeps the CLI off the network and out of the user's own config. */
function quietEnv(home, extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(SF|SFDX)_/.test(k)) delete env[k];
  return {
    ...env,
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    SF_DISABLE_TELEMETRY: 'true',
    SFDX_DISABLE_TELEMETRY: 'true',
    SF_AUTOUPDATE_DISABLE: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_SOURCE_MEMBER_POLLING: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
}

function runSf(bin, args, env, cwd) {
  return new Promise((resolve) => {
    execFile(bin, args, { env, cwd, timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      let json = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        // not --json, or not JSON
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const live = (org, object) => [...org.store.object(object).live.values()];

/** The commands, in order (later ones use what earlier ones made); each checks its output against the org. */
function cases() {
  const ctx = {};
  return [
    {
      name: 'sf org login access-token',
      args: (org) => [
        'org',
        'login',
        'access-token',
        '--instance-url',
        org.instanceUrl,
        '--alias',
        'local',
        '--no-prompt',
        '--json',
      ],
      check: (r, org) => {
        assert(r.json?.result?.orgId === org.orgId, `orgId ${r.json?.result?.orgId}`);
      },
    },
    {
      name: 'sf data create record',
      args: () => [
        'data',
        'create',
        'record',
        '-o',
        'local',
        '-s',
        'Account',
        '-v',
        "Name='Acme One' External_Id__c=A-1",
        '--json',
      ],
      check: (r, org) => {
        ctx.accountId = r.json?.result?.id;
        const row = org.store.object('Account').live.get(ctx.accountId);
        assert(row?.Name === 'Acme One', `created Account ${ctx.accountId} not in the org`);
      },
    },
    {
      name: 'sf data get record',
      args: () => ['data', 'get', 'record', '-o', 'local', '-s', 'Account', '-i', ctx.accountId, '--json'],
      check: (r) => {
        assert(r.json?.result?.Name === 'Acme One' && r.json.result.Id === ctx.accountId, 'record fields');
      },
    },
    {
      name: 'sf data update record',
      args: () => [
        'data',
        'update',
        'record',
        '-o',
        'local',
        '-s',
        'Account',
        '-i',
        ctx.accountId,
        '-v',
        "Name='Acme Renamed'",
        '--json',
      ],
      check: (r, org) => {
        assert(
          org.store.object('Account').live.get(ctx.accountId)?.Name === 'Acme Renamed',
          'Name not updated in the org',
        );
      },
    },
    {
      name: 'sf data create record (child)',
      args: () => [
        'data',
        'create',
        'record',
        '-o',
        'local',
        '-s',
        'Contact',
        '-v',
        `LastName=Smith AccountId=${ctx.accountId}`,
        '--json',
      ],
      check: (r, org) => {
        const row = org.store.object('Contact').live.get(r.json?.result?.id);
        assert(row?.AccountId === ctx.accountId, 'Contact not in the org under its Account');
      },
    },
    {
      name: 'sf data query (subquery)',
      args: () => [
        'data',
        'query',
        '-o',
        'local',
        '-q',
        'SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account',
        '--json',
      ],
      check: (r, org) => {
        const records = r.json?.result?.records ?? [];
        assert(
          r.json?.result?.totalSize === live(org, 'Account').length,
          `totalSize ${r.json?.result?.totalSize}`,
        );
        const acme = records.find((x) => x.Id === ctx.accountId);
        assert(acme?.Contacts?.records?.[0]?.LastName === 'Smith', 'Contacts subquery result');
      },
    },
    {
      name: 'sf data query (aggregate on a parent field, csv)',
      args: () => [
        'data',
        'query',
        '-o',
        'local',
        '--result-format',
        'csv',
        '-q',
        'SELECT Account.Name, COUNT(Id) FROM Contact GROUP BY Account.Name',
      ],
      check: (r) => {
        const lines = r.stdout.trim().split(/\r?\n/);
        assert(lines[0]?.startsWith('Name,'), `header ${lines[0]}`);
        assert(lines.includes('Acme Renamed,1'), `rows ${lines.slice(1).join(' | ')}`);
      },
    },
    {
      name: 'sf data import bulk',
      files: {
        'accounts.csv':
          'Name,External_Id__c,Industry\nBulk One,B-1,Energy\nBulk Two,B-2,Banking\nBulk Three,B-3,\n',
      },
      args: () => [
        'data',
        'import',
        'bulk',
        '-o',
        'local',
        '-s',
        'Account',
        '--file',
        'accounts.csv',
        '--wait',
        '5',
        '--json',
      ],
      check: (r, org) => {
        assert(
          r.json?.result?.processedRecords === 3 || r.json?.result?.successfulRecords === 3,
          'record counts',
        );
        const names = live(org, 'Account').map((a) => a.Name);
        for (const n of ['Bulk One', 'Bulk Two', 'Bulk Three'])
          assert(names.includes(n), `${n} not in the org`);
      },
    },
    {
      name: 'sf data upsert bulk',
      files: { 'upsert.csv': 'External_Id__c,Name\nB-1,Bulk One Updated\nB-4,Bulk Four\n' },
      args: () => [
        'data',
        'upsert',
        'bulk',
        '-o',
        'local',
        '-s',
        'Account',
        '--external-id',
        'External_Id__c',
        '--file',
        'upsert.csv',
        '--wait',
        '5',
        '--json',
      ],
      check: (r, org) => {
        const accounts = live(org, 'Account');
        assert(
          accounts.find((a) => a.External_Id__c === 'B-1')?.Name === 'Bulk One Updated',
          'B-1 not updated',
        );
        assert(
          accounts.some((a) => a.External_Id__c === 'B-4'),
          'B-4 not created',
        );
      },
    },
    {
      name: 'sf data export bulk',
      args: () => [
        'data',
        'export',
        'bulk',
        '-o',
        'local',
        '-q',
        'SELECT Id, Name, External_Id__c FROM Account',
        '--output-file',
        'export.csv',
        '--result-format',
        'csv',
        '--wait',
        '5',
        '--json',
      ],
      check: (r, org, dir) => {
        const lines = fs.readFileSync(path.join(dir, 'export.csv'), 'utf8').trim().split(/\r?\n/);
        assert(/^"?Id"?,"?Name"?,"?External_Id__c"?$/.test(lines[0] ?? ''), `header ${lines[0]}`);
        assert(lines.length - 1 === live(org, 'Account').length, `${lines.length - 1} rows exported`);
      },
    },
    {
      name: 'sf data export tree',
      args: () => [
        'data',
        'export',
        'tree',
        '-o',
        'local',
        '-q',
        "SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account WHERE Name = 'Acme Renamed'",
        '--output-dir',
        'tree',
        '--json',
      ],
      check: (r, org, dir) => {
        const files = fs.readdirSync(path.join(dir, 'tree'));
        assert(files.length === 1, `files ${files.join(', ')}`);
        ctx.treeFile = path.join('tree', files[0]);
        const doc = JSON.parse(fs.readFileSync(path.join(dir, ctx.treeFile), 'utf8'));
        assert(doc.records?.[0]?.Contacts?.records?.[0]?.LastName === 'Smith', 'the tree holds the Contact');
      },
    },
    {
      name: 'sf data import tree',
      args: () => ['data', 'import', 'tree', '-o', 'local', '--files', ctx.treeFile, '--json'],
      check: (r, org) => {
        assert(live(org, 'Account').filter((a) => a.Name === 'Acme Renamed').length === 2, 'Account copy');
        const copies = live(org, 'Contact').filter((c) => c.LastName === 'Smith');
        assert(copies.length === 2 && copies.every((c) => c.AccountId), 'Contact copy under the new Account');
      },
    },
    {
      name: 'sf data delete bulk',
      files: (org) => {
        const ids = live(org, 'Account')
          .filter((a) => a.Name.startsWith('Bulk'))
          .map((a) => a.Id);
        ctx.deleted = ids;
        return { 'delete.csv': `Id\n${ids.join('\n')}\n` };
      },
      args: () => [
        'data',
        'delete',
        'bulk',
        '-o',
        'local',
        '-s',
        'Account',
        '--file',
        'delete.csv',
        '--wait',
        '5',
        '--json',
      ],
      check: (r, org) => {
        assert(ctx.deleted.length === 4, `${ctx.deleted.length} to delete`);
        const left = ctx.deleted.filter((id) => org.store.object('Account').live.has(id));
        assert(left.length === 0, `${left.length} not deleted`);
      },
    },
    {
      name: 'sf data query --all-rows (csv)',
      args: () => [
        'data',
        'query',
        '-o',
        'local',
        '--all-rows',
        '--result-format',
        'csv',
        '-q',
        "SELECT Id, Name, IsDeleted FROM Account WHERE Name LIKE 'Bulk%'",
      ],
      check: (r) => {
        const lines = r.stdout.trim().split(/\r?\n/);
        assert(lines[0] === 'Id,Name,IsDeleted', `header ${lines[0]}`);
        const deleted = lines.slice(1).filter((l) => l.endsWith(',true'));
        assert(deleted.length === ctx.deleted.length, `${deleted.length} deleted rows listed`);
      },
    },
    ...apiCases(),
  ];
}

/**
 * Runs every command against a local org started here. `startEmulator` comes from dist/ (build first).
 * Returns the rows of the table: { command, pass, detail }.
 */
export async function runConformance({ bin = sfBin(), log = () => {} } = {}) {
  const { startEmulator } = await import(
    pathToFileURL(path.join(ROOT, 'dist', 'emulator', 'server.js')).href
  );
  const org = await startEmulator({ port: 0 });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-conformance-'));
  const work = path.join(home, 'work');
  fs.mkdirSync(work);
  const env = quietEnv(home, { SF_ACCESS_TOKEN: org.accessToken });
  const rows = [];
  try {
    for (const c of cases()) {
      const files = typeof c.files === 'function' ? c.files(org) : (c.files ?? {});
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(work, name), text);
      log(`${c.name} …`);
      let r;
      try {
        r = await runSf(bin, c.args(org), env, work);
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${firstError(r)}`);
        c.check(r, org, work);
        rows.push({ command: c.name, pass: true, detail: '' });
      } catch (err) {
        rows.push({ command: c.name, pass: false, detail: redact(err.message, org.accessToken) });
      }
    }
  } finally {
    await org.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
  return rows;
}

function firstError(r) {
  const message = r.json?.message ?? r.stderr.trim().split('\n').find(Boolean) ?? r.stdout.slice(0, 200);
  return String(message).slice(0, 300);
}

function redact(text, token) {
  return text.split(token).join('<access token>');
}

export function formatTable(rows) {
  const width = Math.max(...rows.map((r) => r.command.length), 'command'.length);
  const lines = [`${'command'.padEnd(width)}  result`, `${'-'.repeat(width)}  ------`];
  for (const r of rows) lines.push(`${r.command.padEnd(width)}  ${r.pass ? 'pass' : `FAIL  ${r.detail}`}`);
  return lines.join('\n');
}

/**
 * Installs the CLI when missing, then runs test/conformance/ under vitest (vitest.conformance.config.ts, whose
 * global setup builds dist/); `npm test` leaves that folder out. The test prints the table.
 */
function main() {
  const why = ensureSf();
  if (why) {
    console.log(
      `conformance skipped: ${why}. Set SFSYNC_SF_CLI_DIR to a folder with @salesforce/cli@${SF_VERSION}.`,
    );
    return 0;
  }
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.conformance.config.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return r.status ?? 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
