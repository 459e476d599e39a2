import { apiError } from './http.js';
import type { FieldDescribe } from './metadata.js';
import type { LockTransaction } from './record-locks.js';
import type { ObjectData, OrgStore, WriteOptions, WriteResult } from './store.js';
import { coerceInput } from './values.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** What applying a row needs of its job (a Bulk API 2.0 job or a 1.0 batch). */
export interface RowJob {
  operation: IngestOperation;
  externalIdFieldName?: string;
  failed: number;
  /** The Lead or Case assignment rule the job runs (none without it) [doc Bulk API 2.0 "Create a Job"]. */
  assignmentRuleId?: string;
  /** The transaction of the chunk being processed (row locks). */
  lock?: LockTransaction;
}

/**
 * A job runs no assignment rule unless it names one; the one it names runs on every row it saves [doc: the
 * property exists for insert, update and upsert; that it also reassigns updated rows is unverified].
 */
function rowOptions(job: RowJob): WriteOptions {
  return {
    autoAssign: job.assignmentRuleId
      ? { kind: 'rule', id: job.assignmentRuleId, onUpdate: true }
      : { kind: 'none' },
    lock: job.lock,
  };
}

export interface RowResult {
  values: string[];
  id: string;
  created?: boolean;
  error?: string;
}

export function csvLine(values: string[], delimiter = ','): string {
  return values.map((v) => `"${v.replace(/"/g, '""')}"`).join(delimiter);
}

/** A CSV header cell as a field or a parent reference by external ID; Bulk API 1.0 reads headers alike. */
export function column(object: ObjectData, name: string): Column | null {
  const dot = name.indexOf('.');
  if (dot < 0) {
    const field = object.meta.fieldByLower.get(name.toLowerCase());
    return field ? { kind: 'field', field } : null;
  }
  // `Account.External_Id__c`, or `Lead:Who.Email` on polymorphic fields.
  const rel = name.slice(0, dot).replace(/^\w+:/, '');
  const ref = object.meta.relationshipByLower.get(rel.toLowerCase());
  if (!ref) return null;
  return { kind: 'parent', relationship: ref.relationshipName as string, key: name.slice(dot + 1) };
}

/** One CSV row through the REST validation rules; Bulk API 1.0 batches use it too. */
export function applyRow(
  store: OrgStore,
  job: RowJob,
  object: ObjectData,
  columns: Column[],
  values: string[],
): RowResult {
  const body: Record<string, unknown> = {};
  let id = '';
  columns.forEach((c, i) => {
    const raw = values[i] ?? '';
    if (raw === '') return; // an empty cell leaves the field as it is
    const value = raw === '#N/A' ? null : raw;
    if (c.kind === 'parent') body[c.relationship] = { [c.key]: value };
    else if (c.field.name === 'Id') id = raw;
    else body[c.field.name] = value;
  });
  let r: WriteResult;
  switch (job.operation) {
    case 'insert':
      r = store.create(object.meta.name, body, rowOptions(job));
      break;
    case 'update':
      r = id ? store.update(id, body, object.meta.name, rowOptions(job)) : missing('Id');
      break;
    case 'delete':
      r = id ? store.delete(id) : missing('Id');
      break;
    case 'hardDelete':
      r = id ? store.purge(id) : missing('Id');
      break;
    default:
      r = upsert(store, job, object, body, id);
  }
  if (r.ok)
    return {
      values,
      id: r.id,
      created:
        r.created &&
        job.operation !== 'delete' &&
        job.operation !== 'hardDelete' &&
        job.operation !== 'update',
    };
  job.failed++;
  let e = r.errors[0];
  // A CSV cell is text: where the JSON API reports a parse error, Bulk reports the field's type.
  if (e?.statusCode === 'JSON_PARSER_ERROR') {
    const field = object.meta.fieldByLower.get((e.fields[0] ?? '').toLowerCase());
    const value = values[columns.findIndex((c) => c.kind === 'field' && c.field === field)] ?? '';
    e = {
      statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
      message: `${field?.label ?? e.fields[0]}: value not of required type: ${value}`,
      fields: e.fields,
    };
  }
  return {
    values,
    id: r.id ?? '',
    error: `${e?.statusCode ?? 'UNKNOWN_EXCEPTION'}:${e?.message ?? ''}:${(e?.fields ?? []).join(',')} --`,
  };
}

function upsert(
  store: OrgStore,
  job: RowJob,
  object: ObjectData,
  body: Record<string, unknown>,
  id: string,
): WriteResult {
  const field = object.meta.fieldByLower.get((job.externalIdFieldName ?? '').toLowerCase()) as FieldDescribe;
  if (field.name === 'Id')
    return id
      ? store.update(id, body, object.meta.name, rowOptions(job))
      : store.create(object.meta.name, body, rowOptions(job));
  const raw = body[field.name];
  if (raw === undefined || raw === null) return missing(field.name);
  const coerced = coerceInput(field, raw);
  const ids = 'value' in coerced && coerced.value !== null ? store.lookup(object, field, coerced.value) : [];
  if (ids.length > 1) {
    return {
      ok: false,
      errors: [
        {
          statusCode: 'DUPLICATE_EXTERNAL_ID',
          message: `${field.label}: more than one record found for external id field: ${ids.join(', ')}`,
          fields: [field.name],
        },
      ],
    };
  }
  if (ids.length === 1) {
    const { [field.name]: _k, ...rest } = body;
    return store.update(ids[0] as string, rest, undefined, rowOptions(job));
  }
  return store.create(object.meta.name, body, rowOptions(job));
}

export type Column =
  { kind: 'field'; field: FieldDescribe } | { kind: 'parent'; relationship: string; key: string };

/**
 * A hardDelete job asked by a user without the "Bulk API Hard Delete" permission. Code and text as clients meet
 * them (jsforce and Data Loader match this message) [obs]; the HTTP status is [unverified].
 */
export function hardDeleteRefused(): ReturnType<typeof apiError> {
  return apiError(
    400,
    'FeatureNotEnabled',
    'hardDelete operation requires special user profile permission, please contact your system administrator',
  );
}

function missing(field: string): WriteResult {
  return {
    ok: false,
    errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${field} not specified`, fields: [field] }],
  };
}
