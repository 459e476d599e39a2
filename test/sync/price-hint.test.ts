import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

const PLAN = `steps:
  - name: products
    file: products.csv
    object: Product2
    operation: upsert
    mapping:
      match: {fields: [ProductCode], allowSharedKeys: true}
      fields: {ProductCode: code, Name: name, IsActive: {value: true}}
  - name: standard-prices
    file: standard.csv
    object: PricebookEntry
    operation: create
    mapping:
      fields:
        Product2Id: {step: products, key: ProductCode, column: product}
        Pricebook2Id: {standardPriceBook: true}
        UnitPrice: price
        IsActive: {value: true}
  - name: deals
    file: deals.csv
    object: Opportunity
    operation: create
    mapping: {fields: {Name: name, StageName: {value: Prospecting}, CloseDate: {value: 2026-12-31}}}
  - name: line-items
    file: lines.csv
    object: OpportunityLineItem
    operation: create
    mapping:
      fields:
        OpportunityId: {step: deals, key: Name, column: deal}
        PricebookEntryId:
          step: standard-prices
          key:
            Product2Id: {step: products, key: ProductCode, column: product}
            Pricebook2Id: {standardPriceBook: true}
        Quantity: qty
        TotalPrice: {value: 100}
`;

describe('a line item whose product has no price', () => {
  it('says to add a standard price entry for the product', async () => {
    env.write('ph/plan.yaml', PLAN);
    env.write('ph/products.csv', 'code,name\nH-A,Alpha\nH-B,Beta\n');
    env.write('ph/standard.csv', 'product,price\nH-A,100\n');
    env.write('ph/deals.csv', 'name\nHint deal\n');
    env.write('ph/lines.csv', 'deal,product,qty\nHint deal,H-A,1\nHint deal,H-B,1\n');
    const r = await env.sfsync(['run', 'ph/plan.yaml', '--results', 'out/ph']);
    expect(r.code, r.stderr).toBe(2);
    const failed = readResultCsv(path.join(env.dir(), 'out/ph/line-items/failures.csv'));
    expect(failed.map((f) => [f.line, f.error_code])).toEqual([['3', 'LOOKUP_NOT_FOUND']]);
    expect(failed[0]?.error_message).toMatch(
      /no PricebookEntry has .*: add a PricebookEntry for that product in that price book \(the product needs one in the standard price book first/,
    );
  });
});
