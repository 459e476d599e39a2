import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSalesforceClient } from '../../src/salesforce/client.js';
import { BIN } from '../helpers/run-bin.js';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

describe('undo: edges', () => {
  it('an expired session on the SOAP undelete() call (a fault, HTTP 500) is renewed and the call sent once more', async () => {
    const store = env.org().store;
    const made = store.create('Contact', { LastName: 'Binned' });
    if (!made.ok) throw new Error('not created');
    store.delete(made.id);
    let token = 'expired-session-token';
    let refreshes = 0;
    const client = createSalesforceClient({
      instanceUrl: env.org().instanceUrl,
      apiVersion: '62.0',
      tokens: {
        accessToken: () => token,
        refresh: async () => {
          refreshes++;
          token = env.org().accessToken;
          return token;
        },
      },
    });
    const results = await client.undelete([made.id]);
    expect(results).toEqual([{ id: made.id, success: true, errors: [] }]);
    expect(refreshes).toBe(1);
    expect(store.find(made.id)?.deleted).toBeFalsy();
  });
});

/** Seeds n Contacts straight into the org, then an update run (in this process) changes the Title of each. */
async function updatedRun(prefix: string, n: number, results: string): Promise<void> {
  const store = env.org().store;
  for (let i = 0; i < n; i++)
    store.create('Contact', { LastName: `P${i}`, Email: `${prefix}${i}@edges.test`, Title: `Was ${i}` });
  const rows = ['Email,Title'];
  for (let i = 0; i < n; i++) rows.push(`${prefix}${i}@edges.test,Now ${i}`);
  env.write(`${prefix}.csv`, `${rows.join('\n')}\n`);
  const r = await env.sfsync([
    'update',
    `${prefix}.csv`,
    '--object',
    'Contact',
    '--match',
    'Email',
    '--results',
    results,
  ]);
  expect(r.code).toBe(0);
}

describe('undo: stopped', () => {
  it('SIGTERM while the undo connects: exit 143, says nothing was taken back and how to start again; stderr ends its lines', async () => {
    await updatedRun('term', 40, 'runs/term');
    const child = spawn(process.execPath, [BIN, 'undo', 'runs/term', '--batch-size', '10', '--verbose'], {
      cwd: env.dir(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SFSYNC_INSTANCE_URL: env.org().instanceUrl,
        SFSYNC_ACCESS_TOKEN: env.org().accessToken,
        SFSYNC_CONFIG_DIR: path.join(env.dir(), '.config'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      // The first call's trace line: the undo is connecting (describe), before it has opened anything.
      if (!stderr.includes('→') && d.includes('→')) child.kill('SIGTERM');
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, stderr).toBe(143);
    expect(stderr).toContain('SIGTERM');
    // Wherever the signal landed: what was done, and the command that starts or continues the undo.
    expect(stderr).toMatch(/sfsync undo runs\/term( --batch-size 10)?( --resume --results \S+)?\n/);
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stdout).toBe('');
    if (stderr.includes('nothing was taken back'))
      expect(
        await env.query("SELECT Id FROM Contact WHERE Email LIKE 'term%' AND Title LIKE 'Was%'"),
      ).toEqual([]);
  });
});
