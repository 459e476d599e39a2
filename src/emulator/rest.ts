import type { IncomingMessage, ServerResponse } from 'node:http';
import { childRelationship, childRelationships } from './child-relationships.js';
import { createTree } from './composite-tree.js';
import { apiError, HttpError, notFound, parseJsonBody, readBody, sendEmpty, sendJson } from './http.js';
import { normalizeId, to18 } from './ids.js';
import { getDeleted, getUpdated } from './replication.js';
import type { FieldDescribe, ObjectMeta } from './metadata.js';
import { explainQuery, runQuery, SoqlError, type QueryResult } from './soql/execute.js';
import { autoAssignOf } from './assignment-rules.js';
import { allowSaveOf } from './duplicate-rules.js';
import type { ObjectData, OrgStore, WriteOptions, WriteResult } from './store.js';
import { coerceInput, type RecordError, type Row } from './values.js';

const MAX_COLLECTION = 200;

interface Cursor {
  result: QueryResult;
  pageSize: number;
  lastUsed: number;
}

interface CollectionItem {
  id?: string;
  success: boolean;
  errors: RecordError[];
  created?: boolean;
}

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

/**
 * A record's errors as the answer of a single-record call. A duplicate rule's details come under the key
 * `duplicateResut`: Salesforce's own spelling on this path [obs, salesforce-api.md 2.7].
 */
function asApiErrors(errors: RecordError[]): HttpError {
  return new HttpError(
    400,
    errors.map((e) => ({
      message: e.message,
      errorCode: e.statusCode,
      fields: e.fields,
      ...(e.duplicateResult ? { duplicateResut: e.duplicateResult } : {}),
    })),
  );
}

/**
 * The Sforce-Duplicate-Rule-Header and Sforce-Auto-Assign of a write call (REST only: Bulk API jobs take no such
 * headers; a job names its assignment rule in `assignmentRuleId`).
 */
function writeOptions(req: IncomingMessage, version?: string): WriteOptions {
  return {
    allowSave: allowSaveOf(req.headers['sforce-duplicate-rule-header']),
    autoAssign: autoAssignOf(req.headers['sforce-auto-assign']),
    version,
  };
}

/** The REST API under /services/data/vXX.X, for one org. */
export class RestApi {
  private readonly cursors = new Map<string, Cursor>();
  private cursorCounter = 0;

  constructor(
    private readonly store: OrgStore,
    private readonly describeGlobalExtra: () => Record<string, unknown>,
    private readonly resources: (version: string) => Record<string, string>,
    private readonly limits: () => Record<string, unknown>,
    private readonly clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
  }

  /** When the org started: nothing older was ever deleted, so getDeleted has everything since then. */
  private readonly startedAt: number;

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    version: string,
    rest: string[],
  ): Promise<void> {
    const base = `/services/data/v${version}`;
    const method = req.method ?? 'GET';
    const [head, ...tail] = rest;
    if (head === undefined)
      return this.only(method, 'GET', () => sendJson(res, 200, this.resources(version)));
    switch (head) {
      case 'limits':
        return this.only(method, 'GET', () => sendJson(res, 200, this.limits()));
      case 'sobjects':
        return this.sobjects(req, res, url, base, version, tail);
      case 'composite':
        if (tail[0] === 'sobjects') return this.collections(req, res, url, base, version, tail.slice(1));
        if (tail[0] === 'tree' && tail.length === 2) {
          if (method !== 'POST')
            throw apiError(
              405,
              'METHOD_NOT_ALLOWED',
              `HTTP Method '${method}' not allowed. Allowed are POST`,
            );
          const tree = createTree(
            this.store,
            tail[1] as string,
            await this.jsonObject(req),
            writeOptions(req, version),
          );
          return sendJson(res, tree.status, tree.body);
        }
        // The composite resources this org serves [unverified: Salesforce also lists batch and graph].
        if (tail.length === 0)
          return this.only(method, 'GET', () =>
            sendJson(res, 200, {
              tree: `${base}/composite/tree`,
              sobjects: `${base}/composite/sobjects`,
            }),
          );
        throw notFound();
      case 'query':
      case 'queryAll':
        return this.only(method, 'GET', () => this.query(req, res, url, base, head === 'queryAll', tail));
      default:
        throw notFound();
    }
  }

  private only(method: string, allowed: string, run: () => unknown): void {
    if (method !== allowed) {
      throw apiError(
        405,
        'METHOD_NOT_ALLOWED',
        `HTTP Method '${method}' not allowed. Allowed are ${allowed}`,
      );
    }
    run();
  }

  private objectOr404(name: string): ObjectData {
    const object = this.store.object(name);
    if (!object) throw notFound();
    return object;
  }

  private globalEntry(meta: ObjectMeta, base: string): Record<string, unknown> {
    const urls = {
      compactLayouts: `${base}/sobjects/${meta.name}/describe/compactLayouts`,
      rowTemplate: `${base}/sobjects/${meta.name}/{ID}`,
      describe: `${base}/sobjects/${meta.name}/describe`,
      sobject: `${base}/sobjects/${meta.name}`,
    };
    const entry: Record<string, unknown> = {
      ...meta.flags,
      keyPrefix: meta.keyPrefix,
      label: meta.label,
      labelPlural: meta.labelPlural,
      name: meta.name,
      urls,
    };
    return Object.fromEntries(Object.entries(entry).sort(([a], [b]) => a.localeCompare(b)));
  }

  private describe(meta: ObjectMeta, base: string): Record<string, unknown> {
    const children = childRelationships(this.store.schema, meta).map((r) => ({
      cascadeDelete: false,
      childSObject: r.child.name,
      deprecatedAndHidden: false,
      field: r.field.name,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: r.relationshipName,
      restrictedDelete: false,
    }));
    return {
      ...this.globalEntry(meta, base),
      actionOverrides: [],
      childRelationships: children,
      compactLayoutable: true,
      fields: meta.fields,
      listviewable: null,
      lookupLayoutable: null,
      namedLayoutInfos: [],
      networkScopeFieldName: null,
      recordTypeInfos: meta.recordTypeInfos,
      searchLayoutable: true,
      supportedScopes: [
        { label: 'All', name: 'everything' },
        { label: 'My', name: 'mine' },
      ],
    };
  }

  private async sobjects(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    base: string,
    version: string,
    parts: string[],
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (parts.length === 0) {
      return this.only(method, 'GET', () =>
        sendJson(res, 200, {
          encoding: 'UTF-8',
          maxBatchSize: 200,
          sobjects: this.store.schema.all().map((m) => this.globalEntry(m, base)),
          ...this.describeGlobalExtra(),
        }),
      );
    }
    const object = this.objectOr404(parts[0] as string);
    const meta = object.meta;
    if (parts.length === 1) {
      if (method === 'GET')
        return sendJson(res, 200, { objectDescribe: this.globalEntry(meta, base), recentItems: [] });
      if (method === 'POST') {
        const body = await this.jsonObject(req);
        const r = this.store.create(meta.name, body, writeOptions(req, version));
        if (!r.ok) throw asApiErrors(r.errors);
        return sendJson(res, 201, { id: r.id, success: true, errors: [] });
      }
      throw apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,POST`);
    }
    if (parts.length === 2 && parts[1] === 'describe')
      return this.only(method, 'GET', () => sendJson(res, 200, this.describe(meta, base)));
    if (parts.length === 2 && parts[1] === 'updated')
      return this.only(method, 'GET', () => sendJson(res, 200, getUpdated(object, url, this.clock())));
    if (parts.length === 2 && parts[1] === 'deleted') {
      return this.only(method, 'GET', () =>
        sendJson(res, 200, getDeleted(object, url, this.clock(), this.startedAt)),
      );
    }
    if (parts.length === 2) {
      const segment = parts[1] as string;
      if (segment.toLowerCase() === 'id' && method === 'POST') {
        const r = this.store.create(meta.name, await this.jsonObject(req), writeOptions(req, version));
        if (!r.ok) throw asApiErrors(r.errors);
        return sendJson(res, 201, { id: r.id, success: true, errors: [], created: true });
      }
      const id = normalizeId(segment);
      if (!id || id.slice(0, 3) !== meta.keyPrefix) {
        throw notFound(`Provided external ID field does not exist or is not accessible: ${segment}`);
      }
      return this.recordById(req, res, url, base, object, id);
    }
    const ownId = parts.length === 3 ? normalizeId(parts[1] as string) : null;
    if (ownId && ownId.slice(0, 3) === meta.keyPrefix)
      return this.relationship(req, res, url, base, object, ownId, parts[2] as string);
    if (parts.length === 3)
      return this.byExternalId(
        req,
        res,
        url,
        base,
        version,
        object,
        parts[1] as string,
        decodeURIComponent(parts[2] as string),
      );
    throw notFound();
  }

  private async recordById(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    base: string,
    object: ObjectData,
    id: string,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const found = this.store.find(id);
    if (!found || found.object !== object) throw notFound();
    if (found.deleted) throw apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    if (method === 'GET')
      return sendJson(
        res,
        200,
        this.fullRecord(object.meta, found.row, base, url.searchParams.get('fields')),
      );
    if (method === 'PATCH') {
      const r = this.store.update(id, await this.jsonObject(req), object.meta.name, writeOptions(req));
      if (!r.ok) throw asApiErrors(r.errors);
      return sendEmpty(res, 204);
    }
    if (method === 'DELETE') {
      const r = this.store.delete(id);
      if (!r.ok) throw asApiErrors(r.errors);
      return sendEmpty(res, 204);
    }
    throw apiError(
      405,
      'METHOD_NOT_ALLOWED',
      `HTTP Method '${method}' not allowed. Allowed are HEAD,GET,PATCH,DELETE`,
    );
  }

  /**
   * `/sobjects/{Obj}/{id}/{relationship}` (v36+): a parent relationship reads, updates or deletes the parent
   * record (404 when there is none); a child relationship lists the children as a query result, empty when none.
   */
  private async relationship(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    base: string,
    object: ObjectData,
    id: string,
    name: string,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const found = this.store.find(id);
    if (!found || found.object !== object) throw notFound();
    if (found.deleted) throw apiError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    const fields = url.searchParams.get('fields');
    const parentField = object.meta.relationshipByLower.get(name.toLowerCase());
    if (parentField) {
      const parentId = found.row[parentField.name];
      const parent = typeof parentId === 'string' ? this.store.find(parentId) : undefined;
      if (!parent || parent.deleted) throw notFound();
      return this.recordById(req, res, url, base, parent.object, parent.row.Id as string);
    }
    const child = childRelationship(this.store.schema, object.meta, name);
    const childObject = child ? this.store.object(child.child.name) : undefined;
    if (!child || !childObject) throw notFound();
    if (method !== 'GET')
      throw apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET`);
    const rows = this.store
      .lookup(childObject, child.field, id)
      .map((cid) => childObject.live.get(cid) as Row);
    sendJson(res, 200, {
      totalSize: rows.length,
      done: true,
      records: rows.map((r) => this.fullRecord(childObject.meta, r, base, fields)),
    });
  }

  private fullRecord(
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

  private upsertField(meta: ObjectMeta, name: string): FieldDescribe | undefined {
    const field = meta.fieldByLower.get(name.toLowerCase());
    if (!field) return undefined;
    return field.name === 'Id' || field.externalId || (!field.custom && field.idLookup) ? field : undefined;
  }

  /** Finds existing live records by an external ID (or idLookup) field value. */
  private matchIds(object: ObjectData, field: FieldDescribe, raw: unknown): string[] {
    if (field.name === 'Id') {
      const id = typeof raw === 'string' ? normalizeId(raw) : null;
      return id && object.live.has(id) ? [id] : [];
    }
    const coerced = coerceInput(field, raw);
    if ('error' in coerced || coerced.value === null) return [];
    return this.store.lookup(object, field, coerced.value);
  }

  private async byExternalId(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    base: string,
    version: string,
    object: ObjectData,
    fieldName: string,
    value: string,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const meta = object.meta;
    const field = this.upsertField(meta, fieldName);
    if (!field)
      throw notFound(`Provided external ID field does not exist or is not accessible: ${fieldName}`);
    const ids = this.matchIds(object, field, value);
    if (ids.length > 1)
      return sendJson(
        res,
        300,
        ids.map((id) => `${base}/sobjects/${meta.name}/${id}`),
      );
    if (method === 'GET') {
      if (ids.length === 0) throw notFound();
      return sendJson(
        res,
        200,
        this.fullRecord(meta, object.live.get(ids[0] as string) as Row, base, url.searchParams.get('fields')),
      );
    }
    if (method === 'DELETE') {
      if (ids.length === 0) throw notFound();
      this.store.delete(ids[0] as string);
      return sendEmpty(res, 204);
    }
    if (method !== 'PATCH')
      throw apiError(
        405,
        'METHOD_NOT_ALLOWED',
        `HTTP Method '${method}' not allowed. Allowed are GET,PATCH,DELETE`,
      );
    const body = await this.jsonObject(req);
    const sent = Object.keys(body).find((k) => k.toLowerCase() === field.name.toLowerCase());
    if (sent) delete body[sent];
    if (ids.length === 0) {
      if (url.searchParams.get('updateOnly') === 'true') throw notFound();
      const r = this.store.create(
        meta.name,
        field.name === 'Id' ? body : { ...body, [field.name]: value },
        writeOptions(req, version),
      );
      if (!r.ok) throw asApiErrors(r.errors);
      return sendJson(res, 201, { id: r.id, success: true, errors: [], created: true });
    }
    const r = this.store.update(ids[0] as string, body, undefined, writeOptions(req, version));
    if (!r.ok) throw asApiErrors(r.errors);
    if (Number(version) < 46) return sendEmpty(res, 204);
    return sendJson(res, 200, { id: r.id, success: true, errors: [], created: false });
  }

  private async jsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
    const body = parseJsonBody(await readBody(req, 50_000_000));
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw apiError(
        400,
        'JSON_PARSER_ERROR',
        'Cannot deserialize instance of SObject from START_ARRAY value or request may be missing a required field',
      );
    }
    return body as Record<string, unknown>;
  }

  // ---- sObject Collections ----

  private async collections(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    base: string,
    version: string,
    parts: string[],
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (parts.length === 0 && method === 'DELETE') {
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
      if (ids.length > MAX_COLLECTION) throw limitError();
      const allOrNone = url.searchParams.get('allOrNone') === 'true';
      return sendJson(
        res,
        200,
        this.transaction(
          ids.map((id) => () => this.store.delete(id)),
          allOrNone,
          false,
        ),
      );
    }
    if (parts.length === 1 && (method === 'GET' || method === 'POST')) {
      const object = this.objectOr404(parts[0] as string);
      const input =
        method === 'GET'
          ? {
              ids: url.searchParams.get('ids')?.split(','),
              fields: url.searchParams.get('fields')?.split(','),
            }
          : ((await this.jsonObject(req)) as { ids?: string[]; fields?: string[] });
      const fieldsParam = input.fields?.join(',') ?? null;
      return sendJson(
        res,
        200,
        (input.ids ?? []).map((id) => {
          const row = normalizeId(id) ? object.live.get(normalizeId(id) as string) : undefined;
          return row ? this.fullRecord(object.meta, row, base, fieldsParam) : null;
        }),
      );
    }
    const body = await this.jsonObject(req);
    const records = body.records;
    if (!Array.isArray(records)) throw apiError(400, 'INVALID_FIELD', "Required field 'records' is missing");
    if (records.length > MAX_COLLECTION) throw limitError();
    const allOrNone = body.allOrNone === true;
    // One call is one transaction: it holds the parents of the records it writes until it answers.
    const write: WriteOptions = { ...writeOptions(req, version), lock: this.store.recordLocks?.begin() };
    const answer = async (items: CollectionItem[]): Promise<void> => {
      await this.store.recordLocks?.finish(write.lock);
      sendJson(res, 200, items);
    };
    if (parts.length === 0 && method === 'POST') {
      const ops = records.map((rec: Record<string, unknown>) => () => {
        const type = (rec?.attributes as { type?: string } | undefined)?.type;
        if (!type) return failure('INVALID_TYPE', 'Must specify a type in attributes');
        const { attributes: _a, ...fields } = rec;
        if ('id' in fields || 'Id' in fields)
          return failure('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
        return this.store.create(type, fields, write);
      });
      return answer(this.transaction(ops, allOrNone, false));
    }
    if (parts.length === 0 && method === 'PATCH') {
      const ops = records.map((rec: Record<string, unknown>) => () => {
        const { attributes, id: lowerId, Id: upperId, ...fields } = rec ?? {};
        const id = (upperId ?? lowerId) as string | undefined;
        if (!id) return failure('MISSING_ARGUMENT', 'Id not specified in an update call');
        return this.store.update(id, fields, (attributes as { type?: string } | undefined)?.type, write);
      });
      return answer(this.transaction(ops, allOrNone, false));
    }
    if (parts.length === 2 && method === 'PATCH') {
      if (Number(version) < 46) throw notFound();
      const object = this.objectOr404(parts[0] as string);
      const field = this.upsertField(object.meta, parts[1] as string);
      if (!field)
        throw apiError(
          400,
          'INVALID_FIELD',
          `Provided external ID field does not exist or is not accessible: ${parts[1]}`,
        );
      const keyOf = (rec: Record<string, unknown>): unknown =>
        rec[Object.keys(rec).find((k) => k.toLowerCase() === field.name.toLowerCase()) ?? field.name];
      const seen = new Map<string, number>();
      for (const rec of records as Record<string, unknown>[]) {
        const k = String(keyOf(rec) ?? '').toLowerCase();
        if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      const ops = (records as Record<string, unknown>[]).map((rec) => () => {
        const { attributes: _a, ...fields } = rec;
        const value = keyOf(rec);
        if (value === undefined || value === null || value === '') {
          // Upsert on Id inserts the records that carry no Id, as Salesforce documents for Id as the key.
          if (field.name === 'Id') return this.store.create(object.meta.name, fields, write);
          return failure('MISSING_ARGUMENT', `${field.name} not specified`, [field.name]);
        }
        if ((seen.get(String(value).toLowerCase()) ?? 0) > 1)
          return failure('DUPLICATE_VALUE', `Duplicate external id specified: ${String(value)}`, [
            field.name,
          ]);
        const ids = this.matchIds(object, field, value);
        if (ids.length > 1) {
          return failure(
            'DUPLICATE_EXTERNAL_ID',
            `${field.label}: more than one record found for external id field: ${ids.join(', ')}`,
            [field.name],
          );
        }
        if (ids.length === 1) {
          const { [field.name]: _k, ...rest } = fields;
          return this.store.update(ids[0] as string, rest, undefined, write);
        }
        if (field.name === 'Id') return failure('NOT_FOUND', 'The requested resource does not exist', ['Id']);
        return this.store.create(object.meta.name, fields, write);
      });
      return answer(this.transaction(ops, allOrNone, true));
    }
    throw apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed.`);
  }

  /** Runs writes in order; with allOrNone, any failure rolls every write of the call back. */
  private transaction(
    ops: Array<() => WriteResult>,
    allOrNone: boolean,
    withCreated: boolean,
  ): CollectionItem[] {
    if (allOrNone) this.store.beginJournal();
    const results = ops.map((op) => op());
    const failed = results.some((r) => !r.ok);
    const journal = allOrNone ? this.store.endJournal() : null;
    if (journal && failed) {
      this.store.rollback(journal);
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
    return results.map((r) => toItem(r, withCreated));
  }

  // ---- query ----

  private query(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    base: string,
    all: boolean,
    tail: string[],
  ): void {
    const pageSize = this.pageSize(req.headers['sforce-query-options']);
    if (tail.length > 0) {
      const [cursorId, offsetText] = (tail[0] as string).split('-');
      const cursor = cursorId ? this.cursors.get(cursorId) : undefined;
      if (!cursor) throw apiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      cursor.lastUsed = Date.now();
      return sendJson(res, 200, this.page(cursorId as string, cursor, Number(offsetText ?? 0), base));
    }
    const explain = url.searchParams.get('explain');
    if (explain !== null && !all) return this.explain(res, explain);
    const soql = url.searchParams.get('q');
    if (soql === null) throw apiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    let result: QueryResult;
    try {
      result = runQuery(this.store, soql, { all, now: this.clock() });
    } catch (err) {
      if (err instanceof SoqlError) throw apiError(400, err.errorCode, err.message);
      throw err;
    }
    if (result.plan.countOnly)
      return sendJson(res, 200, { totalSize: result.totalSize, done: true, records: [] });
    const cursorId = to18(`01g5g${String(++this.cursorCounter).padStart(10, '0')}`);
    const cursor = { result, pageSize, lastUsed: Date.now() };
    if (result.rows.length > pageSize) this.rememberCursor(cursorId, cursor);
    sendJson(res, 200, this.page(cursorId, cursor, 0, base));
  }

  private explain(res: ServerResponse, soql: string): void {
    // A report or list view id is also accepted by Salesforce; this org has neither [doc: INVALID_ID].
    if (/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(soql.trim()))
      throw apiError(400, 'INVALID_ID', `invalid report or list view id: ${soql.trim()}`);
    try {
      sendJson(res, 200, explainQuery(this.store, soql, this.clock()));
    } catch (err) {
      if (err instanceof SoqlError) throw apiError(400, err.errorCode, err.message);
      throw err;
    }
  }

  private rememberCursor(id: string, cursor: Cursor): void {
    this.cursors.set(id, cursor);
    // Salesforce keeps a bounded number of open cursors per user; drop the oldest beyond that.
    if (this.cursors.size > 50) {
      const oldest = [...this.cursors.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (oldest) this.cursors.delete(oldest[0]);
    }
  }

  private page(cursorId: string, cursor: Cursor, offset: number, base: string): Record<string, unknown> {
    const rows = cursor.result.rows;
    const slice = rows.slice(offset, offset + cursor.pageSize);
    const done = offset + slice.length >= rows.length;
    const out: Record<string, unknown> = { totalSize: rows.length, done };
    if (!done) out.nextRecordsUrl = `${base}/query/${cursorId}-${offset + slice.length}`;
    else this.cursors.delete(cursorId);
    out.records = slice.map((row) => cursor.result.project(row, base));
    return out;
  }

  private pageSize(header: string | string[] | undefined): number {
    const m = /batchSize=(\d+)/i.exec(String(header ?? ''));
    if (!m) return 2000;
    return Math.min(2000, Math.max(200, Number(m[1])));
  }
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
