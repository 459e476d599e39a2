import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator } from '../../src/emulator/server.js';
import { spawnChild } from '../helpers/children.js';
import { BIN } from '../helpers/run-bin.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { waitFor } from '../helpers/wait-for.js';

interface Started {
  info: Record<string, string>;
  stop: () => Promise<number | null>;
}

/** Starts `sfsync emulator --json` as a user would and reads its one JSON line. */
function startBin(args: string[]): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawnChild<ChildProcessByStdio<null, Readable, Readable>>(
      process.execPath,
      [BIN, 'emulator', '--json', '--port', '0', ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) {
        resolve({
          info: JSON.parse(out.split('\n')[0] as string),
          stop: () =>
            new Promise((done) => {
              child.on('close', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`emulator exited with ${code} before it was ready`)));
  });
}

async function api(
  info: Record<string, string>,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${info.instanceUrl}/services/data/v62.0${p}`, {
    method,
    headers: { Authorization: `Bearer ${info.accessToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('sfsync emulator', () => {
  it('prints one JSON line with what a client needs, serves, and keeps records in --data across restarts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-emu-'));
    const data = path.join(dir, 'org.json');
    const first = await startBin(['--data', data]);
    expect(Object.keys(first.info).sort()).toEqual([
      'accessToken',
      'clientId',
      'clientSecret',
      'instanceUrl',
      'loginUrl',
      'orgId',
      'schemaVersion',
      'username',
    ]);
    expect(first.info.instanceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await api(first.info, 'POST', '/sobjects/Account', { Name: 'Persisted' });
    expect(created.status).toBe(201);
    expect(await first.stop()).toBe(0);
    expect((fs.statSync(data).mode & 0o777).toString(8)).toBe('600');

    const second = await startBin(['--data', data]);
    const found = await api(
      second.info,
      'GET',
      `/query?q=${encodeURIComponent("SELECT Id, Name FROM Account WHERE Name = 'Persisted'")}`,
    );
    expect(found.json).toMatchObject({
      totalSize: 1,
      records: [{ Id: (created.json as { id: string }).id }],
    });
    const next = await api(second.info, 'POST', '/sobjects/Account', { Name: 'Another' });
    expect((next.json as { id: string }).id).not.toBe((created.json as { id: string }).id);
    await second.stop();
  });

  it('adds custom objects and fields from --schema', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-schema-'));
    const schema = path.join(dir, 'schema.yaml');
    fs.writeFileSync(
      schema,
      [
        'objects:',
        '  - name: Invoice__c',
        '    fields:',
        '      - { name: Number__c, type: string, length: 20, externalId: true, unique: true }',
        'fields:',
        '  Lead:',
        '    - { name: Score__c, type: double, precision: 5, scale: 1 }',
        '',
      ].join('\n'),
    );
    // In this process (the first test starts the built CLI): the command runs until it is stopped.
    const deps = createTestDeps();
    const running = main(['emulator', '--json', '--port', '0', '--schema', schema], deps);
    await waitFor(() => deps.io.stdoutText.includes('\n'), 'the org to print its JSON line');
    const started = {
      info: JSON.parse(deps.io.stdoutText.split('\n')[0] as string) as Record<string, string>,
    };
    const invoice = await api(started.info, 'GET', '/sobjects/Invoice__c/describe');
    expect(
      (invoice.json as { fields: Array<{ name: string; externalId: boolean }> }).fields.find(
        (f) => f.name === 'Number__c',
      ),
    ).toMatchObject({ externalId: true });
    const upsert = await api(started.info, 'PATCH', '/sobjects/Invoice__c/Number__c/INV-1', {
      Name: 'First invoice',
    });
    expect(upsert.status).toBe(201);
    const lead = await api(started.info, 'POST', '/sobjects/Lead', {
      LastName: 'L',
      Company: 'C',
      Score__c: 12.5,
    });
    expect(lead.status).toBe(201);
    deps.stop('SIGTERM');
    expect(await running).toBe(0);
  });

  it('reports a busy port and a missing schema file clearly', async () => {
    // Any server on the port will do: a local org in this process.
    const blocker = await startEmulator({ port: 0 });
    const port = new URL(blocker.instanceUrl).port;
    const deps = createTestDeps();
    expect(await main(['emulator', '--port', port], deps)).toBe(1);
    expect(deps.io.stderrText).toContain(`Port ${port} on 127.0.0.1 is already in use.`);
    await blocker.close();
    const missing = createTestDeps();
    expect(await main(['emulator', '--schema', '/nonexistent/schema.yaml', '--json'], missing)).toBe(1);
    expect(JSON.parse(missing.io.stdoutText).error).toMatchObject({ code: 'FILE_UNREADABLE' });
  });

  it('runs in-process until stopped, then says how many calls it served', async () => {
    const deps = createTestDeps();
    const running = main(['emulator', '--port', '0'], deps);
    await waitFor(() => deps.io.stdoutText.includes('listening on'), 'the org to say it listens');
    expect(deps.io.stdoutText).toContain('Local Salesforce org listening on http://127.0.0.1:');
    deps.stop('SIGINT');
    expect(await running).toBe(0);
    expect(deps.io.stderrText).toBe('Stopped (SIGINT) after 0 API calls.\n');
  });
});
