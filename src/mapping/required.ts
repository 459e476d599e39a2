import type { ObjectInfo } from '../salesforce/types.js';
import { isRequiredOnCreate } from '../salesforce/types.js';
import type { ValueError } from './coerce.js';

/** The field a payload key fills: itself, or for a parent given by external ID (`Account: {...}`) its Id field. */
function filledField(object: ObjectInfo, key: string, value: unknown): string {
  if (value === null || typeof value !== 'object') return key;
  return object.fields.find((f) => f.relationshipName === key)?.name ?? key;
}

/**
 * What Salesforce answers REQUIRED_FIELD_MISSING for, predicted from describe: a new record without a field that
 * is required on create, or an update that empties one. `present` names fields that had a value the mapping
 * refused (already reported, so not missing). A Person Account needs LastName instead of Name.
 */
export function missingRequired(
  object: ObjectInfo,
  payload: Record<string, unknown>,
  action: 'create' | 'update',
  present: ReadonlySet<string> = new Set(),
): ValueError | null {
  const filled = new Map<string, unknown>();
  for (const [k, v] of Object.entries(payload)) filled.set(filledField(object, k, v).toLowerCase(), v);
  const has = (name: string): boolean => {
    const v = filled.get(name.toLowerCase());
    return (v !== undefined && v !== null) || present.has(name);
  };
  let missing: string[];
  if (action === 'update') {
    missing = object.fields
      .filter((f) => isRequiredOnCreate(f) && filled.has(f.name.toLowerCase()) && !has(f.name))
      .map((f) => f.name);
  } else {
    missing = object.fields.filter((f) => isRequiredOnCreate(f) && !has(f.name)).map((f) => f.name);
    if (object.name === 'Account' && has('LastName') && !has('Name'))
      missing = missing.filter((n) => n !== 'Name');
  }
  if (missing.length === 0) return null;
  return {
    code: 'REQUIRED_FIELD_MISSING',
    message: `Required fields are missing: [${missing.join(', ')}]`,
    fields: missing,
  };
}

/**
 * Several problems of one record as one failure: the first one's code, every message, every field, and each
 * problem as a cause, so the summary counts it under every code.
 */
export function combineErrors(errors: ValueError[]): ValueError {
  const all = errors.flatMap((e) => e.causes ?? [e]);
  const [first] = all as [ValueError, ...ValueError[]];
  if (all.length === 1) return first;
  return {
    code: first.code,
    message: all.map((e) => `${e.code}: ${e.message}`).join('; '),
    fields: [...new Set(all.flatMap((e) => e.fields ?? []))],
    causes: all,
  };
}
