import { MASTER_RECORD_TYPE_ID, PERSON_ACCOUNT_RECORD_TYPE_ID, type FieldDescribe } from './metadata.js';
import type { ObjectData, OrgStore } from './store.js';
import { recordError, type RecordError, type Row } from './values.js';

export function labelList(fields: FieldDescribe[]): string {
  return fields.map((f) => f.name).join(', ');
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
  for (const field of meta.fields) {
    if (row[field.name] != null) continue;
    if (field.type === 'boolean' && field.defaultedOnCreate) row[field.name] = field.defaultValue === true;
    const picklistDefault = field.picklistValues.find((p) => p.defaultValue && p.active);
    if (picklistDefault && field.defaultedOnCreate) row[field.name] = picklistDefault.value;
  }
  if (meta.name === 'Case' && row.CaseNumber == null) row.CaseNumber = nextCaseNumber();
  const missing = meta.fields.filter(
    (f) => f.createable && !f.nillable && !f.defaultedOnCreate && row[f.name] == null,
  );
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
