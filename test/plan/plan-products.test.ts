import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

// Products, their standard and partner prices, and line items priced from the partner book: each line item's entry
// found by a composite key (the product and the price book, both references resolved first).
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
  - name: books
    file: books.csv
    object: Pricebook2
    operation: create
    mapping: {fields: {Name: name, IsActive: {value: true}}}
  - name: partner-prices
    file: partner.csv
    object: PricebookEntry
    operation: create
    mapping:
      fields:
        Product2Id: {step: products, key: ProductCode, column: product}
        Pricebook2Id: {step: books, key: Name, column: book}
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
          step: partner-prices
          key:
            Product2Id: {step: products, key: ProductCode, column: product}
            Pricebook2Id: {step: books, key: Name, column: book}
        Quantity: qty
        TotalPrice: {value: 100}
`;

function writePlan(dir: string): void {
  env.write(`${dir}/plan.yaml`, PLAN);
  env.write(`${dir}/products.csv`, 'code,name\nP-A,Alpha\nP-B,Beta\nP-C,Gamma\n');
  // Gamma has no standard price: its partner price is refused (STANDARD_PRICE_NOT_DEFINED).
  env.write(`${dir}/standard.csv`, 'product,price\nP-A,100\nP-B,200\n');
  env.write(`${dir}/books.csv`, 'name\nPartner\n');
  env.write(`${dir}/partner.csv`, 'product,book,price\nP-A,Partner,80\nP-B,Partner,150\nP-C,Partner,10\n');
  env.write(`${dir}/deals.csv`, 'name\nBig deal\n');
  env.write(
    `${dir}/lines.csv`,
    'deal,product,book,qty\nBig deal,P-A,Partner,2\nBig deal,P-B,Partner,1\nBig deal,P-C,Partner,5\nBig deal,P-Z,Partner,1\n',
  );
}

const counts = (r: { json: () => any }): unknown =>
  r.json().result.steps.map((s: any) => [s.step, s.counts.created, s.counts.failed]);

describe('plans with products, price book entries and line items', () => {
  it('finds each line item its entry by product and price book, from memory; the dry run predicts it', async () => {
    writePlan('pb');
    const dry = await env.sfsync(['run', 'pb/plan.yaml', '--dry-run', '--results', 'out/dry', '--json']);
    const real = await env.sfsync(['run', 'pb/plan.yaml', '--results', 'out/run', '--json']);
    expect(real.code, real.stderr).toBe(2);
    // The dry run cannot know the org refuses Gamma's partner price (no standard price): it predicts the rest.
    expect(counts(dry)).toEqual([
      ['products', 3, 0],
      ['standard-prices', 2, 0],
      ['books', 1, 0],
      ['partner-prices', 3, 0],
      ['deals', 1, 0],
      ['line-items', 3, 1],
    ]);
    expect(counts(real)).toEqual([
      ['products', 3, 0],
      ['standard-prices', 2, 0],
      ['books', 1, 0],
      ['partner-prices', 2, 1],
      ['deals', 1, 0],
      ['line-items', 2, 2],
    ]);
    const payloads = fs
      .readFileSync(path.join(env.dir(), 'out/dry/line-items/payloads.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).payload.PricebookEntryId);
    expect(payloads).toEqual([
      '(created by partner-prices line 2)',
      '(created by partner-prices line 3)',
      '(created by partner-prices line 4)',
    ]);
    const refused = readResultCsv(path.join(env.dir(), 'out/run/partner-prices/failures.csv'));
    expect(refused.map((r) => r.error_code)).toEqual(['STANDARD_PRICE_NOT_DEFINED']);
    const failed = readResultCsv(path.join(env.dir(), 'out/run/line-items/failures.csv'));
    expect(failed.map((r) => [r.line, r.error_code, r.error_message])).toEqual([
      [
        '4',
        'PARENT_FAILED',
        expect.stringMatching(
          /^PricebookEntryId: the partner-prices record with Pricebook2Id = 01s\w+ \(Name Partner\) and Product2Id = 01t\w+ \(ProductCode P-C\) \(partner\.csv line 4\) failed, so this record was not sent$/,
        ),
      ],
      [
        '5',
        'LOOKUP_NOT_FOUND',
        'PricebookEntryId: no Product2 with ProductCode = P-Z (a part of its key), so no PricebookEntry can be found',
      ],
    ]);
    const lines = await env.query(
      'SELECT PricebookEntry.Product2.ProductCode, PricebookEntry.Pricebook2.Name, Opportunity.Pricebook2.Name FROM OpportunityLineItem ORDER BY Quantity',
    );
    expect(
      lines.map((l) => [
        l.PricebookEntry.Product2.ProductCode,
        l.PricebookEntry.Pricebook2.Name,
        l.Opportunity.Pricebook2.Name,
      ]),
    ).toEqual([
      ['P-B', 'Partner', 'Partner'],
      ['P-A', 'Partner', 'Partner'],
    ]);
  });

  it('undoes line items before entries, entries before products, and never the standard price book', async () => {
    const undo = await env.sfsync(['undo', 'out/run', '--json']);
    expect(undo.code, undo.stdout).toBe(0);
    expect(undo.json().result.steps.map((s: any) => s.step)).toEqual([
      'line-items',
      'deals',
      'partner-prices',
      'books',
      'standard-prices',
      'products',
    ]);
    for (const object of ['OpportunityLineItem', 'PricebookEntry', 'Product2', 'Opportunity'])
      expect(await env.query(`SELECT Id FROM ${object}`), object).toEqual([]);
    expect(await env.query('SELECT Name FROM Pricebook2')).toMatchObject([{ Name: 'Standard Price Book' }]);
  });
});
