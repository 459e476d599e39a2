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

describe('--resume never starts from scratch', () => {
  it('refuses --resume --results into a folder that does not exist, listing the unfinished runs of the file', async () => {
    const cwd = workdir('typo');
    const args = ['create', contactsCsv(cwd, 'typo', 3), '--object', 'Contact'];
    expect(await main([...args, '--results', 'half'], deps(cwd))).toBe(0);
    killed(path.join(cwd, 'half'));
    const d = deps(cwd);
    expect(await main([...args, '--resume', '--results', 'nothere', '--json'], d)).toBe(1);
    const { error } = JSON.parse(d.io.stdoutText);
    expect(error.code).toBe('RESUME_NOT_POSSIBLE');
    expect(error.message).toContain('nothere does not exist');
    expect(error.hint).toContain('sfsync create typo.csv --object Contact --json --resume --results half');
    expect(fs.existsSync(path.join(cwd, 'nothere'))).toBe(false);
    expect(contactsIn('@typo.test')).toBe(3);
  });
});

describe('an unfinished run is found wherever the next one writes', () => {
  it('finds a run under ./sfsync-results when the next run uses --results elsewhere, and one beside the given folder', async () => {
    const cwd = workdir('elsewhere');
    const args = ['create', contactsCsv(cwd, 'elsewhere', 2), '--object', 'Contact'];
    expect(await main(args, deps(cwd))).toBe(0);
    killed(path.join(cwd, DEFAULT_RUN));
    const d = deps(cwd);
    expect(await main([...args, '--results', 'elsewhere-out', '--json'], d)).toBe(1);
    const { error } = JSON.parse(d.io.stdoutText);
    expect(error.code).toBe('RUN_UNFINISHED');
    expect(error.hint).toContain(`--resume --results ${DEFAULT_RUN}`);
    expect(contactsIn('@elsewhere.test')).toBe(2);

    const cwd2 = workdir('beside');
    const args2 = ['create', contactsCsv(cwd2, 'beside', 2), '--object', 'Contact'];
    expect(await main([...args2, '--results', 'runs/a'], deps(cwd2))).toBe(0);
    killed(path.join(cwd2, 'runs/a'));
    const e = deps(cwd2);
    expect(await main([...args2, '--results', 'runs/b'], e)).toBe(1);
    expect(e.io.stderrText).toContain('--resume --results runs/a');
    expect(contactsIn('@beside.test')).toBe(2);
  });

  it('refuses before it reaches the org: no key count, no export, no connection', async () => {
    const cwd = workdir('early');
    const args = ['upsert', contactsCsv(cwd, 'early', 2), '--object', 'Contact', '--match', 'Email'];
    expect(await main(args, deps(cwd))).toBe(0);
    killed(path.join(cwd, 'sfsync-results/20260102T030405Z-upsert-Contact'));
    // An org that is not there: any call would fail with a connection error.
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const d = deps(cwd, `http://127.0.0.1:${port}`);
    expect(await main([...args, '--json'], d)).toBe(1);
    expect(JSON.parse(d.io.stdoutText).error.code).toBe('RUN_UNFINISHED');
  });
});

describe('a results folder holds one run', () => {
  it('refuses a new run into a folder that holds a finished run’s results, unless --restart', async () => {
    const cwd = workdir('exists');
    const args = ['upsert', contactsCsv(cwd, 'exists', 2), '--object', 'Contact', '--match', 'Email'];
    expect(await main([...args, '--results', 'out'], deps(cwd))).toBe(0);
    const summary = fs.readFileSync(path.join(cwd, 'out/summary.json'), 'utf8');
    const d = deps(cwd);
    expect(await main([...args, '--results', 'out', '--json'], d)).toBe(1);
    const { error } = JSON.parse(d.io.stdoutText);
    expect(error.code).toBe('RESULTS_EXIST');
    expect(error.message).toContain('out holds the results of an earlier run (ended');
    expect(fs.readFileSync(path.join(cwd, 'out/summary.json'), 'utf8')).toBe(summary);
    expect(await main([...args, '--results', 'out', '--restart'], deps(cwd))).toBe(0);
  });
});

describe('a failures file fed back to create', () => {
  it('refuses rows whose create may already have happened (UNCERTAIN)', async () => {
    const cwd = workdir('uncertain-rows');
    fs.writeFileSync(
      path.join(cwd, 'failures.csv'),
      [
        'line,outcome,status,error_code,error_message,error_fields,matched_ids,LastName,Email',
        '2,skipped,,UNCERTAIN,may exist,,,A,a@uncertain-rows.test',
        '3,failed,400,REQUIRED_FIELD_MISSING,missing,LastName,,B,b@uncertain-rows.test',
        '4,skipped,,UNCERTAIN,may exist,,,C,c@uncertain-rows.test',
        '',
      ].join('\n'),
    );
    const d = deps(cwd);
    expect(await main(['create', 'failures.csv', '--object', 'Contact', '--results', 'again'], d)).toBe(1);
    expect(d.io.stderrText).toContain('UNCERTAIN');
    expect(d.io.stderrText).toContain('2 rows');
    expect(d.io.stderrText).toContain('--resume');
    expect(contactsIn('@uncertain-rows.test')).toBe(0);
    // An upsert finds them by their key: nothing to refuse.
    expect(
      await main(
        ['upsert', 'failures.csv', '--object', 'Contact', '--match', 'Email', '--results', 'up'],
        deps(cwd),
      ),
    ).toBe(0);
  });
});

describe('sfsync results on a run that did not finish', () => {
  it('shows the command that continues it and exits 1; a killed run too', async () => {
    const cwd = workdir('results-cmd');
    const args = ['create', contactsCsv(cwd, 'results-cmd', 3), '--object', 'Contact', '--batch-size', '1'];
    expect(await main([...args, '--max-api-calls', '2', '--results', 'out'], deps(cwd))).toBe(1);
    const d = deps(cwd);
    expect(await main(['results', 'out'], d)).toBe(1);
    expect(d.io.stdoutText).toContain('This run did not finish. To continue it, run:');
    // The very command the run printed (its flags are in its journal).
    expect(d.io.stdoutText).toContain(
      'sfsync create results-cmd.csv --object Contact --batch-size 1 --max-api-calls 2 --resume --results out',
    );
    // Killed outright: no summary, the journal tells what the run was.
    const other = ['create', contactsCsv(cwd, 'results-other', 1), '--object', 'Contact'];
    expect(await main([...other, '--results', 'gone'], deps(cwd))).toBe(0);
    const done = deps(cwd);
    expect(await main(['results', 'gone'], done)).toBe(0);
    expect(done.io.stdoutText).not.toContain('did not finish');
    killed(path.join(cwd, 'gone'));
    const k = deps(cwd);
    expect(await main(['results', 'gone', '--json'], k)).toBe(1);
    expect(JSON.parse(k.io.stdoutText).error.resume).toBe(
      'sfsync create results-other.csv --object Contact --resume --results gone',
    );
  });
});

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
