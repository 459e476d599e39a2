import type { FieldDescribe } from './metadata.js';
import type { ObjectData, OrgStore } from './store.js';
import { coerceInput, recordError, type RecordError, type Row } from './values.js';

/** Converts a request body into stored values, resolving parent references given by external ID. */
export function prepareInput(
  store: OrgStore,
  object: ObjectData,
  body: Record<string, unknown>,
  mode: 'create' | 'update',
): { values: Row } | { errors: RecordError[] } {
  const values: Row = {};
  const meta = object.meta;
  for (const [key, raw] of Object.entries(body)) {
    if (key === 'attributes') continue;
    const field = meta.fieldByLower.get(key.toLowerCase());
    if (!field) {
      const rel = meta.relationshipByLower.get(key.toLowerCase());
      if (rel && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
        const parent = resolveParent(store, rel, raw as Record<string, unknown>);
        if ('error' in parent) return { errors: [parent.error] };
        if (!(mode === 'create' ? rel.createable : rel.updateable))
          return { errors: [notWritable(rel, mode)] };
        values[rel.name] = parent.id;
        continue;
      }
      return {
        errors: [
          recordError('INVALID_FIELD', `No such column '${key}' on sobject of type ${meta.name}`, [key]),
        ],
      };
    }
    if (field.name === 'Id') {
      if (mode === 'create') {
        return {
          errors: [
            recordError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']),
          ],
        };
      }
      continue;
    }
    if (!(mode === 'create' ? field.createable : field.updateable))
      return { errors: [notWritable(field, mode)] };
    const coerced = coerceInput(field, raw);
    if ('error' in coerced) return { errors: [coerced.error] };
    if (field.type === 'reference' && coerced.value !== null) {
      const refError = checkReference(store, field, coerced.value as string);
      if (refError) return { errors: [refError] };
    }
    values[field.name] = coerced.value;
  }
  return { values };
}

function checkReference(store: OrgStore, field: FieldDescribe, id: string): RecordError | null {
  const target = store.objectOfId(id);
  const allowed = field.referenceTo.map((n) => n.toLowerCase());
  if (!target || !allowed.includes(target.meta.name.toLowerCase())) {
    // Only the objects this org models can be checked; ids of other objects (Group, Profile...) pass.
    if (!target && !allowed.some((n) => store.schema.get(n))) return null;
    return recordError('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${id}`, [
      field.name,
    ]);
  }
  if (target.deleted.has(id)) return recordError('ENTITY_IS_DELETED', 'entity is deleted', [field.name]);
  if (!target.live.has(id))
    return recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field.name]);
  return null;
}

/** `"Account": {"External_Id__c": "A-1"}` → the Account's Id, by one external ID or idLookup field. */
function resolveParent(
  store: OrgStore,
  rel: FieldDescribe,
  ref: Record<string, unknown>,
): { id: string } | { error: RecordError } {
  const typeName = (ref.attributes as { type?: string } | undefined)?.type ?? rel.referenceTo[0];
  const parent = typeName ? store.object(typeName) : undefined;
  const keys = Object.keys(ref).filter((k) => k !== 'attributes');
  if (!parent || keys.length !== 1) {
    return {
      error: recordError('INVALID_FIELD', `Invalid foreign key relationship name ${rel.relationshipName}`, [
        rel.name,
      ]),
    };
  }
  const keyName = keys[0] as string;
  const keyField = parent.meta.fieldByLower.get(keyName.toLowerCase());
  if (!keyField || !(keyField.externalId || keyField.idLookup)) {
    return {
      error: recordError(
        'INVALID_FIELD',
        `Field name provided, ${keyName} is not an External ID or indexed field for ${parent.meta.name}`,
        [rel.name],
      ),
    };
  }
  const coerced = coerceInput(keyField, ref[keyName]);
  const value = 'value' in coerced ? coerced.value : null;
  const ids =
    value === null
      ? []
      : keyField.name === 'Id'
        ? parent.live.has(value as string)
          ? [value as string]
          : []
        : store.lookup(parent, keyField, value);
  if (ids.length === 0) {
    return {
      error: recordError(
        'INVALID_FIELD',
        `Foreign key external ID: ${String(ref[keyName])} not found for field ${keyField.name} in entity ${parent.meta.name}`,
        [rel.name],
      ),
    };
  }
  if (ids.length > 1) {
    return {
      error: recordError(
        'INVALID_FIELD',
        `Foreign key external ID: ${String(ref[keyName])} matches multiple records for field ${keyField.name} in entity ${parent.meta.name}`,
        [rel.name],
      ),
    };
  }
  return { id: ids[0] as string };
}

function notWritable(field: FieldDescribe, mode: 'create' | 'update'): RecordError {
  return recordError(
    'INVALID_FIELD_FOR_INSERT_UPDATE',
    `Unable to ${mode} fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
    [field.name],
  );
}
