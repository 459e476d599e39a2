import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { accountsStep, planYaml } from './small-plan.js';

const env = useSyncEnv();

describe('a plan resumed with a changed input file', () => {
  it('is refused (RESUME_MISMATCH, naming step and file) before it connects: no API call', async () => {
    env.write('rc/accounts.csv', 'id,name\nRC1,Resume One\nRC2,Resume Two\n');
    env.write('rc/plan.yaml', planYaml(accountsStep()));
    const first = await env.sfsync(['run', 'rc/plan.yaml', '--results', 'out/rc']);
    expect(first.code, first.stderr).toBe(0);
    // As a kill leaves it: the step began (its journal is there) and did not finish (no summary).
    fs.rmSync(path.join(env.dir(), 'out/rc/accounts/summary.json'));
    fs.rmSync(path.join(env.dir(), 'out/rc/plan-summary.json'), { force: true });
    env.write('rc/accounts.csv', 'id,name\nRC1,Resume One\nRC2,Resume Two\nRC3,Resume Three\n');
    const calls = env.org().apiCalls();
    const r = await env.sfsync(['run', 'rc/plan.yaml', '--resume', '--results', 'out/rc', '--json']);
    expect(r.code, r.stdout).toBe(1);
    expect(env.org().apiCalls()).toBe(calls);
    expect(r.json().error.code).toBe('RESUME_MISMATCH');
    expect(r.json().error.message).toContain('its step accounts was run, and accounts.csv has changed since');
    // sfsync results on the step's folder points to the plan's resume, not a single upsert's.
    const shown = await env.sfsync(['results', 'out/rc/accounts']);
    expect(shown.stderr).toContain('holds an upsert of');
    expect(shown.stderr).toContain('sfsync run rc/plan.yaml --resume --results out/rc');
    expect(shown.stderr).not.toContain('--mapping');
  });
});
