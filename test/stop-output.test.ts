import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import type { SyncOptions } from '../src/commands/options.js';
import { formatFromFile } from '../src/input/source.js';
import { emptyCounts } from '../src/operations/results.js';
import { createProgress } from '../src/ui/progress.js';
import { createInquirerPrompter } from '../src/ui/prompt.js';
import { resumeCommand, shellWord } from '../src/core/resume-command.js';
import { createTestIO } from '../src/ui/test-io.js';
import type { Handlers } from '../src/handlers.js';
import { fakeTerminal } from './helpers/fake-terminal.js';
import { createTestDeps } from './helpers/test-deps.js';
import { waitFor } from './helpers/wait-for.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-stops-'));
});
afterAll(async () => org.close());

const orgEnv = (): NodeJS.ProcessEnv => ({
  SFSYNC_INSTANCE_URL: org.instanceUrl,
  SFSYNC_ACCESS_TOKEN: org.accessToken,
});

describe('a full disk under the results folder', () => {
  // A small tmpfs mounted on the results folder fills up during the run and answers the next write with a real
  // ENOSPC. Mounting needs root (CI and these machines run as root); elsewhere the test is skipped.
  it('says what is full and how to continue, with every record read accounted for', async (ctx) => {
    const rows = ['LastName,Email,Description'];
    for (let i = 0; i < 3000; i++) rows.push(`F${i},f${i}@full.test,${'x'.repeat(60)}`);
    fs.writeFileSync(path.join(dir, 'full.csv'), `${rows.join('\n')}\n`);
    const results = path.join(dir, 'out/full');
    fs.mkdirSync(results, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96k,mode=0700', 'tmpfs', results], {
        stdio: 'ignore',
      });
    } catch {
      ctx.skip('mounting a tmpfs needs root');
    }
    try {
      const deps = createTestDeps({ cwd: dir, env: orgEnv() });
      const code = await main(
        ['upsert', 'full.csv', '--object', 'Contact', '--match', 'Email', '--results', 'out/full'],
        deps,
      );
      expect(code).toBe(1);
      const err = deps.io.stderrText;
      expect(err).toContain(`Error: No space left on the device of the results folder ${results} (ENOSPC)`);
      expect(err).not.toContain('unexpected');
      expect(err.trimEnd().split('\n').slice(-2)).toEqual([
        'To continue where it stopped, run:',
        '  sfsync upsert full.csv --object Contact --match Email --resume --results out/full',
      ]);
      expect(deps.io.stdoutText).toMatch(/^Stopped: upsert Contact/);
      // Batches answer out of order: the message says which lines have their outcome, and from where some have not.
      expect(err).toMatch(
        /The run stopped after input line [0-9]+(, the records up to there all handled; from line [0-9]+ some have no outcome \(the resume sends them\), though lines up to [0-9]+ have one|; from line [0-9]+ no record has an outcome \(the resume sends them\))?: [0-9,]+ records written, 0 failed/,
      );
    } finally {
      execFileSync('umount', [results], { stdio: 'ignore' });
    }
  });
});

describe('a dropped connection on a write', () => {
  it('stops the run with the command that continues it, and a hint that points at it, not at a plain re-run', async () => {
    const rows = ['LastName,Email'];
    for (let i = 0; i < 50; i++) rows.push(`D${i},d${i}@drop.test`);
    fs.writeFileSync(path.join(dir, 'drop.csv'), `${rows.join('\n')}\n`);
    org.setFaults({ transientRate: 0, dropRate: 1, pathPattern: '^/composite/sobjects', maxInjected: 1 });
    try {
      const deps = createTestDeps({ cwd: dir, env: orgEnv() });
      const args = ['create', 'drop.csv', '--object', 'Contact', '--results', 'out/drop'];
      expect(await main(args, deps)).toBe(1);
      const err = deps.io.stderrText;
      // The call was sent and its answer lost: not "cannot reach", and the records are not "not sent".
      expect(err).toMatch(
        /Error: The connection to \S+ broke after a POST call was sent, before it answered/,
      );
      expect(err).toContain('50 sent without an answer (UNKNOWN_OUTCOME)');
      expect(err).toContain(
        'Hint: Check your network (a proxy or VPN cutting long calls), then continue with the command below.',
      );
      expect(err).toContain('--resume --results out/drop');
      // The plain re-run is refused; the resume settles the create that had no answer.
      expect(await main(args, createTestDeps({ cwd: dir, env: orgEnv() }))).toBe(1);
      const resumed = createTestDeps({ cwd: dir, env: orgEnv() });
      // The create had no answer: the resume cannot tell whether it was made, so it is not sent again and the run
      // does not end as if all was written.
      expect(await main([...args, '--resume'], resumed)).toBe(2);
      expect(resumed.io.stdoutText).toMatch(
        /50 records: 0 created, 0 updated, 0 deleted, 0 failed, 50 skipped/,
      );
      expect(resumed.io.stdoutText).toContain('may or may not have been created');
    } finally {
      org.setFaults({ dropRate: 0, pathPattern: undefined, maxInjected: 0 });
    }
  });
});

describe('a folder given as the input file', () => {
  it('says it is a folder (not "unexpected"), before anything is read', async () => {
    fs.mkdirSync(path.join(dir, 'afolder'), { recursive: true });
    const deps = createTestDeps({ cwd: dir, env: orgEnv() });
    expect(await main(['upsert', 'afolder', '--object', 'Contact', '--match', 'Email'], deps)).toBe(1);
    expect(deps.io.stderrText).toContain(`Error: ${path.join(dir, 'afolder')} is a folder, not a file.`);
    expect(deps.io.stderrText).not.toContain('unexpected');
  });
});

describe('a misspelt object name', () => {
  it('is answered with the object it most likely meant', async () => {
    const deps = createTestDeps({ cwd: dir, env: orgEnv() });
    expect(await main(['describe', 'Contcat'], deps)).toBe(1);
    expect(deps.io.stderrText).toContain('Error: The org has no object named Contcat.');
    expect(deps.io.stderrText).toContain('Hint: Did you mean Contact?');
    const none = createTestDeps({ cwd: dir, env: orgEnv() });
    expect(await main(['describe', 'Zzyzx'], none)).toBe(1);
    expect(none.io.stderrText).not.toContain('Did you mean');
  });
});

describe('Ctrl-C in the mapping wizard', () => {
  it('says "Cancelled." and exits 130, not a bug report', async () => {
    fs.writeFileSync(path.join(dir, 'wizard.csv'), 'last_name,E-mail\nLovelace,ada@wizard.test\n');
    const { io, keyboard, shown } = fakeTerminal();
    const deps = createTestDeps({ cwd: dir, env: orgEnv() });
    Object.assign(deps, { io, prompt: createInquirerPrompter(io) });
    const running = main(['mapping', 'init', 'wizard.csv', '--object', 'Contact'], deps);
    await waitFor(() => shown().includes('goes to'), 'the first question of the wizard');
    keyboard.write('\u0003');
    expect(await running).toBe(130);
    expect(shown()).toContain('Error: Cancelled.');
    expect(shown()).not.toContain('unexpected');
    expect(fs.existsSync(path.join(dir, 'wizard.csv.mapping.yaml'))).toBe(false);
  });
});

describe('the live progress line', () => {
  it('is cleared before another stderr line (a Bulk job) and drawn again below it', () => {
    let t = 0;
    const io = createTestIO({ tty: true, env: { NO_COLOR: '1' } });
    const p = createProgress(io, { json: false, expected: null, now: () => t });
    t = 200;
    p.update({ ...emptyCounts(), total: 1, created: 1 }, 1);
    io.err('Bulk job 750x: insert Contact, 1 record');
    p.done();
    const live = '1 record · 5/s · 1 created, 0 updated, 0 deleted, 0 failed · 1 API call';
    const clear = '\r\u001b[2K';
    expect(io.stderrText).toBe(
      `${clear}${live}${clear}Bulk job 750x: insert Contact, 1 record\n${live}${clear}`,
    );
  });
});

describe('the command to continue', () => {
  it('repeats the flags that decide what is sent, quoted for the shell', () => {
    const opts = {
      operation: 'upsert',
      file: 'my contacts.csv',
      object: 'Contact',
      mapping: 'm.yaml',
      match: ['Email', 'Phone'],
      matchOperator: 'AND',
      delimiter: ';',
      json: false,
      verbose: true,
      dryRun: false,
      offline: false,
      resume: false,
      failFast: false,
      results: 'elsewhere',
    } satisfies SyncOptions;
    expect(resumeCommand(opts, '/work/runs/one', '/work')).toBe(
      "sfsync upsert 'my contacts.csv' --object Contact --mapping m.yaml --match Email,Phone --match-operator AND --delimiter ';' --resume --results runs/one",
    );
    expect(resumeCommand(opts, '/tmp/one', '/work')).toMatch(/--results \/tmp\/one$/);
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });
});

const COMMANDS = [
  [],
  ['login'],
  ['logout'],
  ['orgs'],
  ['whoami'],
  ['create'],
  ['update'],
  ['upsert'],
  ['delete'],
  ['describe'],
  ['results'],
  ['completion'],
  ['mapping', 'init'],
  ['mapping', 'check'],
  ['emulator'],
];

/** The `$ ... sfsync ARGS` lines of every command's --help, as the arguments after `sfsync`. */
async function helpExamples(): Promise<string[][]> {
  const examples: string[][] = [];
  for (const command of COMMANDS) {
    const deps = createTestDeps({ cwd: dir });
    await main([...command, '--help'], deps);
    for (const line of deps.io.stdoutText.split('\n')) {
      const m = /^\s+\$ .*?\bsfsync ([^)#>]*)/.exec(line);
      // Words as a shell splits them: a quoted --scope "WHERE …" is one word.
      if (m?.[1])
        examples.push(
          (m[1].trim().match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, '$2')),
        );
    }
  }
  return examples;
}

describe('every example in --help', () => {
  it('runs as written: it parses, and a sync from standard input names its --format', async () => {
    const examples = await helpExamples();
    expect(examples.length).toBeGreaterThan(10);
    for (const argv of examples) {
      const calls: Array<{ name: string; opts: unknown }> = [];
      const record = (name: string) => async (opts: unknown) => {
        calls.push({ name, opts });
        return { result: null };
      };
      const handlers = Object.fromEntries(
        [
          'login',
          'logout',
          'orgs',
          'whoami',
          'sync',
          'describe',
          'mappingInit',
          'mappingCheck',
          'emulator',
          'results',
          'completion',
        ].map((n) => [n, record(n)]),
      ) as unknown as Handlers;
      const deps = createTestDeps({ cwd: dir });
      expect(await main(argv, deps, handlers), `${argv.join(' ')}: ${deps.io.stderrText}`).toBe(0);
      expect(calls, argv.join(' ')).toHaveLength(1);
      const call = calls[0] as { name: string; opts: SyncOptions };
      if (call.name === 'sync') expect(() => formatFromFile(call.opts.file, call.opts.format)).not.toThrow();
    }
  });
});
