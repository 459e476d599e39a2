import { describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { conn } = useLocalOrg();

// Salesforce checks the type of the record a polymorphic reference names against the field's referenceTo.
describe('polymorphic references (WhoId, WhatId, OwnerId)', () => {
  it('takes an Id of an object the field refers to, and refuses the others with FIELD_INTEGRITY_EXCEPTION', async () => {
    const contact = await conn().sobject('Contact').create({ LastName: 'Poly' });
    const account = await conn().sobject('Account').create({ Name: 'Poly Co' });
    const queue = await conn().sobject('Group').create({ Name: 'Poly Queue', Type: 'Queue' });
    const ok = await conn()
      .sobject('Task')
      .create({ Subject: 'ok', WhoId: contact.id, WhatId: account.id, OwnerId: queue.id });
    expect(ok.success).toBe(true);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['Task', { Subject: 'who', WhoId: account.id }],
      ['Task', { Subject: 'what', WhatId: contact.id }],
      ['Task', { Subject: 'owner', OwnerId: contact.id }],
      ['Account', { Name: 'queue-owned', OwnerId: queue.id }],
    ];
    for (const [object, body] of cases) {
      const err = await errorOf(conn().sobject(object).create(body));
      expect([object, body, err.name]).toEqual([object, body, 'FIELD_INTEGRITY_EXCEPTION']);
    }
  });
});
