import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/mapping/plan-load.js';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

const STEPS = `steps:
  - {name: products, file: products.csv, object: Product2, operation: create, mapping: {fields: {ProductCode: code, Name: code}}}
  - name: prices
    file: prices.csv
    object: PricebookEntry
    operation: create
    mapping:
      fields:
        Product2Id: {step: products, key: ProductCode, column: product}
        Pricebook2Id: {standardPriceBook: true}
        UnitPrice: price
`;

const line = (key: string): string => `{step: prices, key: ${key}}`;

describe('plan check of references by a composite key', () => {
  it.each([
    [
      'a key of one field',
      `PricebookEntryId: ${line('{Product2Id: {step: products, key: ProductCode, column: product}}')}`,
      'plan.yaml:18: step "items": PricebookEntryId: a composite key names two fields or more',
    ],
    [
      'a part that is neither a reference, a column nor the standard price book',
      `PricebookEntryId: ${line('{Product2Id: 3, Pricebook2Id: {standardPriceBook: true}}')}`,
      'plan.yaml:18: step "items": PricebookEntryId: key: Product2Id must be a reference {step, key, column}, a column holding the value, or {standardPriceBook: true}',
    ],
    [
      'standardPriceBook: false',
      `PricebookEntryId: ${line('{Product2Id: product, Pricebook2Id: {standardPriceBook: false}}')}`,
      'plan.yaml:18: step "items": PricebookEntryId: key: Pricebook2Id: standardPriceBook must be true',
    ],
    [
      'every part fixed',
      `PricebookEntryId: ${line('{Pricebook2Id: {standardPriceBook: true}, UseStandardPrice: {standardPriceBook: true}}')}`,
      'every part of the key is fixed, so every record would refer to the same one',
    ],
    [
      'a step the plan does not have',
      'PricebookEntryId: {step: pricez, key: {Product2Id: product, Pricebook2Id: {standardPriceBook: true}}}',
      'step "items": PricebookEntryId refers to step "pricez", which the plan does not have',
    ],
  ])('refuses %s, naming the file, line, step and field', (_what, field, message) => {
    const text = `${STEPS}  - name: items\n    file: items.csv\n    object: OpportunityLineItem\n    operation: create\n    mapping:\n      fields:\n        ${field}\n`;
    expect(() => parsePlan('plan.yaml', text)).toThrow(message);
  });

  it('reads a composite key from references: beside a mapping file', () => {
    const mapping = env.write('m/items.mapping.yaml', 'fields: {Quantity: qty}\n');
    const text = `${STEPS}  - name: items\n    file: items.csv\n    object: OpportunityLineItem\n    operation: create\n    mapping: ${mapping}\n    references:\n      PricebookEntryId: ${line('{Pricebook2Id: {standardPriceBook: true}, Product2Id: {step: products, key: ProductCode, column: product}}')}\n`;
    const plan = parsePlan(`${env.dir()}/m/plan.yaml`, text);
    expect(plan.steps[2]?.composites).toMatchObject([
      {
        field: 'PricebookEntryId',
        step: 'prices',
        parts: [
          { field: 'Pricebook2Id', standardPriceBook: true },
          { field: 'Product2Id', ref: { step: 'products', key: 'ProductCode', column: 'product' } },
        ],
      },
    ]);
  });

  it('says every problem against the org at once: parts, fields, columns, objects', async () => {
    env.write('c/products.csv', 'code\nP-1\n');
    env.write('c/prices.csv', 'product,price\nP-1,10\n');
    env.write('c/items.csv', 'deal,product,qty\nD,P-1,1\n');
    env.write(
      'c/plan.yaml',
      `${STEPS}  - name: items
    file: items.csv
    object: OpportunityLineItem
    operation: create
    mapping:
      fields:
        Quantity: qty
        Product2Id: {standardPriceBook: true}
        PricebookEntryId:
          step: prices
          key:
            Product2Id: {step: products, key: ProductCode, column: product}
            Pricebook2Id: {standardPriceBook: true}
            UseStandardPrice: use_standard
        OpportunityId:
          step: prices
          key: {Product2Id: {step: products, key: Code, column: product}, Pricebook9Id: book}
`,
    );
    const r = await env.sfsync(['plan', 'check', 'c/plan.yaml', '--json']);
    expect(r.code).toBe(1);
    const { code, message } = r.json().error;
    expect(code).toBe('PLAN_INVALID');
    const lines = (message as string).split('\n').slice(1);
    const plan = `${env.dir()}/c/plan.yaml`;
    expect(lines).toEqual([
      `  ${plan}:19: step "items": Product2Id: OpportunityLineItem has no reference field Product2Id to a price book (Pricebook2)`,
      `  ${plan}:21: step "items": PricebookEntryId: items.csv has no column use_standard (a part of the key of PricebookEntryId)`,
      `  ${plan}:21: step "items": PricebookEntryId: step "prices" does not set UseStandardPrice, so its records cannot be found by it (its key: UseStandardPrice)`,
      `  ${plan}:27: step "items": OpportunityId: OpportunityId refers to Opportunity, not to PricebookEntry (step "prices")`,
      `  ${plan}:12: step "items": OpportunityId: OpportunityLineItem.OpportunityId is required to create a record, and nothing maps to it`,
    ]);
  });
});
