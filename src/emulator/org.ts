import { BulkApi } from './bulk.js';
import { BulkV1Api } from './bulk-v1.js';
import { DataLog } from './data-file.js';
import { DuplicateRules, type DuplicateRuleSpec } from './duplicate-rules.js';
import { AssignmentRules, assignmentRuleObject, type AssignmentRuleSpec } from './assignment-rules.js';
import { RecordLocks } from './record-locks.js';
import { FaultInjector, type Faults } from './faults.js';
import { DEFAULT_SCHEMA, OrgSchema, type SchemaSpec } from './metadata.js';
import { OAuthService, type ConnectedApp, type OrgIdentity, type Session } from './oauth.js';
import { ApiUsage, orgLimits } from './org-limits.js';
import { LOCAL_IDENTITY, seedOrg } from './org-seed.js';
import { RestApi } from './rest.js';
import { OrgStore } from './store.js';
import { resourceList } from './versions.js';

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
  /** Lead and Case assignment rules (none by default). */
  assignmentRules?: AssignmentRuleSpec[];
}

/** Permissions of the org's user that tests can switch off (all on by default, as for a System Administrator). */
export interface UserPermissions {
  /** "Bulk API Hard Delete": without it, hardDelete jobs are refused. */
  bulkApiHardDelete: boolean;
}

/** Everything one running local org holds; the server routes requests to its parts. */
export interface Org {
  options: EmulatorOptions;
  identity: OrgIdentity;
  app: ConnectedApp;
  maxVersion: number;
  schema: OrgSchema;
  store: OrgStore;
  log: DataLog | null;
  oauth: OAuthService;
  adminSession: Session;
  usage: ApiUsage;
  faults: FaultInjector;
  rest: RestApi;
  bulk: BulkApi;
  bulkV1: BulkV1Api;
  duplicateRules: DuplicateRules;
  assignmentRules: AssignmentRules;
  recordLocks: RecordLocks;
  permissions: UserPermissions;
  /** `http://127.0.0.1:PORT` once listening. */
  baseUrl: string;
  setPermissions(p: Partial<UserPermissions>): UserPermissions;
}

export function createOrg(options: EmulatorOptions): Org {
  const identity = LOCAL_IDENTITY;
  const schema = new OrgSchema([DEFAULT_SCHEMA, ...(options.schemas ?? [])]);
  schema.add(assignmentRuleObject(schema));
  const clock = options.clock ?? Date.now;
  const store = new OrgStore(schema, identity.userId, clock);
  const log = options.dataFile ? DataLog.open(options.dataFile, store) : null;
  seedOrg(store, identity, options.sandbox === true);
  const assignmentRules = new AssignmentRules(store);
  assignmentRules.set(options.assignmentRules ?? []);
  store.assignmentRules = assignmentRules;
  const faults = new FaultInjector(options.faults);
  const recordLocks = new RecordLocks(() => faults.current);
  store.recordLocks = recordLocks;
  const app: ConnectedApp = {
    clientId: options.clientId ?? '3MVG9sfsyncLocalOrgConnectedApp',
    clientSecret: options.clientSecret ?? 'sfsync-local-secret',
    jwtCertificate: options.jwtCertificate,
  };
  const urls = { loginUrl: () => org.baseUrl, instanceUrl: () => org.baseUrl };
  const oauth = new OAuthService(identity, app, urls, options.tokenTtlMs ?? 2 * 3600_000);
  const usage = new ApiUsage(options.dailyApiRequests ?? 100_000);
  const bulk = new BulkApi(store, identity.userId, {
    uploadLimitBytes: options.bulkUploadLimitBytes ?? 100_000_000,
    dailyBatches: options.dailyBulkBatches ?? 15_000,
  });
  const resources = (version: string): Record<string, string> =>
    resourceList(version, `${org.baseUrl}/id/${identity.orgId}/${identity.userId}`);
  const duplicateRules = new DuplicateRules(schema, () => org.baseUrl);
  duplicateRules.set(options.duplicateRules ?? []);
  store.duplicateRules = duplicateRules;
  const org: Org = {
    options,
    identity,
    app,
    maxVersion: Number(options.apiVersion ?? '67.0'),
    schema,
    store,
    log,
    oauth,
    adminSession: oauth.issueSession(app.clientId, false),
    usage,
    faults,
    rest: new RestApi(store, resources, () => orgLimits(usage, bulk), clock),
    bulk,
    bulkV1: new BulkV1Api(store, identity.userId, bulk, clock),
    duplicateRules,
    assignmentRules,
    recordLocks,
    permissions: { bulkApiHardDelete: true, ...options.permissions },
    baseUrl: '',
    setPermissions: (p) => {
      Object.assign(org.permissions, p);
      bulk.hardDeleteAllowed = org.permissions.bulkApiHardDelete;
      return org.permissions;
    },
  };
  org.setPermissions({});
  return org;
}
