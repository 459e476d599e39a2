import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';
import { createStep, planYaml, ref } from './small-plan.js';

// The --json documents of sfsync run and sfsync plan check, against their schemas in schemas/output/.
const SCHEMAS = path.resolve(import.meta.dirname, '../../schemas/output');
const ajv = new Ajv2020({ allErrors: true, strict: true });
for (const file of fs.readdirSync(SCHEMAS))
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8')));

function check(schema: string, stdout: string): Record<string, any> {
  const validate = ajv.getSchema(`https://github.com/sfsync/sfsync/schemas/output/${schema}.schema.json`);
  if (!validate) throw new Error(`no schema ${schema}`);
  const doc = JSON.parse(stdout) as Record<string, any>;
  const valid = validate(doc);
  expect(valid ? [] : ajv.errorsText(validate.errors, { separator: '\n' }).split('\n')).toEqual([]);
  return doc;
}

const env = useSyncEnv();

const PLAN = (accountsMatch: string): string =>
  planYaml(
    createStep('contacts', 'contacts.csv', 'Contact', {
      LastName: 'last',
      AccountId: ref('accounts', 'External_Id__c', 'account'),
      ReportsToId: ref('contacts', 'LastName', 'boss'),
    }),
    {
      name: 'accounts',
      file: 'accounts.csv',
      object: 'Account',
      operation: 'upsert',
      mapping: { match: accountsMatch, fields: { Name: 'name', External_Id__c: 'id' } },
    },
  );

describe('sfsync run and plan check --json documents match their schemas', () => {
  it('plan check: a valid plan, and a plan with problems', async () => {
    env.write('js/accounts.csv', 'id,name\nJS1,Json Co\n');
    env.write('js/contacts.csv', 'last,account,boss\nJsonA,JS1,\nJsonB,JS9,JsonA\n');
    env.write('js/plan.yaml', PLAN('External_Id__c'));
    const ok = check('plan-check', (await env.sfsync(['plan', 'check', 'js/plan.yaml', '--json'])).stdout);
    expect(ok.result).toMatchObject({
      order: ['accounts', 'contacts'],
      steps: [
        { step: 'accounts', refersTo: [] },
        { step: 'contacts', refersTo: ['accounts', 'contacts'] },
      ],
    });
    env.write('js/bad.yaml', PLAN('Nmae'));
    const bad = check('plan-check', (await env.sfsync(['plan', 'check', 'js/bad.yaml', '--json'])).stdout);
    expect(bad).toMatchObject({ ok: false, exitCode: 1, error: { code: 'PLAN_INVALID' } });
  });

  it('run: a dry run, a run with a failed record (exit 2), and a stopped run (its error carries the plan so far)', async () => {
    const dry = await env.sfsync(['run', 'js/plan.yaml', '--dry-run', '--results', 'out/js-dry', '--json']);
    expect(check('run', dry.stdout)).toMatchObject({ command: 'run', result: { dryRun: true } });
    const real = await env.sfsync(['run', 'js/plan.yaml', '--results', 'out/js', '--json']);
    expect(real.code).toBe(2);
    const doc = check('run', real.stdout);
    expect(doc.result.steps.map((s: any) => [s.step, s.pass, s.ended])).toEqual([
      ['accounts', 'records', 'completed'],
      ['contacts', 'records', 'completed'],
      ['contacts', 'self-references', 'completed'],
    ]);
    // Name is not a key that identifies an account: the step stops before writing, and the plan with it.
    env.write('js/stops.yaml', PLAN('Name'));
    const stopped = await env.sfsync(['run', 'js/stops.yaml', '--results', 'out/js-stop', '--json']);
    expect(stopped.code).toBe(1);
    expect(check('run', stopped.stdout)).toMatchObject({
      ok: false,
      error: { code: 'MATCH_KEY_NOT_UNIQUE' },
      result: { ended: 'stopped', steps: [] },
    });
    // sfsync results reads a plan's folder: its steps, and for a stopped plan the command that continues it.
    const results = check('results', (await env.sfsync(['results', 'out/js', '--json'])).stdout);
    expect(results.result).toMatchObject({ order: ['accounts', 'contacts'], ended: 'completed' });
    expect(results.result.steps).toEqual(doc.result.steps);
    const shown = await env.sfsync(['results', 'out/js-stop']);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toContain('Stopped: plan');
    expect(shown.stdout).toContain('sfsync run js/stops.yaml --resume --results out/js-stop');
    const broken = JSON.parse(real.stdout);
    broken.result.steps[0].ended = 'finished';
    expect(ajv.getSchema('https://github.com/sfsync/sfsync/schemas/output/run.schema.json')?.(broken)).toBe(
      false,
    );
  });
});
