import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import { createTestDeps, type TestDeps } from '../helpers/test-deps.js';

let org: Emulator;
let root: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-guards-'));
});
afterAll(async () => org.close());

function workdir(name: string): string {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

function deps(cwd: string, instanceUrl = org.instanceUrl): TestDeps {
  return createTestDeps({
    cwd,
    env: { SFSYNC_INSTANCE_URL: instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
}

function contactsIn(domain: string): number {
  return [...(org.store.object('Contact')?.live.values() ?? [])].filter((r) =>
    String(r.Email ?? '').endsWith(domain),
  ).length;
}

/** Writes `<name>.csv`: n contacts with emails in the domain `<name>.test`. */
function contactsCsv(cwd: string, name: string, n: number): string {
  const lines = ['LastName,Email'];
  for (let i = 0; i < n; i++) lines.push(`C${i},c${i}@${name}.test`);
  fs.writeFileSync(path.join(cwd, `${name}.csv`), `${lines.join('\n')}\n`);
  return `${name}.csv`;
}

/** A run killed outright leaves its journal and no summary. */
function killed(dir: string): void {
  fs.rmSync(path.join(dir, 'summary.json'));
}

const DEFAULT_RUN = 'sfsync-results/20260102T030405Z-create-Contact';

describe('the summary of a resumed run', () => {
  it('keeps UNCERTAIN a cause of its own and the fields of the earlier failures', async () => {
    const cwd = workdir('resumed-causes');
    fs.writeFileSync(
      path.join(cwd, 'rc.csv'),
      `LastName,Email\nA,a@rc.test\n${'L'.repeat(100)},b@rc.test\nC,c@rc.test\nD,d@rc.test\n`,
    );
    const args = ['create', 'rc.csv', '--object', 'Contact', '--api', 'rest', '--results', 'out'];
    const first = deps(cwd);
    expect(await main([...args, '--json'], first)).toBe(2);
    const failed = JSON.parse(first.io.stdoutText).result.failuresByCode as Array<{
      code: string;
      fields?: string[];
    }>;
    expect(failed).toHaveLength(1);
    const cause = failed[0] as { code: string; fields?: string[] };
    expect(cause.fields?.length).toBeGreaterThan(0);
    // Killed before line 5's answer was written: its create was sent, its outcome is unknown.
    killed(path.join(cwd, 'out'));
    const success = path.join(cwd, 'out/success.csv');
    const kept = fs.readFileSync(success, 'utf8').trimEnd().split('\n');
    expect(kept.at(-1)).toMatch(/^5,created,/);
    fs.writeFileSync(success, `${kept.slice(0, -1).join('\n')}\n`);

    const d = deps(cwd);
    expect(await main([...args, '--resume', '--json'], d), d.io.stderrText).toBe(2);
    const causes = JSON.parse(d.io.stdoutText).result.failuresByCode as Array<{
      code: string;
      count: number;
      fields?: string[];
    }>;
    expect(causes.map((c) => c.code).sort()).toEqual([cause.code, 'UNCERTAIN'].sort());
    expect(causes.find((c) => c.code === cause.code)?.fields).toEqual(cause.fields);
    expect(contactsIn('@rc.test')).toBe(3);
  });
});
