import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTree } from './composite-tree.js';
import { notFound, sendJson, sendJsonText } from './http.js';
import { normalizeId } from './ids.js';
import { recordCounts } from './org-limits.js';
import { getDeleted, getUpdated } from './replication.js';
import {
  asApiErrors,
  jsonObject,
  methodNotAllowed,
  objectOr404,
  only,
  writeOptions,
  type RestCall,
} from './rest/call.js';
import { collections } from './rest/collections.js';
import { composite, compositeBatch, runInProcess, type SubRequestRunner } from './rest/composite.js';
import { compositeGraph } from './rest/composite-graph.js';
import { describeText, globalEntry } from './rest/describe.js';
import { QueryCursors } from './rest/query.js';
import { byExternalId, recordById, relationship } from './rest/records.js';
import type { ObjectData, OrgStore } from './store.js';

/** The REST API under /services/data/vXX.X, for one org. */
export class RestApi {
  private readonly queries = new QueryCursors();
  /** When the org started: nothing older was ever deleted, so getDeleted has everything since then. */
  private readonly startedAt: number;

  constructor(
    private readonly store: OrgStore,
    private readonly resources: (version: string) => Record<string, string>,
    private readonly limits: () => Record<string, unknown>,
    private readonly clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    version: string,
    rest: string[],
  ): Promise<void> {
    const call: RestCall = {
      req,
      res,
      url,
      method: req.method ?? 'GET',
      version,
      base: `/services/data/v${version}`,
      store: this.store,
      now: this.clock(),
    };
    const [head, ...tail] = rest;
    if (head === undefined) return only(call, 'GET', () => sendJson(res, 200, this.resources(version)));
    switch (head) {
      case 'limits':
        if (tail[0] === 'recordCount' && tail.length === 1 && Number(version) >= 40)
          return only(call, 'GET', () => sendJson(res, 200, recordCounts(this.store, url)));
        if (tail.length > 0) throw notFound();
        return only(call, 'GET', () => sendJson(res, 200, this.limits()));
      case 'sobjects':
        return this.sobjects(call, tail);
      case 'composite':
        return this.composite(call, tail);
      case 'query':
      case 'queryAll':
        return only(call, 'GET', () => this.queries.handle(call, head === 'queryAll', tail));
      default:
        throw notFound();
    }
  }

  private async composite(call: RestCall, tail: string[]): Promise<void> {
    if (tail[0] === 'sobjects') return collections(call, tail.slice(1));
    if (tail[0] === 'tree' && tail.length === 2) {
      if (call.method !== 'POST') throw methodNotAllowed(call.method, 'POST');
      const body = await jsonObject(call.req);
      const tree = createTree(this.store, tail[1] as string, body, writeOptions(call.req, call.version));
      return sendJson(call.res, tree.status, tree.body);
    }
    if (tail[0] === 'batch' && tail.length === 1) return compositeBatch(call, this.subrequests(call));
    if (tail[0] === 'graph' && tail.length === 1) return compositeGraph(call, this.subrequests(call));
    if (tail.length === 0 && call.method === 'POST') return composite(call, this.subrequests(call));
    // The composite resources this org serves [unverified: the list's keys and order].
    if (tail.length === 0)
      return only(call, 'GET', () =>
        sendJson(call.res, 200, {
          tree: `${call.base}/composite/tree`,
          batch: `${call.base}/composite/batch`,
          sobjects: `${call.base}/composite/sobjects`,
          ...(Number(call.version) >= 50 ? { graph: `${call.base}/composite/graph` } : {}),
        }),
      );
    throw notFound();
  }

  /** Runs subrequests of /composite and /composite/batch through the same handlers as calls over HTTP. */
  private subrequests(call: RestCall): SubRequestRunner {
    const inProcess = runInProcess((req, res, url) => {
      const m = /^\/services\/data\/v(\d+\.\d)(?:\/(.*))?$/.exec(url.pathname);
      if (!m) throw notFound();
      return this.handle(req, res, url, m[1] as string, (m[2] ?? '').split('/').filter(Boolean));
    });
    return (method, path, body, headers) =>
      inProcess(method, new URL(`/services/data/${path}`, call.url), body, headers);
  }

  private async sobjects(call: RestCall, parts: string[]): Promise<void> {
    const { res, method, base } = call;
    if (parts.length === 0) {
      return only(call, 'GET', () =>
        sendJson(res, 200, {
          encoding: 'UTF-8',
          maxBatchSize: 200,
          sobjects: this.store.schema.all().map((m) => globalEntry(m, base)),
        }),
      );
    }
    const object = objectOr404(this.store, parts[0] as string);
    const meta = object.meta;
    if (parts.length === 1) {
      if (method === 'GET')
        return sendJson(res, 200, { objectDescribe: globalEntry(meta, base), recentItems: [] });
      if (method === 'POST') {
        const r = this.store.create(
          meta.name,
          await jsonObject(call.req),
          writeOptions(call.req, call.version),
        );
        if (!r.ok) throw asApiErrors(r.errors);
        return sendJson(res, 201, { id: r.id, success: true, errors: [] });
      }
      throw methodNotAllowed(method, 'GET,POST');
    }
    if (parts.length === 2) return this.objectResource(call, parts[1] as string, object);
    const ownId = parts.length === 3 ? normalizeId(parts[1] as string) : null;
    if (ownId && ownId.slice(0, 3) === meta.keyPrefix)
      return relationship(call, object, ownId, parts[2] as string);
    if (parts.length === 3)
      return byExternalId(call, object, parts[1] as string, decodeURIComponent(parts[2] as string));
    throw notFound();
  }

  /** `/sobjects/{Obj}/{segment}`: describe, updated, deleted, or a record. */
  private async objectResource(call: RestCall, segment: string, object: ObjectData): Promise<void> {
    const { res, method } = call;
    const meta = object.meta;
    if (segment === 'describe')
      return only(call, 'GET', () => sendJsonText(res, 200, describeText(this.store, meta, call.base)));
    if (segment === 'updated')
      return only(call, 'GET', () => sendJson(res, 200, getUpdated(object, call.url, call.now)));
    if (segment === 'deleted')
      return only(call, 'GET', () =>
        sendJson(res, 200, getDeleted(object, call.url, call.now, this.startedAt)),
      );
    if (segment.toLowerCase() === 'id' && method === 'POST') {
      const r = this.store.create(
        meta.name,
        await jsonObject(call.req),
        writeOptions(call.req, call.version),
      );
      if (!r.ok) throw asApiErrors(r.errors);
      return sendJson(res, 201, { id: r.id, success: true, errors: [], created: true });
    }
    const id = normalizeId(segment);
    if (!id || id.slice(0, 3) !== meta.keyPrefix)
      throw notFound(`Provided external ID field does not exist or is not accessible: ${segment}`);
    return recordById(call, object, id);
  }
}
