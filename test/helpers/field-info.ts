import type { FieldInfo } from '../../src/salesforce/types.js';

/** A field as describe gives it, with the values most tests need; `extra` overrides any of them. */
export function field(name: string, type = 'string', extra: Partial<FieldInfo> = {}): FieldInfo {
  return {
    name,
    label: name.replace(/__c$/, '').replace(/_/g, ' '),
    type,
    length: type === 'string' ? 80 : 0,
    precision: 18,
    scale: 2,
    digits: 0,
    nillable: true,
    createable: true,
    updateable: true,
    defaultedOnCreate: false,
    filterable: true,
    externalId: false,
    idLookup: false,
    unique: false,
    caseSensitive: false,
    custom: name.endsWith('__c'),
    calculated: false,
    referenceTo: [],
    relationshipName: null,
    restrictedPicklist: false,
    picklistValues: [],
    ...extra,
  };
}
