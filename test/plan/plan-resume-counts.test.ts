import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { accountsStep, contactsStep, planYaml } from './small-plan.js';

const env = useSyncEnv();

const PLAN = planYaml(accountsStep(), contactsStep());

describe('a plan resumed after its creates went unanswered', () => {
  it('counts the records the stopped attempt created as created, not unchanged (the totals match the org)', async () => {
    env.write('rc/accounts.csv', 'id,name\nRCA1,Acme\n');
    env.write('rc/contacts.csv', 'id,name,account\nRC1,One,RCA1\nRC2,Two,RCA1\nRC3,Three,RCA1\n');
    env.write('rc/plan.yaml', PLAN);
    // The contacts' write is carried out and every answer to it lost: the step stops, as a killed run would.
    env.org().setFaults({
      dropRate: 1,
      dropAfterApply: true,
      pathPattern: '^/composite/sobjects/Contact',
      maxInjected: 0,
    });
    let stopped;
    try {
      stopped = await env.sfsync(['run', 'rc/plan.yaml', '--api', 'rest', '--results', 'out/rc', '--json']);
    } finally {
      env.org().setFaults({ dropRate: 0, dropAfterApply: false, pathPattern: '' });
    }
    expect(stopped.code, stopped.stdout).toBe(1);
    const contacts = await env.query(`SELECT Id FROM Contact WHERE External_Id__c LIKE 'RC%'`);
    expect(contacts).toHaveLength(3);
    const resumed = await env.sfsync([
      ...['run', 'rc/plan.yaml', '--api', 'rest', '--resume', '--results', 'out/rc', '--json'],
    ]);
    expect(resumed.code, resumed.stdout).toBe(0);
    const { result } = resumed.json();
    const step = result.steps.find((s: { step: string }) => s.step === 'contacts');
    expect(step.counts).toMatchObject({ total: 3, created: 3, unchanged: 0 });
    expect(result.counts).toMatchObject({ total: 4, created: 4, unchanged: 0 });
  });
});
