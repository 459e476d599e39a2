import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { accountsStep, planYaml } from './small-plan.js';

const env = useSyncEnv();

const PLAN = planYaml(accountsStep({ parent: true }));

describe("a plan's stop message", () => {
  it("names the step, its file and that file's lines, also when the second pass (self-references) stops", async () => {
    // Only lines 5 and 6 have a parent: they are the second pass's records (lines 2 and 3 of its own input).
    env.write(
      'sl/accounts.csv',
      'id,name,parent\nSL1,One,\nSL2,Two,\nSL3,Three,\nSL4,Four,SL1\nSL5,Five,SL2\n',
    );
    env.write('sl/plan.yaml', PLAN);
    // The second pass's updates (by Id) all go unanswered: it stops with none of them settled.
    env.org().setFaults({ dropRate: 1, pathPattern: '^/composite/sobjects$', maxInjected: 0 });
    let stopped;
    try {
      stopped = await env.sfsync(['run', 'sl/plan.yaml', '--api', 'rest', '--results', 'out/sl']);
    } finally {
      env.org().setFaults({ dropRate: 0, pathPattern: '' });
    }
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toMatch(
      /The plan stopped in step accounts \(self-references, the second pass over sl\/accounts\.csv\): from line 5 of sl\/accounts\.csv no record has an outcome/,
    );
    expect(stopped.stderr).not.toMatch(/from line 2 no record/);
  });
});
