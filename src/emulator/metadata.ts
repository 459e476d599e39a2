import { createRequire } from 'node:module';
import { customObject, DEFAULT_SCHEMA, indexObject, makeField, type SchemaSpec } from './custom-schema.js';
import { to18 } from './ids.js';

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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

let standardObjects: readonly ObjectMeta[] | undefined;

/**
 * The standard objects for a new org. The recorded describes (1 MB of JSON) are read and shaped once a process, and
 * their fields, flags and record types are shared by every org, frozen: a test run starts hundreds of orgs, and
 * copying them each time was most of an org's start. Each org gets its own objects and field lists, as an org's
 * --schema adds fields to them.
 */
function newStandardObjects(): ObjectMeta[] {
  standardObjects ??= loadStandardObjects().map((meta) => {
    for (const field of meta.fields) deepFreeze(field);
    deepFreeze(meta.flags);
    deepFreeze(meta.recordTypeInfos);
    return meta;
  });
  return standardObjects.map((meta) =>
    indexObject({
      ...meta,
      fields: [...meta.fields],
      fieldByLower: new Map(),
      relationshipByLower: new Map(),
    }),
  );
}

export class OrgSchema {
  private readonly byLower = new Map<string, ObjectMeta>();
  private readonly byPrefix = new Map<string, ObjectMeta>();

  constructor(schemas: SchemaSpec[] = [DEFAULT_SCHEMA]) {
    for (const o of newStandardObjects()) this.add(o);
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

export {
  DEFAULT_SCHEMA,
  MASTER_RECORD_TYPE_ID,
  makeField,
  readSchemaFile,
  type CustomFieldSpec,
  type CustomObjectSpec,
  type SchemaSpec,
} from './custom-schema.js';
