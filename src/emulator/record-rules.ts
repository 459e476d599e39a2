import {
  MASTER_RECORD_TYPE_ID,
  PERSON_ACCOUNT_RECORD_TYPE_ID,
  type FieldDescribe,
  type ObjectMeta,
} from './metadata.js';
import type { ObjectData, OrgStore } from './store.js';
import { recordError, type RecordError, type Row, type Value } from './values.js';

export function labelList(fields: FieldDescribe[]): string {
  return fields.map((f) => f.name).join(', ');
}

/** What every new record of an object gets checked against, worked out once per object rather than per record. */
interface CreateRules {
  defaults: Array<{ name: string; value: Value }>;
  required: FieldDescribe[];
  /** A schema that gains fields later gets its rules worked out again. */
  fieldCount: number;
}

const createRules = new WeakMap<ObjectMeta, CreateRules>();

function createRulesOf(meta: ObjectMeta): CreateRules {
  const known = createRules.get(meta);
  if (known && known.fieldCount === meta.fields.length) return known;
  const defaults: CreateRules['defaults'] = [];
  for (const field of meta.fields) {
    if (!field.defaultedOnCreate) continue;
    const picklistDefault = field.picklistValues.find((p) => p.defaultValue && p.active);
    if (picklistDefault) defaults.push({ name: field.name, value: picklistDefault.value });
    else if (field.type === 'boolean')
      defaults.push({ name: field.name, value: field.defaultValue === true });
  }
  const required = meta.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate);
  const rules = { defaults, required, fieldCount: meta.fields.length };
  createRules.set(meta, rules);
  return rules;
}

/** Defaults, required fields and the object-specific rules of a new record; returns the first problem. */
export function completeNewRow(
  object: ObjectData,
  row: Row,
  nextCaseNumber: () => string,
): RecordError | null {
  const meta = object.meta;
  if (meta.name === 'Account') {
    const person =
      row.RecordTypeId === PERSON_ACCOUNT_RECORD_TYPE_ID || (row.LastName != null && row.Name == null);
    if (person) {
      if (row.LastName == null)
        return recordError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', ['LastName']);
      row.RecordTypeId = PERSON_ACCOUNT_RECORD_TYPE_ID;
      row.IsPersonAccount = true;
    } else {
      const personField = Object.keys(row).find(
        (k) =>
          meta.fieldByLower.get(k.toLowerCase())?.name.startsWith('Person') ||
          k === 'FirstName' ||
          k === 'LastName' ||
          k === 'Salutation',
      );
      if (personField && row[personField] != null) {
        return recordError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Business Account may not use Person Account field ${personField}`,
          [personField],
        );
      }
      if (row.Name == null)
        return recordError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]', ['Name']);
      row.RecordTypeId = row.RecordTypeId ?? MASTER_RECORD_TYPE_ID;
      row.IsPersonAccount = false;
    }
  }
  const rules = createRulesOf(meta);
  for (const d of rules.defaults) if (row[d.name] == null) row[d.name] = d.value;
  if (meta.name === 'Case' && row.CaseNumber == null) row.CaseNumber = nextCaseNumber();
  const missing = rules.required.filter((f) => row[f.name] == null);
  if (missing.length > 0) {
    return recordError(
      'REQUIRED_FIELD_MISSING',
      `Required fields are missing: [${labelList(missing)}]`,
      missing.map((f) => f.name),
    );
  }
  deriveNames(object, row);
  return null;
}

/** The compound Name of people: FirstName and LastName joined, as Salesforce shows it. */
export function deriveNames(object: ObjectData, row: Row): void {
  const name = object.meta.name;
  const person =
    name === 'Contact' ||
    name === 'Lead' ||
    name === 'User' ||
    (name === 'Account' && row.IsPersonAccount === true);
  if (person) row.Name = [row.FirstName, row.LastName].filter((v) => v != null && v !== '').join(' ');
}

export function checkUnique(
  store: OrgStore,
  object: ObjectData,
  row: Row,
  selfId: string | null,
): RecordError | null {
  for (const field of object.meta.fields) {
    if (!field.unique || row[field.name] == null) continue;
    const other = store.lookup(object, field, row[field.name] ?? null).find((id) => id !== selfId);
    if (other) {
      return recordError(
        'DUPLICATE_VALUE',
        `duplicate value found: ${field.name} duplicates value on record with id: ${other}`,
        [field.name],
      );
    }
  }
  return null;
}
