import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AssignmentRuleSpec } from './assignment-rules.js';
import type { DuplicateRuleSpec } from './duplicate-rules.js';
import type { Faults } from './faults.js';
import { apiError, notFound, readBody, sendJson } from './http.js';
import type { Org, UserPermissions } from './org.js';

async function jsonOf<T>(req: IncomingMessage, limit: number, empty: string): Promise<T> {
  return JSON.parse((await readBody(req, limit)).toString('utf8') || empty) as T;
}

/** `/__emulator/…`: the controls of tests and benchmarks, for the org's admin session only. */
export async function control(org: Org, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.headers.authorization !== `Bearer ${org.adminSession.token}`)
    throw apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  if (url.pathname === '/__emulator/faults' && req.method === 'POST')
    return sendJson(res, 200, org.faults.set(await jsonOf<Partial<Faults>>(req, 100_000, '{}')));
  if (url.pathname === '/__emulator/duplicate-rules') {
    if (req.method === 'GET') return sendJson(res, 200, org.duplicateRules.list());
    if (req.method === 'POST') {
      const body = await jsonOf<unknown>(req, 100_000, '[]');
      const rules = (Array.isArray(body) ? body : (body as { rules?: unknown }).rules) as DuplicateRuleSpec[];
      try {
        return sendJson(res, 200, org.duplicateRules.set(rules));
      } catch (err) {
        throw apiError(400, 'INVALID_INPUT', (err as Error).message);
      }
    }
  }
  if (url.pathname === '/__emulator/assignment-rules') {
    if (req.method === 'GET') return sendJson(res, 200, org.assignmentRules.list());
    if (req.method === 'POST') {
      const body = await jsonOf<unknown>(req, 100_000, '[]');
      const rules = (
        Array.isArray(body) ? body : (body as { rules?: unknown }).rules
      ) as AssignmentRuleSpec[];
      try {
        return sendJson(res, 200, org.assignmentRules.set(rules));
      } catch (err) {
        throw apiError(400, 'INVALID_INPUT', (err as Error).message);
      }
    }
  }
  if (url.pathname === '/__emulator/permissions' && req.method === 'POST')
    return sendJson(res, 200, org.setPermissions(await jsonOf<Partial<UserPermissions>>(req, 10_000, '{}')));
  if (url.pathname === '/__emulator/state' && req.method === 'GET') return sendJson(res, 200, state(org));
  throw notFound();
}

function state(org: Org): Record<string, unknown> {
  // With --expose-gc the numbers are measured after a full collection: what the records really hold.
  (globalThis as { gc?: () => void }).gc?.();
  const records = Object.fromEntries(
    org.schema
      .all()
      .map((o): [string, number] => [o.name, org.store.count(o.name)])
      .filter(([, n]) => n !== 0),
  );
  return {
    apiCalls: org.usage.used,
    faults: org.faults.current,
    lockRefusals: org.recordLocks.refused,
    records,
    memory: process.memoryUsage(),
    // CPU microseconds of the whole process: benchmarks on a shared machine compare these, not wall time.
    cpu: process.cpuUsage(),
  };
}
