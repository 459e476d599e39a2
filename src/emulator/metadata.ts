import fs from 'node:fs';
import { createRequire } from 'node:module';
import YAML from 'yaml';
import { to18 } from './ids.js';
import { STRING_TYPES } from './values.js';

/** A describe field as Salesforce sends it: the 57 keys, nothing else. */
export interface FieldDescribe {
  name: string;
  label: string;
  type: string;
  soapType: string;
  length: number;
  byteLength: number;
  precision: number;
  scale: number;
  digits: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  filterable: boolean;
  sortable: boolean;
  groupable: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  caseSensitive: boolean;
  calculated: boolean;
  custom: boolean;
  nameField: boolean;
  defaultValue: unknown;
  referenceTo: string[];
  relationshipName: string | null;
  restrictedPicklist: boolean;
  picklistValues: Array<{
    active: boolean;
    defaultValue: boolean;
    label: string;
    validFor: null;
    value: string;
  }>;
  extraTypeInfo: string | null;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  /** The object-level flags of the global describe. */
  flags: Record<string, unknown>;
  recordTypeInfos: Array<Record<string, unknown>>;
  fields: FieldDescribe[];
  fieldByLower: Map<string, FieldDescribe>;
  /** Parent relationships by lower-case relationship name (`account` → the AccountId field). */
  relationshipByLower: Map<string, FieldDescribe>;
}

const ANNOTATIONS = new Set([
  'personAccountOnly',
  'personAccountOverrides',
  'requiresRecordTypes',
  'picklistValuesComplete',
]);
const OBJECT_ONLY = new Set(['name', 'label', 'labelPlural', 'keyPrefix', 'fields', 'recordTypeInfos']);

export const MASTER_RECORD_TYPE_ID = '012000000000000AAA';
export const PERSON_ACCOUNT_RECORD_TYPE_ID = to18('0125g0000000PAc');

interface RawObject {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  recordTypeInfos: Array<Record<string, unknown>>;
  fields: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

function stripAnnotations(field: Record<string, unknown>): FieldDescribe {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(field)) if (!k.startsWith('_') && !ANNOTATIONS.has(k)) out[k] = v;
  return out as FieldDescribe;
}

function personAccountRecordType(objectName: string): Record<string, unknown> {
  return {
    active: true,
    available: true,
    defaultRecordTypeMapping: false,
    developerName: 'PersonAccount',
    master: false,
    name: 'Person Account',
    recordTypeId: PERSON_ACCOUNT_RECORD_TYPE_ID,
    urls: {
      layout: `/services/data/v62.0/sobjects/${objectName}/describe/layouts/${PERSON_ACCOUNT_RECORD_TYPE_ID}`,
    },
  };
}

function buildObject(raw: RawObject, custom: boolean): ObjectMeta {
  const flags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!OBJECT_ONLY.has(k) && !k.startsWith('_')) flags[k] = v;
  const fields = raw.fields.map(stripAnnotations);
  return indexObject({
    name: raw.name,
    label: raw.label,
    labelPlural: raw.labelPlural,
    keyPrefix: raw.keyPrefix,
    custom,
    flags,
    recordTypeInfos: raw.recordTypeInfos,
    fields,
    fieldByLower: new Map(),
    relationshipByLower: new Map(),
  });
}

function indexObject(meta: ObjectMeta): ObjectMeta {
  meta.fieldByLower = new Map(meta.fields.map((f) => [f.name.toLowerCase(), f]));
  meta.relationshipByLower = new Map(
    meta.fields
      .filter((f) => f.relationshipName)
      .map((f) => [(f.relationshipName as string).toLowerCase(), f]),
  );
  return meta;
}

/** The standard objects of a typical Enterprise Edition org, from recorded describes, with Person Accounts on. */
function loadStandardObjects(): ObjectMeta[] {
  const require = createRequire(import.meta.url);
  const data = require('./metadata/standard-objects.json') as { objects: RawObject[] };
  // Task, Event, Campaign, CampaignMember, RecordType, Product2, Pricebook2, PricebookEntry, OpportunityLineItem
  // and Group; the fields marked _confidence:"low" are inferred (see /work/shared/metadata/more-objects.README.md).
  const more = require('./metadata/more-objects.json') as { objects: RawObject[] };
  return [...data.objects, ...more.objects].map((rawObject) => {
    const raw = structuredClone(rawObject);
    raw.fields = raw.fields.map((f) => {
      const overrides = f.personAccountOverrides as Record<string, unknown> | undefined;
      return overrides ? { ...f, ...overrides } : f;
    });
    if (raw.name === 'Account')
      raw.recordTypeInfos = [...raw.recordTypeInfos, personAccountRecordType('Account')];
    // RecordTypeId exists only on objects with a record type besides Master: Account, through Person Accounts.
    if (raw.name !== 'Account') raw.fields = raw.fields.filter((f) => f.requiresRecordTypes !== true);
    return buildObject(raw, false);
  });
}

// ---- custom objects and fields from a schema file ----

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

function customObject(spec: CustomObjectSpec, keyPrefix: string, template: ObjectMeta): ObjectMeta {
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
  return parsed as SchemaSpec;
}

export class OrgSchema {
  private readonly byLower = new Map<string, ObjectMeta>();
  private readonly byPrefix = new Map<string, ObjectMeta>();

  constructor(schemas: SchemaSpec[] = [DEFAULT_SCHEMA]) {
    const standard = loadStandardObjects();
    for (const o of standard) this.add(o);
    const account = this.require('Account');
    let prefix = 0;
    for (const schema of schemas) {
      for (const [objectName, specs] of Object.entries(schema.fields ?? {})) {
        const target = this.require(objectName);
        const template =
          target.fieldByLower.get('accountnumber') ?? account.fieldByLower.get('accountnumber');
        for (const spec of specs) {
          if (!spec.name.endsWith('__c'))
            throw new Error(`custom field ${objectName}.${spec.name} must end in __c`);
          if (!target.fieldByLower.has(spec.name.toLowerCase()))
            target.fields.push(makeField(spec, template as FieldDescribe));
        }
        indexObject(target);
      }
      for (const spec of schema.objects ?? []) {
        if (!spec.name.endsWith('__c')) throw new Error(`custom object ${spec.name} must end in __c`);
        if (this.get(spec.name)) continue;
        const keyPrefix = `a0${'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[prefix++]}`;
        this.add(customObject(spec, keyPrefix, account));
      }
    }
  }

  /** Adds an object the org models beyond the recorded describes (AssignmentRule). */
  add(meta: ObjectMeta): void {
    this.byLower.set(meta.name.toLowerCase(), meta);
    this.byPrefix.set(meta.keyPrefix, meta);
  }

  get(name: string): ObjectMeta | undefined {
    return this.byLower.get(name.toLowerCase());
  }

  require(name: string): ObjectMeta {
    const meta = this.get(name);
    if (!meta) throw new Error(`unknown object ${name}`);
    return meta;
  }

  byKeyPrefix(prefix: string): ObjectMeta | undefined {
    return this.byPrefix.get(prefix);
  }

  all(): ObjectMeta[] {
    return [...this.byLower.values()];
  }
}
