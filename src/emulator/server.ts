import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { control } from './control.js';
import type { DataLog } from './data-file.js';
import type { AssignmentRuleSpec } from './assignment-rules.js';
import type { DuplicateRuleSpec } from './duplicate-rules.js';
import type { Faults } from './faults.js';
import { apiError, HttpError, notFound, sendJson } from './http.js';
import type { OAuthService } from './oauth.js';
import { createOrg, type EmulatorOptions, type Org, type UserPermissions } from './org.js';
import type { OrgStore } from './store.js';
import { handleSoap, SOAP_PATH } from './soap.js';
import { OLDEST_VERSION, versionList } from './versions.js';

export { NO_FAULTS, type FaultKind, type Faults } from './faults.js';
export type { EmulatorOptions, UserPermissions } from './org.js';

export interface Emulator {
  instanceUrl: string;
  loginUrl: string;
  accessToken: string;
  clientId: string;
  clientSecret: string;
  username: string;
  orgId: string;
  userId: string;
  port: number;
  store: OrgStore;
  oauth: OAuthService;
  /** What opening the data file repaired or converted. */
  notices: string[];
  /** Calls counted against DailyApiRequests so far. */
  apiCalls(): number;
  /** Faults injected so far (transient errors, drops, expiries), to prove a resilience test met some. */
  injectedFaults(): number;
  setFaults(faults: Partial<Faults>): void;
  /** Replaces the org's duplicate rules (also POST /__emulator/duplicate-rules). */
  setDuplicateRules(rules: DuplicateRuleSpec[]): void;
  /** Grants or takes away the user's permissions (also POST /__emulator/permissions). */
  setPermissions(permissions: Partial<UserPermissions>): void;
  /** Replaces the org's Lead and Case assignment rules (also POST /__emulator/assignment-rules). */
  setAssignmentRules(rules: AssignmentRuleSpec[]): void;
  /** Records refused with UNABLE_TO_LOCK_ROW so far (the lockRate fault). */
  lockRefusals(): number;
  /** Sets the DailyApiRequests limit (calls past it answer REQUEST_LIMIT_EXCEEDED); null restores the started one. */
  setDailyApiRequests(max: number | null): void;
  /** Requests the org has received and not finished answering (those of a killed client included). */
  requestsInFlight(): number;
  close(): Promise<void>;
}

/**
 * Writes the data file's pending changes before the response's first byte, so that no answer acknowledges a
 * change a kill could still lose. When they cannot be written, the request fails instead (see `route`).
 */
function persistBeforeAnswering(
  res: ServerResponse,
  log: DataLog,
  onWarning: ((message: string) => void) | undefined,
): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (...args: unknown[]): ServerResponse => {
    try {
      log.flush();
    } catch (err) {
      onWarning?.(`Could not write ${log.file}: ${(err as Error).message}. Changes are not acknowledged.`);
      throw new DataFileWriteError((err as Error).message);
    }
    return writeHead(...args);
  };
}

/** Thrown by a response whose changes could not be written to the data file. */
class DataFileWriteError extends Error {}

const ASYNC_SESSION_ERROR = `<?xml version="1.0" encoding="UTF-8"?><error xmlns="http://www.force.com/2009/06/asyncapi/dataload"><exceptionCode>InvalidSessionId</exceptionCode><exceptionMessage>Invalid session id</exceptionMessage></error>`;

/** Bulk API 1.0 under /services/async/{version}: its session comes in X-SFDC-Session. */
function routeAsync(
  org: Org,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  m: RegExpExecArray,
): Promise<void> | void {
  const token = String(req.headers['x-sfdc-session'] ?? '');
  const session = token ? org.oauth.sessionOf(token) : org.oauth.authenticate(req, url);
  if (!session) {
    res.writeHead(400, {
      'Content-Type': 'application/xml',
      'Content-Length': Buffer.byteLength(ASYNC_SESSION_ERROR),
    });
    return void res.end(ASYNC_SESSION_ERROR);
  }
  org.usage.used++;
  return org.bulkV1.handle(req, res, m[1] as string, (m[2] as string).split('/').filter(Boolean));
}

async function route(org: Org, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Salesforce serves `//services/data/…` (the sf CLI stores instance URLs with a trailing slash): repeated
  // slashes in the path collapse. Done before parsing, or `//services` would read as a host name.
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const pathPart = (q === -1 ? raw : raw.slice(0, q)).replace(/\/{2,}/g, '/');
  const url = new URL(pathPart + (q === -1 ? '' : raw.slice(q)), org.baseUrl);
  if (await org.oauth.handle(req, res, url)) return;
  if (url.pathname.startsWith('/__emulator/')) return control(org, req, res, url);
  const async = /^\/services\/async\/(\d+\.\d)\/(.*)$/.exec(url.pathname);
  if (async) return routeAsync(org, req, res, url, async);
  if (SOAP_PATH.test(url.pathname))
    return handleSoap(req, res, {
      store: org.store,
      sessionValid: (token) => org.oauth.sessionOf(token) !== null,
      countCall: () => !org.usage.exhausted() && ++org.usage.used > 0,
      usage: () => ({ used: org.usage.used, limit: org.usage.max }),
    });
  const m = /^\/services\/data(?:\/(v(\d+\.\d)(?:\/(.*))?)?)?\/?$/.exec(url.pathname);
  if (!m) throw notFound();
  if (!m[1]) return sendJson(res, 200, versionList(org.maxVersion));
  const version = m[2] as string;
  if (Number(version) < OLDEST_VERSION)
    throw apiError(410, 'GONE', `API version ${version} has been retired.`);
  if (Number(version) > org.maxVersion || !/\.0$/.test(version)) throw notFound();
  const session = org.oauth.authenticate(req, url);
  if (!session) throw apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  if (org.usage.exhausted()) {
    res.setHeader('Sforce-Limit-Info', org.usage.header());
    throw apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
  }
  org.usage.used++;
  res.setHeader('Sforce-Limit-Info', org.usage.header());
  await org.faults.delay();
  if (org.faults.expiresSession(org.usage.used)) {
    org.oauth.revokeAccessToken(session.token);
    throw apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  }
  if (org.faults.strike(req, res, `/${m[3] ?? ''}`)) return;
  const rest = (m[3] ?? '').split('/').filter(Boolean);
  if (rest[0] === 'jobs') return org.bulk.handle(req, res, url, version, rest.slice(1));
  await org.rest.handle(req, res, url, version, rest);
}

function answer(org: Org, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (org.log) persistBeforeAnswering(res, org.log, org.options.onWarning);
  return (
    route(org, req, res)
      .catch((err: unknown) => {
        if (err instanceof DataFileWriteError) throw err;
        if (res.headersSent) return void res.end();
        if (err instanceof HttpError) return sendJson(res, err.status, err.errors, err.headers);
        sendJson(res, 500, [
          { message: err instanceof Error ? err.message : String(err), errorCode: 'UNKNOWN_EXCEPTION' },
        ]);
      })
      // Only a failed write of the data file gets here: no answer is better than one acknowledging a change
      // that a restart would not find. The client sees a dropped connection, an outcome it must check.
      .catch(() => void res.destroy())
  );
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const org = createOrg(options);
  let inFlight = 0;
  const clock = options.clock ?? Date.now;
  const server = http.createServer((req, res) => {
    // Salesforce's Date header and its record stamps come from one clock: so do the local org's (--clock in tests).
    res.setHeader('Date', new Date(clock()).toUTCString());
    inFlight++;
    void answer(org, req, res).finally(() => inFlight--);
  });
  // Clients pool connections and reuse them after pauses; closing idle sockets after Node's 5 s default races
  // with that reuse ("other side closed"). Keep them for longer than any client's own idle timeout.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    org.log?.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  org.baseUrl = `http://127.0.0.1:${port}`;
  return handleOf(org, server, port, () => inFlight);
}

function handleOf(org: Org, server: http.Server, port: number, inFlight: () => number): Emulator {
  return {
    instanceUrl: org.baseUrl,
    loginUrl: org.baseUrl,
    accessToken: org.adminSession.token,
    clientId: org.app.clientId,
    clientSecret: org.app.clientSecret,
    username: org.identity.username,
    orgId: org.identity.orgId,
    userId: org.identity.userId,
    port,
    setDailyApiRequests: (max) => {
      org.usage.max = max ?? org.usage.startedMax;
    },
    requestsInFlight: inFlight,
    store: org.store,
    oauth: org.oauth,
    notices: org.log?.notices ?? [],
    apiCalls: () => org.usage.used,
    injectedFaults: () => org.faults.injected,
    setFaults: (f) => void org.faults.set(f),
    setDuplicateRules: (rules) => void org.duplicateRules.set(rules),
    setPermissions: (p) => void org.setPermissions(p),
    setAssignmentRules: (rules) => void org.assignmentRules.set(rules),
    lockRefusals: () => org.recordLocks.refused,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      org.log?.close();
    },
  };
}
