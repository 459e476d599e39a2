import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleSoap, SOAP_PATH } from './soap.js';
import { DataLog } from './data-file.js';
import { apiError, HttpError, notFound, readBody, sendJson } from './http.js';
import { to18 } from './ids.js';
import { DEFAULT_SCHEMA, OrgSchema, PERSON_ACCOUNT_RECORD_TYPE_ID, type SchemaSpec } from './metadata.js';
import { OAuthService, type OrgIdentity } from './oauth.js';
import { BulkApi } from './bulk.js';
import { BulkV1Api } from './bulk-v1.js';
import { DuplicateRules, type DuplicateRuleSpec } from './duplicate-rules.js';
import { RestApi } from './rest.js';
import { OrgStore } from './store.js';

/** Knobs for resilience tests: each applies to authenticated REST calls only. */
export interface Faults {
  /** Added to every call, in milliseconds. */
  latencyMs: number;
  /** Share of calls (0–1) that fail with a transient error before doing anything. */
  transientRate: number;
  /**
   * Which errors to pick from: 503 SERVER_UNAVAILABLE, 400 UNABLE_TO_LOCK_ROW, or 403 REQUEST_LIMIT_EXCEEDED (the
   * answer of an org whose daily API requests are used up).
   */
  transientKinds: FaultKind[];
  /** Share of calls whose connection is dropped without an answer. */
  dropRate: number;
  /** Seconds in the `Retry-After` header of injected 503 answers; 0 sends no header. */
  retryAfterSeconds: number;
  /** Every Nth call finds its session expired (once per N), so clients must refresh; 0 = never. */
  expireSessionEvery: number;
  /** Seed of the pseudo-random choices, for repeatable runs. */
  seed: number;
  /**
   * A regular expression (source text) on the path after `/services/data/vXX.X`, e.g. `/jobs/ingest/.+/successfulResults`:
   * only matching calls get the transient errors and drops. Unset or empty: every call.
   */
  pathPattern?: string;
  /** Transient errors and drops injected at most this many times after the faults are set; 0 = no cap. */
  maxInjected: number;
}

export type FaultKind = 'SERVER_UNAVAILABLE' | 'UNABLE_TO_LOCK_ROW' | 'REQUEST_LIMIT_EXCEEDED';

export const NO_FAULTS: Faults = {
  latencyMs: 0,
  transientRate: 0,
  transientKinds: ['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW'],
  dropRate: 0,
  retryAfterSeconds: 0,
  expireSessionEvery: 0,
  seed: 1,
  maxInjected: 0,
};

export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Keep records in this file: every change is appended before it is acknowledged, and replayed on start. */
  dataFile?: string;
  /** Extra custom objects and fields, on top of the default example schema. */
  schemas?: SchemaSpec[];
  /** The newest API version offered (default 67.0, Summer '26, the current release). */
  apiVersion?: string;
  /** Lifetime of access tokens (default 2 hours, Salesforce's default session timeout). */
  tokenTtlMs?: number;
  /** DailyApiRequests limit (default 100,000). */
  dailyApiRequests?: number;
  clientId?: string;
  clientSecret?: string;
  /** PEM certificate or public key for the JWT bearer flow. */
  jwtCertificate?: string;
  faults?: Partial<Faults>;
  /** Told of problems the org survives (a data file it could not write), for the person running it. */
  onWarning?: (message: string) => void;
  /** Report the org as a sandbox (Organization.IsSandbox). */
  sandbox?: boolean;
  /** Bulk API 2.0 upload limit in bytes (default 100 MB, Salesforce's 150 MB after base64). */
  bulkUploadLimitBytes?: number;
  /** DailyBulkApiBatches (default 15,000); a job past it fails with ExceededQuota. */
  dailyBulkBatches?: number;
  /** The org's clock (default Date.now): record timestamps, date literals and replication windows use it. */
  clock?: () => number;
  /** Duplicate rules with their matching rules (none by default, as in a new org without Duplicate Management set up). */
  duplicateRules?: DuplicateRuleSpec[];
  /** The admin user's permissions that an org can take away. */
  permissions?: Partial<UserPermissions>;
}

/** Permissions of the org's user that tests can switch off (all on by default, as for a System Administrator). */
export interface UserPermissions {
  /** "Bulk API Hard Delete": without it, hardDelete jobs are refused. */
  bulkApiHardDelete: boolean;
}

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
  /** Sets the DailyApiRequests limit (calls past it answer REQUEST_LIMIT_EXCEEDED); null restores the started one. */
  setDailyApiRequests(max: number | null): void;
  /** Requests the org has received and not finished answering (those of a killed client included). */
  requestsInFlight(): number;
  close(): Promise<void>;
}

const OLDEST_VERSION = 31;

function versionLabel(v: number): string {
  // v62.0 is Winter '25; then Spring '25, Summer '25, Winter '26: three releases a year.
  const k = v - 62;
  const season = ['Winter', 'Spring', 'Summer'][((k % 3) + 3) % 3];
  // One real label has a typographic apostrophe [doc versions list: "Spring ’18"].
  const mark = v === 42 ? '’' : "'";
  return `${season} ${mark}${String(25 + Math.floor(k / 3)).padStart(2, '0')}`;
}

/** A small deterministic generator (mulberry32) for fault injection. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    try {
      log.flush();
    } catch (err) {
      onWarning?.(`Could not write ${log.file}: ${(err as Error).message}. Changes are not acknowledged.`);
      throw new DataFileWriteError((err as Error).message);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
}

/** Thrown by a response whose changes could not be written to the data file. */
class DataFileWriteError extends Error {}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const maxVersion = Number(options.apiVersion ?? '67.0');
  const identity: OrgIdentity = {
    orgId: to18('00D5g00000LOCAL'),
    userId: to18('0055g00000ADMIN'),
    username: 'admin@sfsync.local',
    email: 'admin@sfsync.local',
    firstName: 'Local',
    lastName: 'Admin',
  };
  const schema = new OrgSchema([DEFAULT_SCHEMA, ...(options.schemas ?? [])]);
  const clock = options.clock ?? Date.now;
  const store = new OrgStore(schema, identity.userId, clock);
  const log = options.dataFile ? DataLog.open(options.dataFile, store) : null;
  // Seeded after the data file: the org's own user and organization are what this start says they are.
  store.seed('User', {
    Id: identity.userId,
    Username: identity.username,
    Email: identity.email,
    FirstName: identity.firstName,
    LastName: identity.lastName,
    Name: `${identity.firstName} ${identity.lastName}`,
    Alias: 'ladmin',
    IsActive: true,
  });
  store.seed('Organization', {
    Id: identity.orgId,
    Name: 'sfsync Local Org',
    OrganizationType: 'Developer Edition',
    InstanceName: 'LOCAL',
    IsSandbox: options.sandbox === true,
  });
  // Every org has a standard price book, and with Person Accounts a Person Account record type row.
  store.seed('Pricebook2', {
    Id: to18('01s5g00000STDPB'),
    Name: 'Standard Price Book',
    IsActive: true,
    IsStandard: true,
    IsDeleted: false,
  });
  store.seed('RecordType', {
    Id: PERSON_ACCOUNT_RECORD_TYPE_ID,
    Name: 'Person Account',
    DeveloperName: 'PersonAccount',
    SobjectType: 'Account',
    IsActive: true,
    IsPersonType: true,
  });

  let baseUrl = '';
  const app = {
    clientId: options.clientId ?? '3MVG9sfsyncLocalOrgConnectedApp',
    clientSecret: options.clientSecret ?? 'sfsync-local-secret',
    jwtCertificate: options.jwtCertificate,
  };
  const oauth = new OAuthService(
    identity,
    app,
    { loginUrl: () => baseUrl, instanceUrl: () => baseUrl },
    options.tokenTtlMs ?? 2 * 3600_000,
  );
  const adminSession = oauth.issueSession(app.clientId, false);
  const startedDailyMax = options.dailyApiRequests ?? 100_000;
  let dailyMax = startedDailyMax;
  let used = 0;
  let inFlight = 0;
  let injected = 0;
  let faults: Faults = { ...NO_FAULTS, ...options.faults };
  let random = prng(faults.seed);
  let targeted = faults.pathPattern ? new RegExp(faults.pathPattern) : null;
  /** Injections left under `maxInjected`. */
  let left = faults.maxInjected;
  const setFaults = (f: Partial<Faults>): Faults => {
    faults = { ...faults, ...f };
    random = prng(faults.seed);
    targeted = faults.pathPattern ? new RegExp(faults.pathPattern) : null;
    left = faults.maxInjected;
    return faults;
  };
  /** Whether a transient error or a drop may hit this call (`path` is after /services/data/vXX.X). */
  const injectable = (path: string): boolean =>
    (!targeted || targeted.test(path)) && (faults.maxInjected === 0 || left > 0);
  const inject = (): void => {
    injected++;
    left--;
  };

  const limits = (): Record<string, unknown> => ({
    ActiveScratchOrgs: { Max: 3, Remaining: 3 },
    AnalyticsExternalDataSizeMB: { Max: 40960, Remaining: 40960 },
    DailyApiRequests: { Max: dailyMax, Remaining: Math.max(0, dailyMax - used) },
    DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
    DailyBulkApiBatches: {
      Max: bulk.limits.dailyBatches,
      Remaining: Math.max(0, bulk.limits.dailyBatches - bulk.batchesUsed),
    },
    DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
    DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
    DailyDurableStreamingApiEvents: { Max: 10000, Remaining: 10000 },
    DailyGenericStreamingApiEvents: { Max: 10000, Remaining: 10000 },
    DailyStreamingApiEvents: { Max: 10000, Remaining: 10000 },
    DataStorageMB: { Max: 1024, Remaining: 1024 },
    FileStorageMB: { Max: 1024, Remaining: 1024 },
    HourlyDashboardRefreshes: { Max: 200, Remaining: 200 },
    HourlyODataCallout: { Max: 10000, Remaining: 10000 },
    HourlyTimeBasedWorkflow: { Max: 1000, Remaining: 1000 },
    MassEmail: { Max: 5000, Remaining: 5000 },
    PermissionTypes: { Max: 1000, Remaining: 1000 },
    SingleEmail: { Max: 5000, Remaining: 5000 },
    StreamingApiConcurrentClients: { Max: 2000, Remaining: 2000 },
  });

  const resources = (version: string): Record<string, string> => {
    const b = `/services/data/v${version}`;
    // Only what this org serves: a client that follows the list must not meet a 404 [issue: resources list].
    const names = ['sobjects', 'query', 'queryAll', 'composite', 'jobs', 'limits'];
    const out: Record<string, string> = {};
    for (const n of names) out[n] = `${b}/${n}`;
    out.identity = `${baseUrl}/id/${identity.orgId}/${identity.userId}`;
    return out;
  };

  const rest = new RestApi(store, () => ({}), resources, limits, clock);
  const bulk = new BulkApi(store, identity.userId, {
    uploadLimitBytes: options.bulkUploadLimitBytes ?? 100_000_000,
    dailyBatches: options.dailyBulkBatches ?? 15_000,
  });
  const bulkV1 = new BulkV1Api(store, identity.userId, bulk, clock);
  const duplicateRules = new DuplicateRules(schema, () => baseUrl);
  duplicateRules.set(options.duplicateRules ?? []);
  store.duplicateRules = duplicateRules;
  const permissions: UserPermissions = { bulkApiHardDelete: true, ...options.permissions };
  const setPermissions = (p: Partial<UserPermissions>): UserPermissions => {
    Object.assign(permissions, p);
    bulk.hardDeleteAllowed = permissions.bulkApiHardDelete;
    return permissions;
  };
  setPermissions({});

  const limitHeader = (): Record<string, string> => ({
    'Sforce-Limit-Info': `api-usage=${used}/${dailyMax}`,
  });

  async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.headers.authorization !== `Bearer ${adminSession.token}`)
      throw apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (url.pathname === '/__emulator/faults' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req, 100_000)).toString('utf8') || '{}') as Partial<Faults>;
      return sendJson(res, 200, setFaults(body));
    }
    if (url.pathname === '/__emulator/duplicate-rules') {
      if (req.method === 'GET') return sendJson(res, 200, duplicateRules.list());
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req, 100_000)).toString('utf8') || '[]') as unknown;
        const rules = (
          Array.isArray(body) ? body : (body as { rules?: unknown }).rules
        ) as DuplicateRuleSpec[];
        try {
          return sendJson(res, 200, duplicateRules.set(rules));
        } catch (err) {
          throw apiError(400, 'INVALID_INPUT', (err as Error).message);
        }
      }
    }
    if (url.pathname === '/__emulator/permissions' && req.method === 'POST') {
      const body = JSON.parse(
        (await readBody(req, 10_000)).toString('utf8') || '{}',
      ) as Partial<UserPermissions>;
      return sendJson(res, 200, setPermissions(body));
    }
    if (url.pathname === '/__emulator/state' && req.method === 'GET') {
      // With --expose-gc the numbers are measured after a full collection: what the records really hold.
      (globalThis as { gc?: () => void }).gc?.();
      const records = Object.fromEntries(
        schema
          .all()
          .map((o) => [o.name, store.count(o.name)])
          .filter(([, n]) => n !== 0),
      );
      return sendJson(res, 200, {
        apiCalls: used,
        faults,
        records,
        memory: process.memoryUsage(),
        // CPU microseconds of the whole process: benchmarks on a shared machine compare these, not wall time.
        cpu: process.cpuUsage(),
      });
    }
    throw notFound();
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Salesforce serves `//services/data/…` (the sf CLI stores instance URLs with a trailing slash): repeated
    // slashes in the path collapse. Done before parsing, or `//services` would read as a host name.
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const pathPart = (q === -1 ? raw : raw.slice(0, q)).replace(/\/{2,}/g, '/');
    const url = new URL(pathPart + (q === -1 ? '' : raw.slice(q)), baseUrl);
    if (await oauth.handle(req, res, url)) return;
    if (url.pathname.startsWith('/__emulator/')) return control(req, res, url);
    const async = /^\/services\/async\/(\d+\.\d)\/(.*)$/.exec(url.pathname);
    if (async) {
      const token = String(req.headers['x-sfdc-session'] ?? '');
      const session = token ? oauth.sessionOf(token) : oauth.authenticate(req, url);
      if (!session) {
        const body = `<?xml version="1.0" encoding="UTF-8"?><error xmlns="http://www.force.com/2009/06/asyncapi/dataload"><exceptionCode>InvalidSessionId</exceptionCode><exceptionMessage>Invalid session id</exceptionMessage></error>`;
        res.writeHead(400, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        return void res.end(body);
      }
      used++;
      return bulkV1.handle(req, res, async[1] as string, (async[2] as string).split('/').filter(Boolean));
    }
    if (SOAP_PATH.test(url.pathname))
      return handleSoap(req, res, {
        store,
        sessionValid: (token) => oauth.sessionOf(token) !== null,
        countCall: () => used < dailyMax && ++used > 0,
        usage: () => ({ used, limit: dailyMax }),
      });
    const m = /^\/services\/data(?:\/(v(\d+\.\d)(?:\/(.*))?)?)?\/?$/.exec(url.pathname);
    if (!m) throw notFound();
    if (!m[1]) {
      const versions = [];
      for (let v = OLDEST_VERSION; v <= maxVersion; v++)
        versions.push({ label: versionLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
      return sendJson(res, 200, versions);
    }
    const version = m[2] as string;
    if (Number(version) < OLDEST_VERSION)
      throw apiError(410, 'GONE', `API version ${version} has been retired.`);
    if (Number(version) > maxVersion || !/\.0$/.test(version)) throw notFound();
    const session = oauth.authenticate(req, url);
    if (!session) throw apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (used >= dailyMax) {
      res.setHeader('Sforce-Limit-Info', `api-usage=${used}/${dailyMax}`);
      throw apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    used++;
    for (const [k, v] of Object.entries(limitHeader())) res.setHeader(k, v);
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.expireSessionEvery > 0 && used % faults.expireSessionEvery === 0) {
      injected++;
      oauth.revokeAccessToken(session.token);
      throw apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    }
    const subPath = `/${m[3] ?? ''}`;
    if (faults.dropRate > 0 && injectable(subPath) && random() < faults.dropRate) {
      inject();
      req.socket.destroy();
      return;
    }
    if (faults.transientRate > 0 && injectable(subPath) && random() < faults.transientRate) {
      inject();
      const kind =
        faults.transientKinds[Math.floor(random() * faults.transientKinds.length)] ?? 'SERVER_UNAVAILABLE';
      if (kind === 'SERVER_UNAVAILABLE') {
        const busy = apiError(
          503,
          'SERVER_UNAVAILABLE',
          'Server temporarily unavailable. Please try again later.',
        );
        if (faults.retryAfterSeconds > 0) busy.headers['Retry-After'] = String(faults.retryAfterSeconds);
        throw busy;
      }
      if (kind === 'REQUEST_LIMIT_EXCEEDED')
        throw apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      throw apiError(
        400,
        'UNABLE_TO_LOCK_ROW',
        'unable to obtain exclusive access to this record or 1 records',
      );
    }
    const rest3 = (m[3] ?? '').split('/').filter(Boolean);
    if (rest3[0] === 'jobs') return bulk.handle(req, res, url, version, rest3.slice(1));
    await rest.handle(req, res, url, version, rest3);
  }

  const server = http.createServer((req, res) => {
    inFlight++;
    if (log) persistBeforeAnswering(res, log, options.onWarning);
    route(req, res)
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
      .catch(() => res.destroy())
      .finally(() => inFlight--);
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
    log?.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    instanceUrl: baseUrl,
    loginUrl: baseUrl,
    accessToken: adminSession.token,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    username: identity.username,
    orgId: identity.orgId,
    userId: identity.userId,
    port,
    setDailyApiRequests: (max) => {
      dailyMax = max ?? startedDailyMax;
    },
    requestsInFlight: () => inFlight,
    store,
    oauth,
    notices: log?.notices ?? [],
    apiCalls: () => used,
    injectedFaults: () => injected,
    setFaults: (f) => void setFaults(f),
    setDuplicateRules: (rules) => void duplicateRules.set(rules),
    setPermissions: (p) => void setPermissions(p),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      log?.close();
    },
  };
}
