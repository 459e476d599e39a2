import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import type { InterruptHandlers } from '../../src/deps.js';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { accountsStep, contactsStep, csv, planYaml } from './small-plan.js';

const env = useSyncEnv();

function writePlan(name: string, prefix: string, contacts: number): void {
  env.write(`${name}/accounts.csv`, csv('id,name', [`${prefix}A1,Acme`, `${prefix}A2,Globex`]));
  const rows = Array.from(
    { length: contacts },
    (_, i) => `${prefix}C${i},Name ${i},${prefix}A${(i % 2) + 1}`,
  );
  env.write(`${name}/contacts.csv`, csv('id,name,account', rows));
  // Contacts listed first: the plan orders them after the accounts they refer to.
  env.write(`${name}/plan.yaml`, planYaml(contactsStep(), accountsStep()));
}

/** main() in this process, its signals through the returned handle (the handlers the command registered). */
function planDeps(): {
  deps: ReturnType<typeof createTestDeps>;
  handlers: () => InterruptHandlers | undefined;
} {
  const org = env.org();
  const deps = createTestDeps({
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    cwd: env.dir(),
  });
  let current: InterruptHandlers | undefined;
  return {
    deps: {
      ...deps,
      now: () => new Date(),
      onInterrupt: (h) => {
        current = h;
        return () => (current = undefined);
      },
    },
    handlers: () => current,
  };
}

describe('sfsync run PLAN stopped by a signal', () => {
  it('a SIGTERM once plan.json is written, before the first step runs: says so, with the command to resume', async () => {
    writePlan('early', 'E', 4);
    const { deps, handlers } = planDeps();
    const err = deps.io.err.bind(deps.io);
    // The first step's announcement comes after plan.json is written and before the step's run starts.
    deps.io.err = (line: string) => {
      err(line);
      if (line.startsWith('Step accounts')) {
        expect(fs.existsSync(path.join(env.dir(), 'out/early/plan.json'))).toBe(true);
        const h = handlers();
        expect(h, 'the plan owns the signals from its start').toBeDefined();
        h?.stop('SIGTERM');
      }
    };
    const code = await main(['run', 'early/plan.yaml', '--results', 'out/early'], deps);
    expect(code).toBe(143);
    const stderr = deps.io.stderrText;
    expect(stderr).toContain('Terminated (SIGTERM): stopping before the next step.');
    expect(stderr).toContain('Interrupted by SIGTERM before step accounts started.');
    expect(stderr).toContain('sfsync run early/plan.yaml --resume --results out/early');
    const summary = JSON.parse(fs.readFileSync(path.join(env.dir(), 'out/early/plan-summary.json'), 'utf8'));
    expect(summary.ended).toBe('stopped');
    const resumed = await env.sfsync([
      'run',
      'early/plan.yaml',
      '--resume',
      '--results',
      'out/early',
      '--json',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json().result.counts.created).toBe(6);
  });

  it('--json: a SIGTERM before the plan wrote anything still prints one document', async () => {
    writePlan('first', 'F', 2);
    const { deps, handlers } = planDeps();
    const onInterrupt = deps.onInterrupt;
    deps.onInterrupt = (h) => {
      const release = onInterrupt(h);
      handlers()?.stop('SIGTERM');
      return release;
    };
    const code = await main(['run', 'first/plan.yaml', '--results', 'out/first', '--json'], deps);
    expect(code).toBe(143);
    const doc = JSON.parse(deps.io.stdoutText);
    expect(doc.error.code).toBe('INTERRUPTED');
    expect(doc.error.message).toContain('before the plan started: nothing was written');
    expect(fs.existsSync(path.join(env.dir(), 'out/first'))).toBe(false);
  });

  it("the stopped plan's summary counts the step in flight, marked stopped", async () => {
    writePlan('mid', 'M', 40);
    const { deps, handlers } = planDeps();
    const org = env.org();
    let atStep: number | undefined;
    const poll = setInterval(() => {
      if (atStep === undefined && deps.io.stderrText.includes('Step contacts')) atStep = org.apiCalls();
      if (atStep !== undefined && org.apiCalls() - atStep >= 8) {
        clearInterval(poll);
        handlers()?.stop('SIGTERM');
      }
    }, 1);
    const args = ['run', 'mid/plan.yaml', '--results', 'out/mid', '--api', 'rest', '--batch-size', '1'];
    const code = await main(args, deps).finally(() => clearInterval(poll));
    expect(code, deps.io.stderrText).toBe(143);
    const dir = path.join(env.dir(), 'out/mid');
    const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan-summary.json'), 'utf8'));
    const step = JSON.parse(fs.readFileSync(path.join(dir, 'contacts/summary.json'), 'utf8'));
    expect(step.counts.created).toBeGreaterThan(0);
    expect(step.counts.created).toBeLessThan(40);
    expect(plan.steps.map((s: { step: string; ended: string }) => [s.step, s.ended])).toEqual([
      ['accounts', 'completed'],
      ['contacts', 'stopped'],
    ]);
    expect(plan.steps[1].counts).toEqual(step.counts);
    expect(plan.counts.created).toBe(2 + step.counts.created);
    expect(plan.counts.skipped).toBe(step.counts.skipped);
    expect(deps.io.stdoutText).toMatch(/contacts \(stopped\)/);
  });
});
