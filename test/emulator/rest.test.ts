import { describe, expect, it } from 'vitest';
import { normalizeId } from '../../src/emulator/ids.js';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

async function raw(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${org().instanceUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

describe('versions, resources and describe', () => {
  it('lists versions without authentication, ascending, with labels', async () => {
    const res = await fetch(`${org().instanceUrl}/services/data/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.headers.get('sforce-limit-info')).toBeNull();
    const versions = (await res.json()) as Array<{ version: string; label: string; url: string }>;
    expect(versions.at(-1)).toEqual({ label: "Summer '26", url: '/services/data/v67.0', version: '67.0' });
    expect(versions.find((v) => v.version === '62.0')?.label).toBe("Winter '25");
    expect(versions.find((v) => v.version === '42.0')?.label).toBe('Spring ’18');
    expect(versions.find((v) => v.version === '59.0')?.label).toBe("Winter '24");
    expect(versions.find((v) => v.version === '61.0')?.label).toBe("Summer '24");
    expect(versions[0]).toEqual({ label: "Summer '14", url: '/services/data/v31.0', version: '31.0' });
  });

  it('answers describeGlobal and describe through jsforce, with every field key', async () => {
    const global = await conn().describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Account', 'Contact', 'Lead', 'Opportunity', 'Case', 'User', 'Project__c']),
    );
    const contact = await conn().sobject('Contact').describe();
    const email = contact.fields.find((f) => f.name === 'Email');
    expect(Object.keys(email ?? {})).toHaveLength(57);
    expect(email).toMatchObject({ type: 'email', filterable: true, idLookup: true, nillable: true });
    const lastName = contact.fields.find((f) => f.name === 'LastName');
    expect(lastName).toMatchObject({ createable: true, nillable: false, defaultedOnCreate: false });
    const caseDescription = (await conn().sobject('Case').describe()).fields.find(
      (f) => f.name === 'Description',
    );
    expect(caseDescription).toMatchObject({ type: 'textarea', filterable: false });
    const account = await conn().sobject('Account').describe();
    expect(account.fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['FirstName', 'LastName', 'PersonEmail', 'IsPersonAccount', 'External_Id__c']),
    );
    expect(account.fields.find((f) => f.name === 'External_Id__c')).toMatchObject({
      externalId: true,
      unique: true,
      custom: true,
      filterable: true,
    });
  });

  it('serves every version through the current release with the same describe', async () => {
    const at = async (v: string): Promise<Record<string, unknown>> =>
      (await raw('GET', `/services/data/v${v}/sobjects/Contact/describe`)).json as Record<string, unknown>;
    const [old, current] = await Promise.all([at('62.0'), at('67.0')]);
    expect(current.fields).toEqual(old.fields);
    expect(current.urls).toMatchObject({ describe: '/services/data/v67.0/sobjects/Contact/describe' });
    expect((await raw('GET', '/services/data/v68.0/sobjects')).status).toBe(404);
  });

  it('describes the example custom object, with a non-filterable long text field', async () => {
    const project = await conn().sobject('Project__c').describe();
    expect(project.custom).toBe(true);
    expect(project.keyPrefix).toMatch(/^a0/);
    expect(project.fields.find((f) => f.name === 'Notes__c')).toMatchObject({
      filterable: false,
      extraTypeInfo: 'plaintextarea',
    });
    expect(project.fields.find((f) => f.name === 'Account__c')).toMatchObject({
      referenceTo: ['Account'],
      relationshipName: 'Account__r',
    });
  });

  it('answers 404 NOT_FOUND for an unknown object and path', async () => {
    expect(await raw('GET', '/services/data/v62.0/sobjects/Nope__c/describe')).toMatchObject({
      status: 404,
      json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
    });
    expect((await raw('GET', '/services/data/v62.0/nothing-here')).status).toBe(404);
    expect((await raw('GET', '/services/data/v99.0/sobjects')).status).toBe(404);
  });

  it('advertises only the resources it serves, each answering', async () => {
    const list = (await raw('GET', '/services/data/v62.0/')).json as Record<string, string>;
    expect(Object.keys(list).sort()).toEqual(
      ['composite', 'identity', 'jobs', 'limits', 'query', 'queryAll', 'sobjects'].sort(),
    );
    for (const name of ['composite', 'limits', 'sobjects']) {
      expect((await raw('GET', list[name] as string)).status, name).toBe(200);
    }
    for (const name of ['query', 'queryAll']) {
      expect((await raw('GET', `${list[name]}?q=SELECT+Id+FROM+Account`)).status, name).toBe(200);
    }
    expect((await raw('GET', `${list.jobs}/ingest`)).status).toBe(200);
    expect((await raw('GET', '/services/data/v62.0/tooling')).json).toEqual([
      { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
    ]);
  });

  it('refuses a missing or bad token with 401 INVALID_SESSION_ID', async () => {
    const res = await fetch(`${org().instanceUrl}/services/data/v62.0/sobjects`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
  });
});

describe('single records', () => {
  it('creates (201), reads, updates (204) and deletes (204); then the record is deleted', async () => {
    const created = await raw('POST', '/services/data/v62.0/sobjects/Account', {
      Name: 'Acme',
      NumberOfEmployees: 12,
    });
    expect(created.status).toBe(201);
    const id = (created.json as { id: string }).id;
    expect(created.json).toEqual({ id, success: true, errors: [] });
    expect(normalizeId(id)).toBe(id);
    expect(id.startsWith('001')).toBe(true);

    const read = await conn().sobject('Account').retrieve(id);
    expect(read).toMatchObject({ Id: id, Name: 'Acme', NumberOfEmployees: 12, IsDeleted: false });
    expect((read as unknown as { CreatedDate: string }).CreatedDate).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/,
    );

    const updated = await raw('PATCH', `/services/data/v62.0/sobjects/Account/${id}`, { Name: 'Acme Corp' });
    expect(updated.status).toBe(204);
    expect(await conn().sobject('Account').retrieve(id)).toMatchObject({ Name: 'Acme Corp' });

    expect((await raw('DELETE', `/services/data/v62.0/sobjects/Account/${id}`)).status).toBe(204);
    expect(await raw('GET', `/services/data/v62.0/sobjects/Account/${id}`)).toMatchObject({
      status: 404,
      json: [{ errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }],
    });
    const all = await conn().query(`SELECT Id, IsDeleted FROM Account WHERE Id = '${id}'`, { scanAll: true });
    expect(all.records).toMatchObject([{ Id: id, IsDeleted: true }]);
  });

  it.each([
    [
      'an unknown field',
      'Account',
      { Name: 'x', Foo__c: 1 },
      'INVALID_FIELD',
      "No such column 'Foo__c' on sobject of type Account",
    ],
    [
      'a missing required field',
      'Contact',
      { FirstName: 'x' },
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [LastName]',
    ],
    [
      'two missing required fields',
      'Lead',
      { FirstName: 'x' },
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [LastName, Company]',
    ],
    [
      'a read-only field',
      'Account',
      { Name: 'x', CreatedDate: '2020-01-01T00:00:00Z' },
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      'Unable to create fields: CreatedDate',
    ],
    ['a too long string', 'Account', { Name: 'x'.repeat(256) }, 'STRING_TOO_LONG', '(max length=255)'],
    [
      'a bad number',
      'Account',
      { Name: 'x', NumberOfEmployees: 'many' },
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of int',
    ],
    [
      'a bad date',
      'Opportunity',
      { Name: 'x', StageName: 'Prospecting', CloseDate: '2024-02-30' },
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of date',
    ],
    [
      'a bad boolean',
      'Contact',
      { LastName: 'x', DoNotCall: 'maybe' },
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of boolean',
    ],
    [
      'a bad email',
      'Contact',
      { LastName: 'x', Email: 'not-an-email' },
      'INVALID_EMAIL_ADDRESS',
      'Email: invalid email address: not-an-email',
    ],
    [
      'a restricted picklist value',
      'Project__c',
      { Name: 'p', Status__c: 'Lost' },
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      'bad value for restricted picklist field: Lost',
    ],
    [
      'a malformed lookup id',
      'Contact',
      { LastName: 'x', AccountId: 'abc' },
      'MALFORMED_ID',
      'id value of incorrect type: abc',
    ],
    [
      'an Id on insert',
      'Account',
      { Name: 'x', Id: '001D000000IqhSLIAZ' },
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      'cannot specify Id in an insert call',
    ],
    [
      'a Person Account field on a business account',
      'Account',
      { Name: 'x', PersonEmail: 'a@b.co' },
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      'Business Account may not use Person Account field PersonEmail',
    ],
  ])('refuses %s with %s', async (_title, object, body, code, message) => {
    const res = await raw('POST', `/services/data/v62.0/sobjects/${object}`, body);
    expect(res.status).toBe(400);
    const [error] = res.json as Array<{ errorCode: string; message: string }>;
    expect(error?.errorCode).toBe(code);
    expect(error?.message).toContain(message);
    // jsforce drops an Id from create bodies itself, so that case is only checked on the wire.
    if (!('Id' in body)) expect((await errorOf(conn().sobject(object).create(body))).name).toBe(code);
  });

  it('answers JSON_PARSER_ERROR for a body that is not JSON', async () => {
    const res = await raw('POST', '/services/data/v62.0/sobjects/Account', '{Name: x}');
    expect(res.status).toBe(400);
    expect((res.json as Array<{ errorCode: string }>)[0]?.errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('creates a Person Account from LastName, with its compound Name', async () => {
    const r = await conn()
      .sobject('Account')
      .create({ FirstName: 'Ada', LastName: 'Lovelace', PersonEmail: 'ada@example.com' });
    expect(r.success).toBe(true);
    const row = await conn()
      .sobject('Account')
      .retrieve(r.id as string);
    expect(row).toMatchObject({
      Name: 'Ada Lovelace',
      IsPersonAccount: true,
      PersonEmail: 'ada@example.com',
    });
    expect(await errorOf(conn().sobject('Account').create({ Phone: '1' }))).toMatchObject({
      name: 'REQUIRED_FIELD_MISSING',
    });
  });

  it('links a parent by external ID in the body, and refuses an unknown one', async () => {
    await conn().sobject('Account').create({ Name: 'Parent', External_Id__c: 'P-1' });
    const c = await conn()
      .sobject('Contact')
      .create({ LastName: 'Child', Account: { External_Id__c: 'p-1' } });
    const rows = await conn().query(`SELECT Account.External_Id__c FROM Contact WHERE Id = '${c.id}'`);
    expect(rows.records[0]).toMatchObject({ Account: { External_Id__c: 'P-1' } });
    const missing = await errorOf(
      conn()
        .sobject('Contact')
        .create({ LastName: 'Orphan', Account: { External_Id__c: 'nope' } }),
    );
    expect(missing.name).toBe('INVALID_FIELD');
    expect(missing.message).toBe(
      'Foreign key external ID: nope not found for field External_Id__c in entity Account',
    );
  });

  it('keeps unique external IDs unique (DUPLICATE_VALUE), case-insensitively', async () => {
    const a = await conn().sobject('Account').create({ Name: 'U1', External_Id__c: 'UNIQ-1' });
    const dup = await errorOf(conn().sobject('Account').create({ Name: 'U2', External_Id__c: 'uniq-1' }));
    expect(dup.name).toBe('DUPLICATE_VALUE');
    expect(dup.message).toBe(
      `duplicate value found: External_Id__c duplicates value on record with id: ${a.id}`,
    );
  });
});

describe('upsert by external ID', () => {
  it('creates (201), updates (200, created:false), and answers 300 when several match', async () => {
    const path = '/services/data/v62.0/sobjects/Contact/External_Id__c/C-100';
    const first = await raw('PATCH', path, { LastName: 'First' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ success: true, errors: [], created: true });
    const second = await raw('PATCH', path, { LastName: 'Second' });
    expect(second).toMatchObject({
      status: 200,
      json: { id: (first.json as { id: string }).id, created: false },
    });
    const old = await raw('PATCH', '/services/data/v45.0/sobjects/Contact/External_Id__c/C-100', {
      LastName: 'Third',
    });
    expect(old.status).toBe(204);

    // Email is an idLookup field of a standard object: usable for upsert, and not unique.
    await conn()
      .sobject('Contact')
      .create([
        { LastName: 'Twin A', Email: 'twin@example.com' },
        { LastName: 'Twin B', Email: 'twin@example.com' },
      ]);
    const ambiguous = await raw('PATCH', '/services/data/v62.0/sobjects/Contact/Email/twin@example.com', {
      LastName: 'Z',
    });
    expect(ambiguous.status).toBe(300);
    expect(ambiguous.json).toEqual([
      expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Contact\/003/),
      expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Contact\/003/),
    ]);
    const viaJsforce = await errorOf(
      conn().sobject('Contact').upsert({ LastName: 'Z', Email: 'twin@example.com' }, 'Email'),
    );
    expect(viaJsforce.name).toBe('MULTIPLE_CHOICES');
  });

  it('answers 404 for a field that is not an external ID', async () => {
    const res = await raw('PATCH', '/services/data/v62.0/sobjects/Contact/LastName/x', { FirstName: 'y' });
    expect(res).toMatchObject({
      status: 404,
      json: [
        {
          errorCode: 'NOT_FOUND',
          message: 'Provided external ID field does not exist or is not accessible: LastName',
        },
      ],
    });
  });

  it('upserts through jsforce with created true, then false', async () => {
    const a = await conn()
      .sobject('Project__c')
      .upsert({ Name: 'P', Code__c: 'PRJ-1', Budget__c: 10.5 }, 'Code__c');
    expect(a).toMatchObject({ success: true, created: true });
    const b = await conn().sobject('Project__c').upsert({ Name: 'P2', Code__c: 'PRJ-1' }, 'Code__c');
    expect(b).toMatchObject({ success: true, created: false });
  });
});

describe('sObject Collections', () => {
  it('creates with partial failure: one result per record, in order, with statusCode', async () => {
    const res = await raw('POST', '/services/data/v62.0/composite/sobjects', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Contact' }, LastName: 'Ok' },
        { attributes: { type: 'Contact' }, FirstName: 'NoLast' },
        { attributes: { type: 'Account' }, Name: 'Mixed types' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { id: expect.stringMatching(/^003/), success: true, errors: [] },
      {
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [LastName]',
            fields: ['LastName'],
          },
        ],
      },
      { id: expect.stringMatching(/^001/), success: true, errors: [] },
    ]);
  });

  it('rolls everything back with allOrNone', async () => {
    const before = org().store.count('Lead');
    const res = await raw('POST', '/services/data/v62.0/composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Lead' }, LastName: 'A', Company: 'C' },
        { attributes: { type: 'Lead' }, LastName: 'B' },
      ],
    });
    expect(res.json).toEqual([
      {
        id: expect.stringMatching(/^00Q/),
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message:
              'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: [],
          },
        ],
      },
      { success: false, errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })] },
    ]);
    expect(org().store.count('Lead')).toBe(before);
  });

  it('updates and deletes by id, reporting bad ids per record', async () => {
    const created = await conn()
      .sobject('Contact')
      .create([{ LastName: 'U1' }, { LastName: 'U2' }]);
    const ids = created.map((r) => r.id as string);
    const upd = await conn()
      .sobject('Contact')
      .update([
        { Id: ids[0] as string, Title: 'CEO' },
        { Id: '003000000000000AAA', Title: 'x' },
      ]);
    expect(upd[0]).toMatchObject({ success: true });
    expect(upd[1]).toMatchObject({
      success: false,
      errors: [expect.objectContaining({ statusCode: 'MALFORMED_ID' })],
    });
    const del = await conn().sobject('Contact').destroy(ids);
    expect(del.every((r) => r.success)).toBe(true);
    const again = await conn()
      .sobject('Contact')
      .destroy([ids[0] as string]);
    expect(again[0]).toMatchObject({
      success: false,
      errors: [expect.objectContaining({ statusCode: 'ENTITY_IS_DELETED' })],
    });
  });

  it('upserts by external ID with created flags and per-record duplicates', async () => {
    await conn().sobject('Account').create({ Name: 'Existing', External_Id__c: 'COL-1' });
    const res = await raw('PATCH', '/services/data/v62.0/composite/sobjects/Account/External_Id__c', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Name: 'Updated', External_Id__c: 'COL-1' },
        { attributes: { type: 'Account' }, Name: 'New', External_Id__c: 'COL-2' },
        { attributes: { type: 'Account' }, Name: 'Dup A', External_Id__c: 'COL-3' },
        { attributes: { type: 'Account' }, Name: 'Dup B', External_Id__c: 'COL-3' },
      ],
    });
    expect(res.json).toMatchObject([
      { success: true, created: false },
      { success: true, created: true },
      {
        success: false,
        errors: [{ statusCode: 'DUPLICATE_VALUE', message: 'Duplicate external id specified: COL-3' }],
      },
      { success: false, errors: [{ statusCode: 'DUPLICATE_VALUE' }] },
    ]);
  });

  it('carries created on every upsert result: false on failures and under an allOrNone rollback', async () => {
    const partial = await raw('PATCH', '/services/data/v62.0/composite/sobjects/Account/External_Id__c', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Name: 'Created', External_Id__c: 'CR-1' },
        { attributes: { type: 'Account' }, External_Id__c: 'CR-2' },
      ],
    });
    expect(partial.json).toEqual([
      { id: expect.stringMatching(/^001/), success: true, errors: [], created: true },
      {
        success: false,
        errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })],
        created: false,
      },
    ]);
    const rolledBack = await conn()
      .sobject('Account')
      .upsert([{ Name: 'Rolled', External_Id__c: 'CR-3' }, { External_Id__c: 'CR-4' }], 'External_Id__c', {
        allOrNone: true,
      });
    expect(rolledBack).toEqual([
      {
        id: expect.stringMatching(/^001/),
        success: false,
        errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })],
        created: false,
      },
      {
        success: false,
        errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING' })],
        created: false,
      },
    ]);
    expect((await conn().query("SELECT Id FROM Account WHERE External_Id__c = 'CR-3'")).totalSize).toBe(0);
  });

  it('refuses more than 200 records with 400 EXCEEDED_ID_LIMIT', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({
      attributes: { type: 'Contact' },
      LastName: `L${i}`,
    }));
    const res = await raw('POST', '/services/data/v62.0/composite/sobjects', { records });
    expect(res).toMatchObject({
      status: 400,
      json: [
        {
          errorCode: 'EXCEEDED_ID_LIMIT',
          message: 'record limit reached. cannot submit more than 200 records into this call',
        },
      ],
    });
  });
});

describe('sObject Tree (composite/tree, as sf data import tree uses it)', () => {
  it('creates parents and nested children, parents first in the results (201)', async () => {
    const res = await raw('POST', '/services/data/v62.0/composite/tree/Account', {
      records: [
        {
          attributes: { type: 'Account', referenceId: 'ref1' },
          Name: 'Tree Co',
          Contacts: {
            records: [
              {
                attributes: { type: 'Contact', referenceId: 'ref2' },
                LastName: 'Leaf',
                Email: 'leaf@tree.test',
              },
            ],
          },
        },
        { attributes: { type: 'Account', referenceId: 'ref3' }, Name: 'Tree Two' },
      ],
    });
    expect(res).toMatchObject({
      status: 201,
      json: {
        hasErrors: false,
        results: [
          { referenceId: 'ref1', id: expect.stringMatching(/^001/) },
          { referenceId: 'ref3', id: expect.stringMatching(/^001/) },
          { referenceId: 'ref2', id: expect.stringMatching(/^003/) },
        ],
      },
    });
    const results = (res.json as { results: Array<{ id: string }> }).results;
    const contact = await conn()
      .sobject('Contact')
      .retrieve(results[2]?.id as string);
    expect(contact).toMatchObject({ AccountId: results[0]?.id, LastName: 'Leaf' });
  });

  it('creates nothing when a record fails, and lists only the failures (400)', async () => {
    const before = org().store.count('Account');
    const res = await raw('POST', '/services/data/v62.0/composite/tree/Account', {
      records: [
        {
          attributes: { type: 'Account', referenceId: 'ok' },
          Name: 'Tree Rollback',
          Contacts: {
            records: [{ attributes: { type: 'Contact', referenceId: 'bad' }, Email: 'x@tree.test' }],
          },
        },
      ],
    });
    expect(res).toEqual({
      status: 400,
      headers: expect.anything(),
      json: {
        hasErrors: true,
        results: [
          {
            referenceId: 'bad',
            errors: [
              {
                statusCode: 'REQUIRED_FIELD_MISSING',
                message: 'Required fields are missing: [LastName]',
                fields: ['LastName'],
              },
            ],
          },
        ],
      },
    });
    expect(org().store.count('Account')).toBe(before);
  });
});
