import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';
import { accountsStep, contactsStep, csv, planYaml } from './small-plan.js';

const env = useSyncEnv();

type Out = Awaited<ReturnType<typeof env.sfsync>>;
interface Step {
  step: string;
  pass: string;
  results: string;
  counts: { created: number; updated: number; unchanged: number; failed: number };
}
const steps = (x: Out): Step[] => x.json().result.steps;
/** Per step and pass: created, updated, unchanged, failed (the counts the real run and the dry run must share). */
const counts = (x: Out): unknown[] =>
  steps(x).map((s) => [
    s.step,
    s.pass,
    s.counts.created,
    s.counts.updated,
    s.counts.unchanged,
    s.counts.failed,
  ]);
/** The dry run, then the real run, of the plan in folder `name` (batches of 2: repeated keys fall in other batches). */
async function both(name: string): Promise<{ dry: Out; real: Out }> {
  const args = ['run', `${name}/plan.yaml`, '--batch-size', '2', '--json', '--results'];
  const dry = await env.sfsync([...args, `out/${name}-dry`, '--dry-run']);
  const real = await env.sfsync([...args, `out/${name}`]);
  return { dry, real };
}

const PLAN = planYaml(accountsStep({ parent: true }), contactsStep());

describe('a plan dry run predicts the real run step by step', () => {
  it('a key repeated in an upsert file and new to the org is one record: its children resolve', async () => {
    env.write(
      'rep/accounts.csv',
      csv('id,name,parent', ['A0,Zero,', 'A5,Five,A0', 'A1,One,A5', 'A5,Five,A0', 'A2,Two,A5']),
    );
    env.write('rep/contacts.csv', csv('id,name,account', ['C1,Kid,A5', 'C2,Other,A1']));
    env.write('rep/plan.yaml', PLAN);
    const { dry, real } = await both('rep');
    expect(real.code, real.stdout).toBe(0);
    expect(dry.code, dry.stdout).toBe(0);
    expect(counts(dry)).toEqual(counts(real));
    expect(steps(dry).at(-1)?.counts.created).toBe(2);
  });

  it('a key repeated in an upsert file that the org has: its children resolve, counts as the real run', async () => {
    env.org().store.create('Account', { Name: 'Five before', External_Id__c: 'B5' });
    env.write('old/accounts.csv', csv('id,name,parent', ['B0,Zero,', 'B5,Five,B0', 'B5,Five,B0']));
    env.write('old/contacts.csv', csv('id,name,account', ['D1,Kid,B5']));
    env.write('old/plan.yaml', PLAN);
    const { dry, real } = await both('old');
    expect(real.code, real.stdout).toBe(0);
    expect(dry.code, dry.stdout).toBe(0);
    expect(counts(dry)).toEqual(counts(real));
    expect(counts(dry).slice(2)).toEqual(counts(real).slice(2));
  });

  it('a self-reference to a key neither the file nor the org has fails LOOKUP_NOT_FOUND, its reason written', async () => {
    env.write(
      'nope/accounts.csv',
      '\uFEFFid;name;parent\r\nN0;Zero;\r\n\r\nN1;One;NOPE\r\nN2;Two;N0\r\nN1;One;NOPE\r\n',
    );
    env.write('nope/contacts.csv', csv('id,name,account', ['E1,Kid,N1', 'E2,Other,NOPE']));
    env.write('nope/plan.yaml', PLAN);
    const { dry, real } = await both('nope');
    expect(real.code, real.stdout).toBe(2);
    expect(dry.code, dry.stdout).toBe(2);
    expect(counts(dry)).toEqual(counts(real));
    const self = steps(dry).find((s) => s.pass === 'self-references') as Step;
    expect(self.counts.failed).toBe(2);
    const rejected = readResultCsv(path.join(self.results, 'rejected.csv'));
    const failures = readResultCsv(path.join(env.dir(), 'out/nope/accounts.self/failures.csv'));
    const why = (rows: Array<Record<string, string>>): unknown =>
      rows.map((f) => [f.line, f.error_code, f.error_message, f.source_line]);
    expect(why(rejected)).toEqual(why(failures));
    expect(rejected[0]?.error_message).toMatch(/NOPE/);
    expect(fs.existsSync(path.join(env.dir(), 'out/nope-dry/accounts.self/rejected.csv'))).toBe(true);
  });
});
