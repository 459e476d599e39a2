import { childRelationship } from '../child-relationships.js';
import { apiError, notFound, sendEmpty, sendJson } from '../http.js';
import { normalizeId } from '../ids.js';
import type { FieldDescribe, ObjectMeta } from '../metadata.js';
import type { ObjectData, OrgStore } from '../store.js';
import { coerceInput, type Row } from '../values.js';
import { asApiErrors, jsonObject, methodNotAllowed, writeOptions, type RestCall } from './call.js';

/** A record as GET /sobjects/{Obj}/{id} answers it: every field, or those of `?fields=`. */
export function fullRecord(
  meta: ObjectMeta,
  row: Row,
  base: string,
  fieldList: string | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: meta.name, url: `${base}/sobjects/${meta.name}/${row.Id}` },
  };
  const fields = fieldList
    ? fieldList.split(',').map((n) => {
        const f = meta.fieldByLower.get(n.trim().toLowerCase());
        if (!f)
          throw apiError(
            400,
            'INVALID_FIELD',
            `No such column '${n.trim()}' on sobject of type ${meta.name}`,
          );
        return f;
      })
    : meta.fields;
  for (const f of fields) out[f.name] = row[f.name] ?? null;
  return out;
}

/** The field an upsert may match on: Id, an external ID, or a standard idLookup field. */
export function upsertField(meta: ObjectMeta, name: string): FieldDescribe | undefined {
  const field = meta.fieldByLower.get(name.toLowerCase());
  if (!field) return undefined;
  return field.name === 'Id' || field.externalId || (!field.custom && field.idLookup) ? field : undefined;
}

/** Finds existing live records by an external ID (or idLookup) field value. */
export function matchIds(store: OrgStore, object: ObjectData, field: FieldDescribe, raw: unknown): string[] {
  if (field.name === 'Id') {
    const id = typeof raw === 'string' ? normalizeId(raw) : null;
    return id && object.live.has(id) ? [id] : [];
  }
  const coerced = coerceInput(field, raw);
  if ('error' in coerced || coerced.value === null) return [];
  return store.lookup(object, field, coerced.value);
}

/** `/sobjects/{Obj}/{id}`: GET, PATCH, DELETE. */
export async function recordById(call: RestCall, object: ObjectData, id: string): Promise<void> {
  const { store, res, method } = call;
  const found = store.find(id);
  if (!found || found.object !== object) throw notFound();
  if (found.deleted) throw apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
  if (method === 'GET')
    return sendJson(
      res,
      200,
      fullRecord(object.meta, found.row, call.base, call.url.searchParams.get('fields')),
    );
  if (method === 'PATCH') {
    const r = store.update(id, await jsonObject(call.req), object.meta.name, writeOptions(call.req));
    if (!r.ok) throw asApiErrors(r.errors);
    return sendEmpty(res, 204);
  }
  if (method === 'DELETE') {
    const r = store.delete(id);
    if (!r.ok) throw asApiErrors(r.errors);
    return sendEmpty(res, 204);
  }
  throw methodNotAllowed(method, 'HEAD,GET,PATCH,DELETE');
}

/**
 * `/sobjects/{Obj}/{id}/{relationship}` (v36+): a parent relationship reads, updates or deletes the parent
 * record (404 when there is none); a child relationship lists the children as a query result, empty when none.
 */
export async function relationship(
  call: RestCall,
  object: ObjectData,
  id: string,
  name: string,
): Promise<void> {
  const { store } = call;
  const found = store.find(id);
  if (!found || found.object !== object) throw notFound();
  if (found.deleted) throw apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
  const fields = call.url.searchParams.get('fields');
  const parentField = object.meta.relationshipByLower.get(name.toLowerCase());
  if (parentField) {
    const parentId = found.row[parentField.name];
    const parent = typeof parentId === 'string' ? store.find(parentId) : undefined;
    if (!parent || parent.deleted) throw notFound();
    return recordById(call, parent.object, parent.row.Id as string);
  }
  const child = childRelationship(store.schema, object.meta, name);
  const childObject = child ? store.object(child.child.name) : undefined;
  if (!child || !childObject) throw notFound();
  if (call.method !== 'GET') throw methodNotAllowed(call.method, 'GET');
  const rows = store.lookup(childObject, child.field, id).map((cid) => childObject.live.get(cid) as Row);
  sendJson(call.res, 200, {
    totalSize: rows.length,
    done: true,
    records: rows.map((r) => fullRecord(childObject.meta, r, call.base, fields)),
  });
}

/** `/sobjects/{Obj}/{field}/{value}`: GET, DELETE, and PATCH as an upsert. */
export async function byExternalId(
  call: RestCall,
  object: ObjectData,
  fieldName: string,
  value: string,
): Promise<void> {
  const { store, res, method, base } = call;
  const meta = object.meta;
  const field = upsertField(meta, fieldName);
  if (!field) throw notFound(`Provided external ID field does not exist or is not accessible: ${fieldName}`);
  const ids = matchIds(store, object, field, value);
  if (ids.length > 1)
    return sendJson(
      res,
      300,
      ids.map((id) => `${base}/sobjects/${meta.name}/${id}`),
    );
  if (method === 'GET') {
    if (ids.length === 0) throw notFound();
    const row = object.live.get(ids[0] as string) as Row;
    return sendJson(res, 200, fullRecord(meta, row, base, call.url.searchParams.get('fields')));
  }
  if (method === 'DELETE') {
    if (ids.length === 0) throw notFound();
    store.delete(ids[0] as string);
    return sendEmpty(res, 204);
  }
  if (method !== 'PATCH') throw methodNotAllowed(method, 'GET,PATCH,DELETE');
  const body = await jsonObject(call.req);
  const sent = Object.keys(body).find((k) => k.toLowerCase() === field.name.toLowerCase());
  if (sent) delete body[sent];
  const write = writeOptions(call.req, call.version);
  if (ids.length === 0) {
    if (call.url.searchParams.get('updateOnly') === 'true') throw notFound();
    const r = store.create(meta.name, field.name === 'Id' ? body : { ...body, [field.name]: value }, write);
    if (!r.ok) throw asApiErrors(r.errors);
    return sendJson(res, 201, { id: r.id, success: true, errors: [], created: true });
  }
  const r = store.update(ids[0] as string, body, undefined, write);
  if (!r.ok) throw asApiErrors(r.errors);
  if (Number(call.version) < 46) return sendEmpty(res, 204);
  return sendJson(res, 200, { id: r.id, success: true, errors: [], created: false });
}
