import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyMapping } from '../src/mapping/apply.js';
import { applyTransforms, coerceValue } from '../src/mapping/coerce.js';
import { compileMapping } from '../src/mapping/compile.js';
import { parseMapping } from '../src/mapping/load-mapping.js';
import { missingRequired } from '../src/mapping/required.js';
import { TRANSFORMS } from '../src/mapping/types.js';
import type { FieldInfo, ObjectInfo } from '../src/salesforce/types.js';
import { inferObject, nameCandidates } from '../src/operations/infer-object.js';
import { inQueries, matchKey, soqlLiteral, soqlString } from '../src/operations/soql.js';
import { field } from './helpers/field-info.js';

const contact: ObjectInfo = {
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  custom: false,
  createable: true,
  updateable: true,
  deletable: true,
  queryable: true,
  fields: [
    field('Id', 'id', { createable: false, updateable: false, nillable: false, defaultedOnCreate: true }),
    field('LastName', 'string', { nillable: false }),
    field('FirstName'),
    field('Email', 'email'),
    field('Birthdate', 'date'),
    field('LastCURequestDate', 'datetime'),
    field('DoNotCall', 'boolean', { nillable: false, defaultedOnCreate: true }),
    field('Score__c', 'double'),
    field('Description', 'textarea', { filterable: false, length: 32000 }),
    field('Name', 'string', { createable: false, updateable: false }),
    field('Level__c', 'picklist', {
      restrictedPicklist: true,
      picklistValues: [{ active: true, value: 'Gold', label: 'Gold' }],
    }),
  ],
};

async function compile(yaml: string, operation: 'create' | 'upsert' = 'upsert') {
  return compileMapping(parseMapping('m.yaml', yaml), contact, operation, null, async () => contact);
}

describe('mapping files', () => {
  it('maps columns, paths, constants, templates, transforms, formats and time zones', async () => {
    const compiled = await compile(
      [
        'timezone: Europe/Paris',
        'fields:',
        '  LastName: { column: last, transform: [trim, title] }',
        '  FirstName: { template: "{first} {middle}" }',
        '  Email: { column: contact.email, transform: [trim, lower] }',
        '  Birthdate: { column: dob, format: dd/MM/yyyy }',
        '  LastCURequestDate: { column: seen }',
        '  DoNotCall: { column: dnc, transform: boolean }',
        '  Score__c: { column: score, transform: number }',
        '  Description: { value: Imported }',
      ].join('\n'),
    );
    expect(compiled.problems).toEqual([]);
    const mapped = applyMapping(
      compiled,
      7,
      {
        last: "  o'neil-smith ",
        first: 'Mary',
        middle: 'Jo',
        contact: { email: ' Mary@Example.COM ' },
        dob: '31/12/1990',
        seen: '2024-07-01 09:30:00',
        dnc: 'Yes',
        score: '1,234.50',
      },
      'Europe/Paris',
    );
    expect(mapped.error).toBeUndefined();
    expect(mapped.payload).toEqual({
      LastName: "O'Neil-Smith",
      FirstName: 'Mary Jo',
      Email: 'mary@example.com',
      Birthdate: '1990-12-31',
      LastCURequestDate: '2024-07-01T07:30:00.000Z',
      DoNotCall: true,
      Score__c: 1234.5,
      Description: 'Imported',
    });
  });

  it('leaves empty values out by default and clears them with nulls: clear', async () => {
    const keep = await compile('fields:\n  LastName: last\n  FirstName: first\n');
    expect(applyMapping(keep, 2, { last: 'X', first: '' }).payload).toEqual({ LastName: 'X' });
    const clear = await compile(
      'nulls: clear\nfields:\n  LastName: last\n  FirstName: { column: first }\n  Email: { column: email, nulls: keep }\n',
    );
    expect(applyMapping(clear, 2, { last: 'X', first: ' ', email: '' }).payload).toEqual({
      LastName: 'X',
      FirstName: null,
    });
  });

  it.each([
    ['Birthdate', 'date', '1990-13-01', 'VALUE_INVALID'],
    ['Score__c', 'double', 'abc', 'VALUE_INVALID'],
    ['DoNotCall', 'boolean', 'maybe', 'VALUE_INVALID'],
    ['LastCURequestDate', 'datetime', '2024-07-01T09:30:00', 'TIMEZONE_MISSING'],
    ['LastName', 'string', 'x'.repeat(81), 'STRING_TOO_LONG'],
    ['Level__c', 'picklist', 'Silver', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'],
  ])('rejects a bad %s (%s) value with %s', (name, _type, value, code) => {
    const f = contact.fields.find((x) => x.name === name) as FieldInfo;
    const r = coerceValue(f, value, { transform: [] }, undefined);
    expect('error' in r && r.error.code).toBe(code);
  });

  it('accepts datetimes with an offset without a time zone setting', () => {
    const f = contact.fields.find((x) => x.name === 'LastCURequestDate') as FieldInfo;
    expect(coerceValue(f, '2024-07-01T09:30:00+02:00', { transform: [] }, undefined)).toEqual({
      value: '2024-07-01T07:30:00.000Z',
    });
  });

  it('reports every problem at once, with a "did you mean"', async () => {
    const compiled = await compile('fields:\n  Emial: email\n  Name: full\n  FirstName: first\n', 'create');
    expect(compiled.problems.map((p) => `${p.where}: ${p.message}`)).toEqual([
      'fields.Emial: Contact has no field "Emial"; did you mean Email?',
      'fields.Name: Contact.Name cannot be set on create',
      'LastName: Contact.LastName is required to create a record, and nothing maps to it',
    ]);
  });

  it.each([
    ['object: 5', 'object: must be an object API name'],
    ['fields:\n  Email: { colum: email }', 'fields.Email.colum: unknown key'],
    ['fields:\n  Email: { column: a, value: b }', 'needs exactly one of column, value or template'],
    ['fields:\n  Email: { column: a, transform: [shout] }', 'unknown transform "shout"'],
    ['timezone: Mars/Olympus', 'is not a time zone'],
    ['matchOperater: AND', 'Did you mean "matchOperator"?'],
    ['fields: [', 'not valid YAML'],
  ])('refuses %j', (yaml, message) => {
    let error: { message: string; hint?: string } | undefined;
    try {
      parseMapping('m.yaml', yaml);
    } catch (err) {
      error = err as { message: string; hint?: string };
    }
    expect(`${error?.message} ${error?.hint ?? ''}`).toContain(message);
  });

  it('applies transforms in order', () => {
    expect(applyTransforms('  ABC-123 ', ['trim', 'lower'])).toBe('abc-123');
    expect(applyTransforms('(555) 010-9999', ['digits'])).toBe('5550109999');
    expect(applyTransforms(' 1.234,50 € ', ['trim', 'number-comma'])).toBe('1234.50');
  });

  it('predicts REQUIRED_FIELD_MISSING from describe: creates, updates that empty a field, Person Accounts', () => {
    const account: ObjectInfo = {
      ...contact,
      name: 'Account',
      fields: [
        field('Name', 'string', { nillable: false }),
        field('LastName'),
        field('ParentId', 'reference', { relationshipName: 'Parent', nillable: false }),
      ],
    };
    expect(missingRequired(account, {}, 'create')?.fields).toEqual(['Name', 'ParentId']);
    expect(missingRequired(account, { LastName: 'Doe', Parent: { Ext__c: 'X' } }, 'create')).toBeNull();
    expect(missingRequired(account, { Name: null, ParentId: '001000000000001AAA' }, 'update')).toEqual({
      code: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Name]',
      fields: ['Name'],
    });
    expect(missingRequired(account, { LastName: null }, 'update')).toBeNull();
  });

  it('the JSON schema knows every transform the loader does', () => {
    const schema = JSON.parse(fs.readFileSync('schemas/mapping.schema.json', 'utf8'));
    expect(schema.$defs.transform.enum).toEqual([...TRANSFORMS]);
  });
});

describe('SOQL literals', () => {
  it.each([
    ["O'Brien", "'O\\'Brien'"],
    ['a\\b', "'a\\\\b'"],
    ["x' OR Name != '", "'x\\' OR Name != \\''"],
    ['line\nbreak', "'line\\nbreak'"],
    ['say "hi"', '\'say \\"hi\\"\''],
  ])('escapes %j', (value, literal) => {
    expect(soqlString(value)).toBe(literal);
  });

  it('types literals by field type and refuses values that would not be literals', () => {
    expect(soqlLiteral(field('N', 'double'), '12.50')).toBe('12.5');
    expect(soqlLiteral(field('B', 'boolean'), true)).toBe('true');
    expect(soqlLiteral(field('D', 'date'), '2024-01-02')).toBe('2024-01-02');
    expect(() => soqlLiteral(field('D', 'date'), '2024-01-02 OR Id != null')).toThrow();
    expect(() => soqlLiteral(field('N', 'int'), '1 OR 1=1')).toThrow();
  });

  it('splits long IN lists to stay within the URL budget', () => {
    const values = Array.from({ length: 2000 }, (_, i) => `someone.with.a.long.address.${i}@example.com`);
    const queries = inQueries('Contact', ['Id', 'Email'], field('Email', 'email'), values);
    expect(queries.length).toBeGreaterThan(1);
    for (const q of queries) expect(encodeURIComponent(q).length).toBeLessThanOrEqual(12_000 + 200);
    expect(queries.join(' ').match(/@example\.com/g)).toHaveLength(2000);
  });

  it('compares like Salesforce: text ignores case, ids by their first 15 characters', () => {
    expect(matchKey(field('Email', 'email'), 'A@B.C')).toBe(matchKey(field('Email', 'email'), 'a@b.c'));
    expect(matchKey(field('X__c', 'string', { caseSensitive: true }), 'A')).not.toBe('a');
    expect(matchKey(field('Id', 'id'), '001D000000IqhSLIAZ')).toBe(
      matchKey(field('Id', 'id'), '001D000000IqhSL'),
    );
  });
});

describe('object from the file name', () => {
  const objects = [
    { name: 'Contact', label: 'Contact', labelPlural: 'Contacts' },
    { name: 'Opportunity', label: 'Opportunity', labelPlural: 'Opportunities' },
    { name: 'Project__c', label: 'Project', labelPlural: 'Projects' },
  ].map((o) => ({
    ...o,
    custom: false,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    keyPrefix: null,
  }));

  it.each([
    ['contacts.csv', 'Contact'],
    ['opportunities.ndjson', 'Opportunity'],
    ['/data/Projects-2024.csv', 'Project__c'],
    ['project__c.csv', 'Project__c'],
  ])('%s → %s', (file, name) => expect(inferObject(file, objects)).toBe(name));

  it('fails clearly when no object fits', () => {
    expect(() => inferObject('export.csv', objects)).toThrow(/Cannot tell which object export.csv is for/);
    expect(nameCandidates('leads.mapping.yaml')).toContain('lead');
  });
});
