import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';

const env = useSyncEnv();

const PLAN = `
steps:
  - name: contacts
    file: contacts.csv
    object: Contact
    operation: upsert
    match: External_Id__c
    mapping: { fields: { External_Id__c: id, LastName: name } }
`;

/** sfsync in another working folder (and, if given, another config folder) than the test's. */
async function sfsyncIn(cwd: string, args: string[], config = '.config') {
  fs.mkdirSync(cwd, { recursive: true });
  const deps = createTestDeps({
    env: {
      SFSYNC_INSTANCE_URL: env.org().instanceUrl,
      SFSYNC_ACCESS_TOKEN: env.org().accessToken,
      SFSYNC_CONFIG_DIR: path.join(env.dir(), config),
    },
    cwd,
  });
  const code = await main(args, { ...deps, now: () => new Date() });
  return { code, stdout: deps.io.stdoutText, stderr: deps.io.stderrText };
}

describe('sfsync run PLAN --resume from another folder', () => {
  it('finds the stopped run wherever it was started; without it in the list, names where it looked and --results', async () => {
    env.write('fr/plans/contacts.csv', 'id,name\nFR1,One\nFR2,Two\n');
    const plan = env.write('fr/plans/plan.yaml', PLAN);
    const first = path.join(env.dir(), 'fr/first');
    env.org().setFaults({ dropRate: 1, pathPattern: '^/composite/sobjects/Contact', maxInjected: 0 });
    let stopped;
    try {
      stopped = await sfsyncIn(first, ['run', '../plans/plan.yaml', '--api', 'rest']);
    } finally {
      env.org().setFaults({ dropRate: 0, pathPattern: '' });
    }
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(fs.readdirSync(path.join(first, 'sfsync-results'))).toHaveLength(1);
    // Elsewhere, with another list of plan runs: refused, naming where it looked and the flag.
    const lost = await sfsyncIn(path.join(env.dir(), 'fr/other'), ['run', plan, '--resume'], 'other-config');
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain(path.join(env.dir(), 'fr/other/sfsync-results'));
    expect(lost.stderr).toContain(path.join(env.dir(), 'fr/plans/sfsync-results'));
    expect(lost.stderr).toMatch(/--results DIR/);
    // With the list the first run noted: found, and continued to the end.
    const resumed = await sfsyncIn(path.join(env.dir(), 'fr/other'), ['run', plan, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/total: 2 created/);
    expect(resumed.stdout).toContain(path.join(first, 'sfsync-results'));
  });
});
