import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createStep, planYaml } from './small-plan.js';

// A create whose answer is lost (the org created the records): its rows end UNCERTAIN, and a new run must not
// create them a second time.
const env = useSyncEnv();

const PLAN = planYaml(
  createStep('contacts', 'contacts.csv', 'Contact', { LastName: 'last', Email: 'email' }),
);

function tagged(): number {
  return [...(env.org().store.object('Contact')?.live.values() ?? [])].filter((r) =>
    String(r.Email ?? '').endsWith('@unsure.test'),
  ).length;
}

describe('a plan whose create rows ended UNCERTAIN', () => {
  it('a new run is refused (UNCERTAIN_ROWS) naming the rows, before connecting; without them it runs', async () => {
    env.write('u/contacts.csv', 'last,email\nUn A,a@unsure.test\nUn B,b@unsure.test\n');
    env.write('u/plan.yaml', PLAN);
    env
      .org()
      .setFaults({ dropRate: 1, dropAfterApply: true, pathPattern: '^/composite/sobjects$', maxInjected: 1 });
    let first;
    try {
      first = await env.sfsync(['run', 'u/plan.yaml', '--results', 'out/u1']);
    } finally {
      env.org().setFaults({ dropRate: 0, dropAfterApply: false, pathPattern: undefined, maxInjected: 0 });
    }
    expect(tagged()).toBe(2);
    if (first.code !== 2) {
      const resumed = await env.sfsync(['run', 'u/plan.yaml', '--resume', '--results', 'out/u1']);
      expect(resumed.code, resumed.stderr).toBe(2);
    }
    // The table (and sfsync results) says which skipped rows are uncertain.
    const shown = await env.sfsync(['results', 'out/u1']);
    expect(shown.stdout).toContain('uncertain (of the skipped): contacts 2: sent without an answer');
    const summary = JSON.parse(fs.readFileSync(path.join(env.dir(), 'out/u1/plan-summary.json'), 'utf8'));
    expect(summary.steps[0].uncertain).toBe(2);
    const again = await env.sfsync(['run', 'u/plan.yaml', '--results', 'out/u2']);
    expect(again.code, again.stdout).toBe(1);
    expect(again.stderr).toContain('created them (UNCERTAIN)');
    expect(again.stderr).toContain('out/u1/contacts/failures.csv');
    expect(again.stderr).toContain('contacts: 2 rows of contacts.csv (lines 2, 3)');
    expect(tagged()).toBe(2);
    // Checked in the org: both exist, so their rows are taken out; a new row is then sent.
    env.write('u/contacts.csv', 'last,email\nUn C,c@unsure.test\n');
    const fixed = await env.sfsync(['run', 'u/plan.yaml', '--results', 'out/u3', '--json']);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(tagged()).toBe(3);
  });
});
