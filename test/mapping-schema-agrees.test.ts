import { describe, expect, it } from 'vitest';
import { SfsyncError } from '../src/errors.js';
import { checkMapping, parseMapping } from '../src/mapping/load-mapping.js';
import { schemaProblem } from '../src/mapping/mapping-schema.js';

// A mapping is checked twice: by hand (messages that say where and what to do) and against the shipped
// schemas/mapping.schema.json (what editors check). The two must agree on every document, except for what only
// the hand checks can know (a time zone or a date format that does not exist), listed as such.

const field = (spec: unknown) => ({ object: 'Contact', fields: { LastName: spec } });

const ACCEPTED: Array<[string, unknown]> = [
  ['an empty mapping', {}],
  [
    'every top-level key',
    {
      $schema: './mapping.schema.json',
      object: 'Contact',
      operation: 'upsert',
      match: 'Email',
      matchOperator: 'and',
      nulls: 'clear',
      timezone: 'Europe/Paris',
      apiVersion: '62.0',
      fields: {},
    },
  ],
  ['apiVersion as YAML reads 62.0 (a number)', { apiVersion: 62 }],
  ['apiVersion v62', { apiVersion: 'v62' }],
  ['apiVersion 62', { apiVersion: '62' }],
  ['match as a list', { match: ['Email', 'Phone'] }],
  ['match as a comma list', { match: 'Email, Phone' }],
  ['match as an object', { match: { fields: ['Email'], allowSharedKeys: true, createWhenKeyEmpty: false } }],
  ['match as an object without fields', { match: { allowSharedKeys: true } }],
  ['matchOperator in any case', { matchOperator: 'Or' }],
  ['a field as a column name', field('last_name')],
  [
    'a field with every option',
    field({ column: 'd', transform: ['trim', 'date'], format: 'dd/MM/yyyy', timezone: 'UTC', nulls: 'keep' }),
  ],
  ['a single transform', field({ column: 'x', transform: 'upper' })],
  ['a constant', field({ value: null })],
  ['a template', field({ template: '{first} {last}' })],
  ['a lookup', field({ column: 'acct', lookup: { object: 'Account', field: 'AccountNumber' } })],
  ['an external ID parent', field({ column: 'acct', externalId: 'Ext__c' })],
];

const REJECTED: Array<[string, unknown, string]> = [
  ['a list', [], 'top level'],
  ['text', 'Contact', 'top level'],
  ['nothing', null, 'top level'],
  ['a misspelt top-level key', { objet: 'Contact' }, 'Did you mean "object"'],
  ['$schema that is not text', { $schema: 1 }, '$schema'],
  ['an object name with a space', { object: 'My Object' }, 'object'],
  ['an unknown operation', { operation: 'merge' }, 'operation'],
  ['apiVersion 62.5', { apiVersion: '62.5' }, 'apiVersion'],
  ['apiVersion 62.5 as a number', { apiVersion: 62.5 }, 'apiVersion'],
  ['apiVersion latest', { apiVersion: 'latest' }, 'apiVersion'],
  ['apiVersion true', { apiVersion: true }, 'apiVersion'],
  ['an empty match', { match: '' }, 'match'],
  ['a match list with a blank', { match: 'Email, ' }, 'match'],
  ['an empty match list', { match: [] }, 'match'],
  ['a match list with an empty name', { match: ['Email', ''] }, 'match'],
  ['a match object with a misspelt key', { match: { field: ['Email'] } }, 'Did you mean "fields"'],
  ['a match flag that is not true/false', { match: { allowSharedKeys: 'yes' } }, 'match.allowSharedKeys'],
  ['matchOperator XOR', { matchOperator: 'XOR' }, 'matchOperator'],
  ['matchOperator true', { matchOperator: true }, 'matchOperator'],
  ['nulls: drop', { nulls: 'drop' }, 'nulls'],
  ['a time zone that is not text', { timezone: 2 }, 'timezone'],
  ['fields as a list', { fields: ['LastName'] }, 'fields'],
  ['a field as a number', field(5), 'fields.LastName'],
  ['a field with a misspelt key', field({ colum: 'x' }), 'Did you mean "column"'],
  ['a field with two sources', field({ column: 'x', value: 'y' }), 'exactly one'],
  ['a field with no source', field({ transform: 'trim' }), 'exactly one'],
  ['an empty column', field({ column: '' }), 'column'],
  ['an object as a constant', field({ value: { a: 1 } }), 'value'],
  ['a template without placeholders', field({ template: 'plain' }), 'template'],
  ['an unknown transform', field({ column: 'x', transform: ['shout'] }), 'unknown transform'],
  ['a format that is not text', field({ column: 'x', format: 1 }), 'format'],
  ['a field nulls policy of drop', field({ column: 'x', nulls: 'drop' }), 'nulls'],
  ['a lookup without field', field({ column: 'x', lookup: { object: 'Account' } }), 'lookup'],
  [
    'a lookup with an extra key',
    field({ column: 'x', lookup: { object: 'Account', field: 'Name', where: 'x' } }),
    'lookup.where',
  ],
  [
    'a lookup with a misspelt key',
    field({ column: 'x', lookup: { object: 'Account', feild: 'Name' } }),
    'Did you mean "field"',
  ],
  ['a lookup as text', field({ column: 'x', lookup: 'Account.Name' }), 'lookup'],
  ['an external ID that is not text', field({ column: 'x', externalId: 1 }), 'externalId'],
  [
    'both lookup and externalId',
    field({ column: 'x', lookup: { object: 'A', field: 'B' }, externalId: 'C' }),
    'not both',
  ],
];

/** What only the hand checks can refuse: the schema says "text" and cannot know which texts exist. */
const HAND_ONLY: Array<[string, unknown, string]> = [
  ['a time zone that does not exist', { timezone: 'Mars/Olympus' }, 'is not a time zone'],
  [
    'a field time zone that does not exist',
    field({ column: 'x', timezone: 'Europe/Atlantis' }),
    'is not a time zone',
  ],
];

function handRefusal(doc: unknown): SfsyncError | null {
  try {
    checkMapping('m.yaml', doc);
    return null;
  } catch (err) {
    return err as SfsyncError;
  }
}

describe('the hand checks and schemas/mapping.schema.json agree', () => {
  it.each(ACCEPTED)('both accept %s', (_name, doc) => {
    expect(handRefusal(doc)).toBeNull();
    expect(schemaProblem(doc)).toBeNull();
  });

  it.each(REJECTED)('both refuse %s; the message people see is the hand check’s', (_name, doc, says) => {
    const err = handRefusal(doc);
    expect(err).toBeInstanceOf(SfsyncError);
    expect(err?.code).toBe('MAPPING_INVALID');
    expect(`${err?.message} ${err?.hint ?? ''}`).toContain(says);
    expect(schemaProblem(doc)).not.toBeNull();
  });

  it.each(HAND_ONLY)('only the hand checks can refuse %s', (_name, doc, says) => {
    expect(handRefusal(doc)?.message).toContain(says);
    expect(schemaProblem(doc)).toBeNull();
  });
});

describe('reading a mapping file', () => {
  it('writes the API version as Salesforce does, whatever the spelling', () => {
    expect(parseMapping('m.yaml', 'apiVersion: 62.0\n').apiVersion).toBe('62.0');
    expect(parseMapping('m.yaml', 'apiVersion: v61\n').apiVersion).toBe('61.0');
    expect(parseMapping('m.json', '{"apiVersion": "60.0"}').apiVersion).toBe('60.0');
  });

  it('names the file and the key, with a did-you-mean, for a misspelt lookup key', () => {
    const text =
      'fields:\n  AccountId:\n    column: acct\n    lookup: {object: Account, feild: AccountNumber}\n';
    expect(() => parseMapping('contacts.mapping.yaml', text)).toThrow(
      'contacts.mapping.yaml: fields.AccountId.lookup.feild: unknown key',
    );
  });
});
