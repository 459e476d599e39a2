import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from './helpers/run-bin.js';

const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-e2e-'));
const env = { SFSYNC_CONFIG_DIR: configDir };

describe('bin/sfsync.js', () => {
  it('--help lists every command of the design', async () => {
    const r = await runBin(['--help'], { env });
    expect(r.code).toBe(0);
    for (const cmd of [
      'login',
      'logout',
      'orgs',
      'whoami',
      'create',
      'update',
      'upsert',
      'delete',
      'describe',
      'mapping',
      'emulator',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    }
  });

  it('upsert without a file is a usage error on stderr, exit 1', async () => {
    const r = await runBin(['upsert'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("Error: Missing required argument 'file'");
    expect(r.stderr).toContain('Hint: Run "sfsync upsert --help" for usage.');
  });

  it('with --json the same error is one JSON document on stdout', async () => {
    const r = await runBin(['upsert', '--json'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      schemaVersion: 1,
      command: 'upsert',
      ok: false,
      exitCode: 1,
      error: {
        code: 'USAGE',
        message: "Missing required argument 'file'",
        hint: 'Run "sfsync upsert --help" for usage.',
      },
    });
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const r = await runBin(['--version'], { env });
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});

describe('shell completion', () => {
  it('completes commands, subcommands and flags in bash', async () => {
    const script = await runBin(['completion', 'bash'], { env });
    expect(script.code).toBe(0);
    const file = path.join(configDir, 'c.bash');
    fs.writeFileSync(file, script.stdout);
    const { execFileSync } = await import('node:child_process');
    const complete = (words: string[]): string =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _sfsync; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete(['sfsync', 'ups'])).toBe('upsert');
    expect(complete(['sfsync', 'upsert', 'x.csv', '--match-o'])).toBe('--match-operator');
    expect(complete(['sfsync', 'mapping', 'ch'])).toBe('check');
  });

  it.each(['zsh', 'fish'])('prints a %s script', async (shell) => {
    const r = await runBin(['completion', shell], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sfsync');
  });
});
