import { apiError, sendJson } from '../http.js';
import { to18 } from '../ids.js';
import { runQuery, SoqlError, type QueryResult } from '../soql/execute.js';
import { explainQuery } from '../soql/explain.js';
import type { RestCall } from './call.js';

interface Cursor {
  result: QueryResult;
  pageSize: number;
  lastUsed: number;
}

function pageSize(header: string | string[] | undefined): number {
  const m = /batchSize=(\d+)/i.exec(String(header ?? ''));
  if (!m) return 2000;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

function asApiError<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof SoqlError) throw apiError(400, err.errorCode, err.message);
    throw err;
  }
}

/** `/query` and `/queryAll`: results come in pages, the rest kept behind a query locator. */
export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();
  private counter = 0;

  handle(call: RestCall, all: boolean, tail: string[]): void {
    const { res, url, base } = call;
    const size = pageSize(call.req.headers['sforce-query-options']);
    if (tail.length > 0) {
      const [cursorId, offsetText] = (tail[0] as string).split('-');
      const cursor = cursorId ? this.cursors.get(cursorId) : undefined;
      if (!cursor) throw apiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      cursor.lastUsed = Date.now();
      return sendJson(res, 200, this.page(cursorId as string, cursor, Number(offsetText ?? 0), base));
    }
    const explain = url.searchParams.get('explain');
    if (explain !== null && !all) return this.explain(call, explain);
    const soql = url.searchParams.get('q');
    if (soql === null) throw apiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const result = asApiError(() => runQuery(call.store, soql, { all, now: call.now }));
    if (result.plan.countOnly)
      return sendJson(res, 200, { totalSize: result.totalSize, done: true, records: [] });
    const cursorId = to18(`01g5g${String(++this.counter).padStart(10, '0')}`);
    const cursor = { result, pageSize: size, lastUsed: Date.now() };
    if (result.rows.length > size) this.remember(cursorId, cursor);
    sendJson(res, 200, this.page(cursorId, cursor, 0, base));
  }

  private explain(call: RestCall, soql: string): void {
    // A report or list view id is also accepted by Salesforce; this org has neither [doc: INVALID_ID].
    if (/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(soql.trim()))
      throw apiError(400, 'INVALID_ID', `invalid report or list view id: ${soql.trim()}`);
    sendJson(
      call.res,
      200,
      asApiError(() => explainQuery(call.store, soql, call.now)),
    );
  }

  private remember(id: string, cursor: Cursor): void {
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
}
