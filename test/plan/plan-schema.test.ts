import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/mapping/plan-load.js';
import { planOrder } from '../../src/mapping/plan-order.js';

const root = path.resolve(import.meta.dirname, '../..');
const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(JSON.parse(fs.readFileSync(path.join(root, 'schemas/mapping.schema.json'), 'utf8')));
const validate = ajv.compile(
  JSON.parse(fs.readFileSync(path.join(root, 'schemas/plan.schema.json'), 'utf8')),
);
const example = path.join(root, 'examples/plan/plan.yaml');

describe('schemas/plan.schema.json and the plan loader', () => {
  it('accepts the example plan, as the loader does, which orders it', () => {
    expect(validate(YAML.parse(fs.readFileSync(example, 'utf8'))), JSON.stringify(validate.errors)).toBe(
      true,
    );
    const plan = parsePlan(example, fs.readFileSync(example, 'utf8'));
    expect(planOrder(plan).map((s) => s.name)).toEqual([
      'accounts',
      'contacts',
      'opportunities',
      'products',
      'standard-prices',
      'price-books',
      'partner-prices',
      'line-items',
      'campaigns',
      'campaign-members',
      'leads',
      'queues',
      'tasks',
    ]);
  });

  it.each([
    ['no steps', 'steps: []\n', 'plan.yaml:1: a plan needs a list of steps'],
    [
      'an unknown step key',
      'steps:\n  - {name: a, file: a.csv, object: Account, operation: upsert, mach: Name}\n',
      'plan.yaml:2: step 1: unknown key "mach"',
    ],
    [
      'a bad operation',
      'steps:\n  - name: a\n    file: a.csv\n    object: Account\n    operation: insert\n',
      'plan.yaml:5: step "a": operation must be create, update, upsert, delete',
    ],
    [
      'a reference without a key',
      'steps:\n  - name: a\n    file: a.csv\n    object: Account\n    operation: upsert\n    references:\n      ParentId: {step: a, column: p}\n',
      'plan.yaml:7: step "a": ParentId needs key',
    ],
    [
      'a polymorphic reference without a key',
      'steps:\n  - name: t\n    file: t.csv\n    object: Task\n    operation: create\n    references:\n      WhoId: {steps: [t2], column: who}\n',
      'plan.yaml:7: step "t": WhoId needs key',
    ],
    [
      'a key with users only',
      'steps:\n  - name: t\n    file: t.csv\n    object: Task\n    operation: create\n    references:\n      OwnerId: {users: Username, key: Email, column: o}\n',
      'plan.yaml:7: step "t": OwnerId: key goes with steps or objects',
    ],
    [
      'a polymorphic reference with a misspelt key',
      'steps:\n  - name: t\n    file: t.csv\n    object: Task\n    operation: create\n    references:\n      WhoId: {objects: [Lead], key: Email, colum: who}\n',
      'plan.yaml:7: step "t": WhoId: unknown key "colum"',
    ],
    [
      'two steps of one name',
      'steps:\n  - {name: a, file: a.csv, object: Account, operation: upsert}\n  - {name: a, file: b.csv, object: Account, operation: upsert}\n',
      'plan.yaml:3: two steps are named "a"',
    ],
  ])('refuses %s, with its line, as the schema does', (what, text, message) => {
    // Names that repeat are beyond a schema.
    if (what !== 'two steps of one name') expect(validate(YAML.parse(text))).toBe(false);
    expect(() => parsePlan('plan.yaml', text)).toThrow(message);
  });
});
