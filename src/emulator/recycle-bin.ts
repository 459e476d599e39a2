import { normalizeId } from './ids.js';
import type { OrgStore, WriteResult } from './store.js';
import { recordError } from './values.js';

/**
 * `undelete()`: a record in the Recycle Bin comes back live with its Id, its fields as they were, and a new
 * SystemModstamp [doc SOAP "undelete()"]. A live record cannot be undeleted (UNDELETE_FAILED), nor one purged by a
 * hard delete; an Id that names no record of this org is refused as invalid. The codes follow Salesforce's
 * StatusCode list; the messages of the last two are [unverified].
 */
export function undelete(store: OrgStore, id: string): WriteResult {
  const full = normalizeId(id);
  const object = full ? store.objectOfId(full) : undefined;
  if (!full || !object) return { ok: false, errors: [recordError('INVALID_ID_FIELD', 'invalid record id')] };
  if (object.meta.flags.undeletable === false)
    return {
      ok: false,
      errors: [recordError('UNDELETE_FAILED', `${object.meta.name} records cannot be undeleted`)],
    };
  if (object.live.has(full))
    return { ok: false, errors: [recordError('UNDELETE_FAILED', 'Entity is not in the recycle bin')] };
  const row = object.deleted.get(full);
  if (!row) return { ok: false, errors: [recordError('ENTITY_IS_DELETED', 'entity is deleted')] };
  // A unique value another record took while this one was in the bin keeps it there.
  for (const field of object.meta.fields) {
    const value = row[field.name];
    if (!field.unique || value === null || value === undefined) continue;
    const other = store.lookup(object, field, value).find((o) => o !== full);
    if (other)
      return {
        ok: false,
        errors: [
          recordError(
            'DUPLICATE_VALUE',
            `duplicate value found: ${field.name} duplicates value on record with id: ${other}`,
            [field.name],
          ),
        ],
      };
  }
  const stamp = store.stampAfter(row);
  store.restore(
    object,
    full,
    {
      ...row,
      IsDeleted: false,
      LastModifiedDate: stamp,
      SystemModstamp: stamp,
      LastModifiedById: store.userId,
    },
    undefined,
  );
  return { ok: true, id: full, created: false };
}
