import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

/** Seeds a record straight into the local org, as data already there. */
function seed(object: string, body: Record<string, unknown>): string {
  const r = env.org().store.create(object, body);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.id as string;
}

async function rest(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(`${env.org().instanceUrl}/services/data/v62.0${url}`, {
    method,
    headers: { Authorization: `Bearer ${env.org().accessToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.status === 204 ? null : res.json();
}

const PLAN = `steps:
  - name: products
    file: products.csv
    object: Product2
    operation: create
    mapping: {fields: {ProductCode: code, Name: code, IsActive: {value: true}}}
  - name: prices
    file: prices.csv
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
  - name: lines
    file: lines.csv
    object: OpportunityLineItem
    operation: create
    mapping:
      fields:
        OpportunityId: {step: deals, key: Name, column: deal}
        PricebookEntryId:
          step: prices
          key:
            Product2Id: {step: products, key: ProductCode, column: product}
            Pricebook2Id: {standardPriceBook: true}
        Quantity: qty
        UnitPrice: {value: 1}
`;

describe('references by a composite key to records already in the org', () => {
  let standard = '';
  let oldEntry = '';
  let resellerEntry = '';

  it('finds the entries the plan did not load in the org, by product and price book; the dry run too', async () => {
    standard = (await env.query('SELECT Id FROM Pricebook2 WHERE IsStandard = true'))[0]?.Id as string;
    const product = seed('Product2', { Name: 'Old', ProductCode: 'P-OLD', IsActive: true });
    oldEntry = seed('PricebookEntry', {
      Product2Id: product,
      Pricebook2Id: standard,
      UnitPrice: 5,
      IsActive: true,
    });
    const resellers = seed('Pricebook2', { Name: 'Resellers', IsActive: true });
    resellerEntry = seed('PricebookEntry', {
      Product2Id: product,
      Pricebook2Id: resellers,
      UnitPrice: 4,
      IsActive: true,
    });
    env.write('o/plan.yaml', PLAN);
    env.write('o/products.csv', 'code\nP-NEW\n');
    env.write('o/prices.csv', 'product,price\nP-NEW,50\n');
    env.write('o/deals.csv', 'name\nNew deal\n');
    env.write('o/lines.csv', 'deal,product,qty\nNew deal,P-OLD,3\nNew deal,P-NEW,1\n');
    const dry = await env.sfsync(['run', 'o/plan.yaml', '--dry-run', '--results', 'out/dry', '--json']);
    expect(dry.code, dry.stdout).toBe(0);
    const payloads = fs
      .readFileSync(path.join(env.dir(), 'out/dry/lines/payloads.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).payload.PricebookEntryId);
    expect(payloads).toEqual([oldEntry, '(created by prices line 2)']);
    const real = await env.sfsync(['run', 'o/plan.yaml', '--results', 'out/run', '--json']);
    expect(real.code, real.stdout).toBe(0);
    const created = readResultCsv(path.join(env.dir(), 'out/run/prices/success.csv'))[0]?.id;
    const lines = await env.query(
      'SELECT PricebookEntryId, Opportunity.Pricebook2Id FROM OpportunityLineItem ORDER BY Quantity DESC',
    );
    expect(lines.map((l) => [l.PricebookEntryId, l.Opportunity.Pricebook2Id])).toEqual([
      [oldEntry, standard],
      [created, standard],
    ]);
  });

  it('resumed after the entries were written: the key maps are read back from their result files', async () => {
    // As if killed before its last step: the line items neither in the org nor in the results.
    for (const { Id } of await env.query('SELECT Id FROM OpportunityLineItem'))
      env.org().store.delete(Id as string);
    fs.rmSync(path.join(env.dir(), 'out/run/lines'), { recursive: true });
    fs.rmSync(path.join(env.dir(), 'out/run/plan-summary.json'));
    const resumed = await env.sfsync(['run', 'o/plan.yaml', '--resume', '--results', 'out/run', '--json']);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.json().result.steps.map((s: any) => s.ended)).toEqual([
      'done before',
      'done before',
      'done before',
      'completed',
    ]);
    const created = readResultCsv(path.join(env.dir(), 'out/run/prices/success.csv'))[0]?.id;
    const lines = await env.query('SELECT PricebookEntryId FROM OpportunityLineItem ORDER BY Quantity DESC');
    expect(lines.map((l) => l.PricebookEntryId)).toEqual([oldEntry, created]);
  });

  it('keeps an opportunity to one price book, active entries, and the standard price book', async () => {
    const deal = (await env.query("SELECT Id FROM Opportunity WHERE Name = 'New deal'"))[0]?.Id as string;
    const other = await rest('POST', '/sobjects/OpportunityLineItem', {
      OpportunityId: deal,
      PricebookEntryId: resellerEntry,
      Quantity: 1,
      UnitPrice: 1,
    });
    expect(other).toEqual([
      {
        errorCode: 'FIELD_INTEGRITY_EXCEPTION',
        message:
          'field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the one assigned to the opportunity)',
        fields: ['PricebookEntryId'],
      },
    ]);
    await rest('PATCH', `/sobjects/PricebookEntry/${oldEntry}`, { IsActive: false });
    const inactive = await rest('POST', '/sobjects/OpportunityLineItem', {
      OpportunityId: deal,
      PricebookEntryId: oldEntry,
      Quantity: 1,
      UnitPrice: 1,
    });
    expect(inactive[0]).toMatchObject({
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      message: 'field integrity exception: PricebookEntryId (pricebook entry is inactive)',
    });
    // Product2Id alone: the product's entry in the opportunity's price book.
    const product = (await env.query("SELECT Id FROM Product2 WHERE ProductCode = 'P-NEW'"))[0]?.Id as string;
    const byProduct = await rest('POST', '/sobjects/OpportunityLineItem', {
      OpportunityId: deal,
      Product2Id: product,
      Quantity: 2,
      TotalPrice: 90,
    });
    expect(byProduct.success).toBe(true);
    const noPrice = await rest('POST', '/sobjects/OpportunityLineItem', {
      OpportunityId: deal,
      Product2Id: product,
      Quantity: 2,
    });
    expect(noPrice[0]).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['TotalPrice'] });
    const read = await rest('GET', `/sobjects/OpportunityLineItem/${byProduct.id}`);
    expect(read).toMatchObject({ Product2Id: product, ListPrice: 50, UnitPrice: 45, TotalPrice: 90 });
    expect(await rest('DELETE', `/sobjects/Pricebook2/${standard}`)).toEqual([
      { errorCode: 'DELETE_FAILED', message: 'Cannot delete the standard price book', fields: [] },
    ]);
  });
});
