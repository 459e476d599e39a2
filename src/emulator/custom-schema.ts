import fs from 'node:fs';
import YAML from 'yaml';
import type { FieldDescribe, ObjectMeta } from './metadata.js';
import { STRING_TYPES } from './values.js';

/* Custom objects and fields from a schema file. */

export const MASTER_RECORD_TYPE_ID = '012000000000000AAA';

/** Fills an object's lookup maps by lower-case field and relationship name. */
export function indexObject(meta: ObjectMeta): ObjectMeta {
  meta.fieldByLower = new Map(meta.fields.map((f) => [f.name.toLowerCase(), f]));
  meta.relationshipByLower = new Map(
    meta.fields
      .filter((f) => f.relationshipName)
      .map((f) => [(f.relationshipName as string).toLowerCase(), f]),
  );
  return meta;
}

export interface CustomFieldSpec {
  name: string;
  label?: string;
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
  required?: boolean;
  externalId?: boolean;
  unique?: boolean;
  caseSensitive?: boolean;
  referenceTo?: string;
  relationshipName?: string;
  values?: string[];
  restricted?: boolean;
  defaultValue?: string | boolean | number;
}

export interface CustomObjectSpec {
  name: string;
  label?: string;
  labelPlural?: string;
  fields?: CustomFieldSpec[];
}

export interface SchemaSpec {
  objects?: CustomObjectSpec[];
  /** Custom fields added to existing objects, by object name. */
  fields?: Record<string, CustomFieldSpec[]>;
}

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

function labelFromName(name: string): string {
  return name.replace(/__c$/, '').replace(/_/g, ' ');
}

/** A complete describe field for a custom field, with the flags Salesforce gives that type. */
export function makeField(spec: CustomFieldSpec, template: FieldDescribe): FieldDescribe {
  const type = spec.type.toLowerCase();
  const longText = type === 'textarea' && (spec.length ?? 255) > 255;
  const textual = STRING_TYPES.has(type);
  const length =
    type === 'reference' || type === 'id' ? 18 : textual ? (spec.length ?? (longText ? 32768 : 255)) : 0;
  const isBoolean = type === 'boolean';
  const picklist = (spec.values ?? []).map((value) => ({
    active: true,
    defaultValue: spec.defaultValue === value,
    label: value,
    validFor: null,
    value,
  }));
  const field: FieldDescribe = {
    ...structuredClone(template),
    name: spec.name,
    label: spec.label ?? labelFromName(spec.name),
    type,
    soapType: SOAP_TYPES[type] ?? 'xsd:string',
    length,
    byteLength: length * 3,
    precision: ['double', 'currency', 'percent'].includes(type) ? (spec.precision ?? 18) : 0,
    scale: ['double', 'currency', 'percent'].includes(type)
      ? (spec.scale ?? (type === 'currency' ? 2 : 0))
      : 0,
    digits: type === 'int' ? (spec.precision ?? 9) : 0,
    nillable: isBoolean ? false : spec.required !== true,
    createable: true,
    updateable: true,
    defaultedOnCreate: isBoolean || spec.defaultValue !== undefined,
    defaultValue: isBoolean ? (spec.defaultValue ?? false) : null,
    filterable: !longText,
    sortable: !longText && type !== 'multipicklist',
    groupable: !longText && !['double', 'currency', 'percent', 'datetime', 'multipicklist'].includes(type),
    aggregatable: !longText,
    externalId: spec.externalId === true,
    idLookup: spec.externalId === true,
    unique: spec.unique === true,
    caseSensitive: spec.caseSensitive === true,
    calculated: false,
    custom: true,
    nameField: false,
    referenceTo: spec.referenceTo ? [spec.referenceTo] : [],
    relationshipName:
      type === 'reference' ? (spec.relationshipName ?? spec.name.replace(/__c$/, '__r')) : null,
    relationshipOrder: null,
    restrictedPicklist: spec.restricted === true,
    picklistValues: picklist,
    extraTypeInfo: longText ? 'plaintextarea' : null,
    htmlFormatted: false,
    autoNumber: false,
  };
  return field;
}

export function customObject(spec: CustomObjectSpec, keyPrefix: string, template: ObjectMeta): ObjectMeta {
  const byName = (n: string): FieldDescribe => {
    const f = template.fieldByLower.get(n.toLowerCase());
    if (!f) throw new Error(`template field ${n} missing`);
    return structuredClone(f);
  };
  const label = spec.label ?? labelFromName(spec.name);
  const id = { ...byName('Id'), label: 'Record ID' };
  const name = {
    ...byName('Name'),
    label: `${label} Name`,
    length: 80,
    byteLength: 240,
    nillable: true,
    idLookup: true,
    nameField: true,
  };
  const owner = byName('OwnerId');
  const system = [
    'IsDeleted',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
    'SystemModstamp',
  ].map(byName);
  const textTemplate = byName('AccountNumber');
  const fields = [id, owner, byName('IsDeleted'), name, ...system.slice(1)];
  for (const f of spec.fields ?? []) fields.push(makeField(f, textTemplate));
  return indexObject({
    name: spec.name,
    label,
    labelPlural: spec.labelPlural ?? `${label}s`,
    keyPrefix,
    custom: true,
    flags: { ...template.flags, custom: true, feedEnabled: false, mergeable: false, mruEnabled: true },
    recordTypeInfos: [
      {
        ...structuredClone(template.recordTypeInfos[0]),
        urls: {
          layout: `/services/data/v62.0/sobjects/${spec.name}/describe/layouts/${MASTER_RECORD_TYPE_ID}`,
        },
      },
    ],
    fields,
    fieldByLower: new Map(),
    relationshipByLower: new Map(),
  });
}

/** The example schema every emulator starts with: external IDs on Account and Contact, and one custom object. */
export const DEFAULT_SCHEMA: SchemaSpec = {
  fields: {
    Account: [
      {
        name: 'External_Id__c',
        label: 'External ID',
        type: 'string',
        length: 50,
        externalId: true,
        unique: true,
      },
    ],
    Contact: [
      {
        name: 'External_Id__c',
        label: 'External ID',
        type: 'string',
        length: 50,
        externalId: true,
        unique: true,
      },
    ],
  },
  objects: [
    {
      name: 'Project__c',
      label: 'Project',
      fields: [
        {
          name: 'Code__c',
          type: 'string',
          length: 20,
          externalId: true,
          unique: true,
          label: 'Project Code',
        },
        { name: 'Account__c', type: 'reference', referenceTo: 'Account', label: 'Account' },
        { name: 'Budget__c', type: 'currency', precision: 16, scale: 2 },
        { name: 'Start_Date__c', type: 'date', label: 'Start Date' },
        { name: 'Status__c', type: 'picklist', values: ['Planned', 'Active', 'Done'], restricted: true },
        { name: 'Active__c', type: 'boolean' },
        { name: 'Notes__c', type: 'textarea', length: 32768 },
      ],
    },
  ],
};

export function readSchemaFile(file: string): SchemaSpec {
  const text = fs.readFileSync(file, 'utf8');
  const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  if (parsed === null || typeof parsed !== 'object')
    throw new Error(`${file}: expected an object with "objects" and/or "fields"`);
  return parsed;
}
