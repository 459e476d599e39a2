import type { IncomingMessage, ServerResponse } from 'node:http';
import { autoAssignOf } from '../assignment-rules.js';
import { allowSaveOf } from '../duplicate-rules.js';
import { apiError, HttpError, notFound, parseJsonBody, readBody } from '../http.js';
import type { ObjectData, OrgStore, WriteOptions } from '../store.js';
import type { RecordError } from '../values.js';

/** One REST request and the org it is for: what every handler of /services/data/vXX.X works with. */
export interface RestCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  /** e.g. 62.0 */
  version: string;
  /** `/services/data/v{version}` */
  base: string;
  store: OrgStore;
  /** The org's clock. */
  now: number;
}

export function methodNotAllowed(method: string, allowed: string): HttpError {
  return apiError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`);
}

export function only(call: RestCall, allowed: string, run: () => unknown): void {
  if (call.method !== allowed) throw methodNotAllowed(call.method, allowed);
  run();
}

export function objectOr404(store: OrgStore, name: string): ObjectData {
  const object = store.object(name);
  if (!object) throw notFound();
  return object;
}

export async function jsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
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

/** The Sforce-Duplicate-Rule-Header of a write call (REST only: Bulk API jobs take no such header). */
export function writeOptions(req: IncomingMessage, version?: string): WriteOptions {
  return {
    allowSave: allowSaveOf(req.headers['sforce-duplicate-rule-header']),
    autoAssign: autoAssignOf(req.headers['sforce-auto-assign']),
    version,
  };
}

/**
 * A record's errors as the answer of a single-record call. A duplicate rule's details come under the key
 * `duplicateResut`: Salesforce's own spelling on this path [obs, salesforce-api.md 2.7].
 */
export function asApiErrors(errors: RecordError[]): HttpError {
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
