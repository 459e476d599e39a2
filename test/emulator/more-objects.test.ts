import { describe, expect, it } from 'vitest';
import { PERSON_ACCOUNT_RECORD_TYPE_ID } from '../../src/emulator/metadata.js';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { conn } = useLocalOrg();

describe('more of the standard data model', () => {
  it('describes Task, Event, Campaign, CampaignMember, RecordType, Product2, Pricebook2, PricebookEntry, OpportunityLineItem and Group', async () => {
    const names = (await conn().describeGlobal()).sobjects.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Task',
        'Event',
        'Campaign',
        'CampaignMember',
        'RecordType',
        'Product2',
        'Pricebook2',
        'PricebookEntry',
        'OpportunityLineItem',
        'Group',
      ]),
    );
    const task = await conn().sobject('Task').describe();
    expect(task.keyPrefix).toBe('00T');
    expect(task.fields.find((f) => f.name === 'WhoId')).toMatchObject({ referenceTo: ['Contact', 'Lead'] });
    const contact = await conn().sobject('Contact').describe();
    expect(contact.childRelationships.find((r) => r.relationshipName === 'Tasks')).toMatchObject({
      childSObject: 'Task',
      field: 'WhoId',
    });
  });

  it('links tasks to a contact or a lead (polymorphic WhoId) and lists them in a subquery', async () => {
    const contact = await conn().sobject('Contact').create({ LastName: 'Tasked' });
    const lead = await conn().sobject('Lead').create({ LastName: 'Led', Company: 'Co' });
    const tasks = await conn()
      .sobject('Task')
      .create([
        { Subject: 'Call', WhoId: contact.id },
        { Subject: 'Email', WhoId: lead.id },
      ]);
    expect(tasks.every((t) => t.success)).toBe(true);
    const res = await conn().query<{ Tasks: { records: Array<{ Subject: string; Status: string }> } }>(
      `SELECT Id, (SELECT Subject, Status FROM Tasks) FROM Contact WHERE Id = '${contact.id}'`,
    );
    expect(res.records[0]?.Tasks.records).toMatchObject([{ Subject: 'Call', Status: 'Not Started' }]);
    const account = await conn().sobject('Account').create({ Name: 'Not a person' });
    const bad = await errorOf(conn().sobject('Task').create({ Subject: 'x', WhoId: account.id }));
    expect(bad.name).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('answers TYPEOF on the polymorphic What: fields per type of parent, ELSE for the others', async () => {
    const account = await conn().sobject('Account').create({ Name: 'Typed Co', Phone: '555-0100' });
    const opp = await conn()
      .sobject('Opportunity')
      .create({ Name: 'Typed deal', StageName: 'Prospecting', CloseDate: '2026-09-30', Amount: 500 });
    const campaign = await conn().sobject('Campaign').create({ Name: 'Typed campaign' });
    await conn()
      .sobject('Task')
      .create([
        { Subject: 'TYPEOF 1', WhatId: account.id },
        { Subject: 'TYPEOF 2', WhatId: opp.id },
        { Subject: 'TYPEOF 3', WhatId: campaign.id },
        { Subject: 'TYPEOF 4' },
      ]);
    const res = await conn().query<Record<string, unknown>>(
      "SELECT Subject, TYPEOF What WHEN Account THEN Name, Phone WHEN Opportunity THEN Amount ELSE Name END FROM Task WHERE Subject LIKE 'TYPEOF%' ORDER BY Subject",
    );
    const url = (t: string, id: string | undefined): string => `/services/data/v62.0/sobjects/${t}/${id}`;
    expect(res.records.map((r) => r.What)).toEqual([
      {
        attributes: { type: 'Account', url: url('Account', account.id) },
        Name: 'Typed Co',
        Phone: '555-0100',
      },
      { attributes: { type: 'Opportunity', url: url('Opportunity', opp.id) }, Amount: 500 },
      { attributes: { type: 'Campaign', url: url('Campaign', campaign.id) }, Name: 'Typed campaign' },
      null,
    ]);
    const err = await errorOf(conn().query('SELECT TYPEOF Account WHEN Account THEN Name END FROM Task'));
    expect(err.name).toBe('MALFORMED_QUERY');
  });

  it('keeps one campaign member per campaign and person: DUPLICATE_VALUE "Already a campaign member."', async () => {
    const campaign = await conn().sobject('Campaign').create({ Name: 'Spring' });
    const contact = await conn().sobject('Contact').create({ LastName: 'Member' });
    const first = await conn()
      .sobject('CampaignMember')
      .create({ CampaignId: campaign.id, ContactId: contact.id });
    expect(first.success).toBe(true);
    const again = await errorOf(
      conn().sobject('CampaignMember').create({ CampaignId: campaign.id, ContactId: contact.id }),
    );
    expect(again).toMatchObject({ name: 'DUPLICATE_VALUE', message: 'Already a campaign member.' });
  });

  it('has a standard price book; a custom price needs the standard price first', async () => {
    const std = await conn().query<{ Id: string }>('SELECT Id FROM Pricebook2 WHERE IsStandard = true');
    expect(std.totalSize).toBe(1);
    const standardId = std.records[0]?.Id as string;
    const product = await conn().sobject('Product2').create({ Name: 'Widget' });
    const custom = await conn().sobject('Pricebook2').create({ Name: 'Partners', IsActive: true });
    const early = await errorOf(
      conn()
        .sobject('PricebookEntry')
        .create({ Pricebook2Id: custom.id, Product2Id: product.id, UnitPrice: 8 }),
    );
    expect(early.name).toBe('STANDARD_PRICE_NOT_DEFINED');
    const standardEntry = await conn()
      .sobject('PricebookEntry')
      .create({ Pricebook2Id: standardId, Product2Id: product.id, UnitPrice: 10, IsActive: true });
    expect(standardEntry.success).toBe(true);
    const partnerEntry = await conn()
      .sobject('PricebookEntry')
      .create({ Pricebook2Id: custom.id, Product2Id: product.id, UnitPrice: 8, IsActive: true });
    expect(partnerEntry.success).toBe(true);

    const opp = await conn()
      .sobject('Opportunity')
      .create({ Name: 'Line deal', StageName: 'Prospecting', CloseDate: '2026-09-30' });
    const line = await conn()
      .sobject('OpportunityLineItem')
      .create({ OpportunityId: opp.id, PricebookEntryId: standardEntry.id, Quantity: 3, UnitPrice: 10 });
    expect(line.success).toBe(true);
    const read = await conn().query(
      `SELECT UnitPrice, TotalPrice, ListPrice, Product2Id FROM OpportunityLineItem WHERE Id = '${line.id}'`,
    );
    expect(read.records[0]).toMatchObject({
      UnitPrice: 10,
      TotalPrice: 30,
      ListPrice: 10,
      Product2Id: product.id,
    });
    const noEntry = await errorOf(
      conn().sobject('OpportunityLineItem').create({ OpportunityId: opp.id, Quantity: 1 }),
    );
    expect(noEntry.name).toBe('FIELD_INTEGRITY_EXCEPTION');
  });

  it('lists the Person Account record type as a RecordType row', async () => {
    const res = await conn().query(
      "SELECT Id, Name, IsPersonType FROM RecordType WHERE SobjectType = 'Account' AND DeveloperName = 'PersonAccount'",
    );
    expect(res.records).toMatchObject([
      { Id: PERSON_ACCOUNT_RECORD_TYPE_ID, Name: 'Person Account', IsPersonType: true },
    ]);
  });
});
