import { apiError, type HttpError, notFound, sendJson } from '../http.js';
import { normalizeId } from '../ids.js';
import type { FieldDescribe } from '../metadata.js';
import type { ObjectData, OrgStore, WriteOptions, WriteResult } from '../store.js';
import type { RecordError } from '../values.js';
import { jsonObject, objectOr404, writeOptions, type RestCall } from './call.js';
import { fullRecord, matchIds, upsertField } from './records.js';

const MAX_COLLECTION = 200;

interface CollectionItem {
  id?: string;
  success: boolean;
  errors: RecordError[];
  created?: boolean;
}

type Rec = Record<string, unknown>;

/** Upsert results (UpsertResult) always carry `created`, false on a failure: nothing was created. */
function toItem(r: WriteResult, withCreated: boolean): CollectionItem {
  const item: CollectionItem = r.ok
    ? { id: r.id, success: true, errors: [] }
    : r.id
      ? { id: r.id, success: false, errors: r.errors }
      : { success: false, errors: r.errors };
  if (withCreated) item.created = r.ok && r.created;
  return item;
}

function failure(statusCode: string, message: string, fields: string[] = []): WriteResult {
  return { ok: false, errors: [{ statusCode, message, fields }] };
}

function limitError(): HttpError {
  return apiError(
    400,
    'EXCEEDED_ID_LIMIT',
    'record limit reached. cannot submit more than 200 records into this call',
  );
}

/** `/composite/sobjects[/{Obj}[/{field}]]`: sObject Collections. */
export async function collections(call: RestCall, parts: string[]): Promise<void> {
  const { method, res } = call;
  if (parts.length === 0 && method === 'DELETE') return collectionDelete(call);
  if (parts.length === 1 && (method === 'GET' || method === 'POST'))
    return collectionRetrieve(call, parts[0] as string);
  const body = await jsonObject(call.req);
  const records = body.records;
  if (!Array.isArray(records)) throw apiError(400, 'INVALID_FIELD', "Required field 'records' is missing");
  if (records.length > MAX_COLLECTION) throw limitError();
  const allOrNone = body.allOrNone === true;
  // One call is one transaction: it holds the parents of the records it writes until it answers (row locks).
  const write: WriteOptions = {
    ...writeOptions(call.req, call.version),
    lock: call.store.recordLocks?.begin(),
  };
  const answer = async (items: CollectionItem[]): Promise<void> => {
    await call.store.recordLocks?.finish(write.lock);
    sendJson(res, 200, items);
  };
  if (parts.length === 0 && method === 'POST')
    return answer(transaction(call.store, createOps(call.store, records as Rec[], write), allOrNone, false));
  if (parts.length === 0 && method === 'PATCH')
    return answer(transaction(call.store, updateOps(call.store, records as Rec[], write), allOrNone, false));
  if (parts.length === 2 && method === 'PATCH') {
    if (Number(call.version) < 46) throw notFound();
    const object = objectOr404(call.store, parts[0] as string);
    const field = upsertField(object.meta, parts[1] as string);
    if (!field)
      throw apiError(
        400,
        'INVALID_FIELD',
        `Provided external ID field does not exist or is not accessible: ${parts[1]}`,
      );
    const ops = upsertOps(call.store, object, field, records as Rec[], write);
    return answer(transaction(call.store, ops, allOrNone, true));
  }
  throw apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`);
}

function collectionDelete(call: RestCall): void {
  const ids = (call.url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length > MAX_COLLECTION) throw limitError();
  const allOrNone = call.url.searchParams.get('allOrNone') === 'true';
  const ops = ids.map((id) => () => call.store.delete(id));
  sendJson(call.res, 200, transaction(call.store, ops, allOrNone, false));
}

async function collectionRetrieve(call: RestCall, name: string): Promise<void> {
  const object = objectOr404(call.store, name);
  const params = call.url.searchParams;
  const input =
    call.method === 'GET'
      ? { ids: params.get('ids')?.split(','), fields: params.get('fields')?.split(',') }
      : ((await jsonObject(call.req)) as { ids?: string[]; fields?: string[] });
  const fieldsParam = input.fields?.join(',') ?? null;
  sendJson(
    call.res,
    200,
    (input.ids ?? []).map((id) => {
      const row = normalizeId(id) ? object.live.get(normalizeId(id) as string) : undefined;
      return row ? fullRecord(object.meta, row, call.base, fieldsParam) : null;
    }),
  );
}

function createOps(store: OrgStore, records: Rec[], write: WriteOptions): Array<() => WriteResult> {
  return records.map((rec) => () => {
    const type = (rec?.attributes as { type?: string } | undefined)?.type;
    if (!type) return failure('INVALID_TYPE', 'Must specify a type in attributes');
    const { attributes: _a, ...fields } = rec;
    if ('id' in fields || 'Id' in fields)
      return failure('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
    return store.create(type, fields, write);
  });
}

function updateOps(store: OrgStore, records: Rec[], write: WriteOptions): Array<() => WriteResult> {
  return records.map((rec) => () => {
    const { attributes, id: lowerId, Id: upperId, ...fields } = rec ?? {};
    const id = (upperId ?? lowerId) as string | undefined;
    if (!id) return failure('MISSING_ARGUMENT', 'Id not specified in an update call');
    return store.update(id, fields, (attributes as { type?: string } | undefined)?.type, write);
  });
}

function upsertOps(
  store: OrgStore,
  object: ObjectData,
  field: FieldDescribe,
  records: Rec[],
  write: WriteOptions,
): Array<() => WriteResult> {
  const keyOf = (rec: Rec): unknown =>
    rec[Object.keys(rec).find((k) => k.toLowerCase() === field.name.toLowerCase()) ?? field.name];
  const seen = new Map<string, number>();
  for (const rec of records) {
    const k = String(keyOf(rec) ?? '').toLowerCase();
    if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return records.map((rec) => () => {
    const { attributes: _a, ...fields } = rec;
    const value = keyOf(rec);
    if (value === undefined || value === null || value === '') {
      // Upsert on Id inserts the records that carry no Id, as Salesforce documents for Id as the key.
      if (field.name === 'Id') return store.create(object.meta.name, fields, write);
      return failure('MISSING_ARGUMENT', `${field.name} not specified`, [field.name]);
    }
    if ((seen.get(String(value).toLowerCase()) ?? 0) > 1)
      return failure('DUPLICATE_VALUE', `Duplicate external id specified: ${String(value)}`, [field.name]);
    const ids = matchIds(store, object, field, value);
    if (ids.length > 1) {
      return failure(
        'DUPLICATE_EXTERNAL_ID',
        `${field.label}: more than one record found for external id field: ${ids.join(', ')}`,
        [field.name],
      );
    }
    if (ids.length === 1) {
      const { [field.name]: _k, ...rest } = fields;
      return store.update(ids[0] as string, rest, undefined, write);
    }
    if (field.name === 'Id') return failure('NOT_FOUND', 'The requested resource does not exist', ['Id']);
    return store.create(object.meta.name, fields, write);
  });
}

/** Runs writes in order; with allOrNone, any failure rolls every write of the call back. */
function transaction(
  store: OrgStore,
  ops: Array<() => WriteResult>,
  allOrNone: boolean,
  withCreated: boolean,
): CollectionItem[] {
  if (allOrNone) store.beginJournal();
  const results = ops.map((op) => op());
  const failed = results.some((r) => !r.ok);
  const journal = allOrNone ? store.endJournal() : null;
  if (!journal || !failed) return results.map((r) => toItem(r, withCreated));
  store.rollback(journal);
  return results.map((r) => {
    if (!r.ok) return toItem(r, withCreated);
    const item: CollectionItem = {
      id: r.id,
      success: false,
      errors: [
        {
          statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
          message:
            'Record rolled back because not all records were valid and the request was using AllOrNone header',
          fields: [],
        },
      ],
    };
    // Rolled back, so not created [unverified: Salesforce's docs show no rolled-back upsert example].
    if (withCreated) item.created = false;
    return item;
  });
}
