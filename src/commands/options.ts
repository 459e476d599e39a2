/** The typed options each command receives from src/cli.ts: flags after parsing, nothing else. */

import type { CommonOptions } from '../core/sync-options.js';

export type { CommonOptions, SyncOperation, SyncOptions } from '../core/sync-options.js';

export interface LoginOptions extends CommonOptions {
  sandbox: boolean;
  instanceUrl?: string;
  loginUrl?: string;
  alias?: string;
  clientId?: string;
  port?: number;
  username?: string;
  device: boolean;
  jwtKey?: string;
  clientCredentials: boolean;
  setDefault: boolean;
  browser: boolean;
}

export interface LogoutOptions extends CommonOptions {
  org?: string;
  all: boolean;
}

export interface OrgOptions extends CommonOptions {
  org?: string;
}

export interface DescribeOptions extends CommonOptions {
  object?: string;
  org?: string;
  apiVersion?: string;
}

export interface MappingInitOptions extends CommonOptions {
  file: string;
  object?: string;
  output?: string;
  yes: boolean;
  /** Overwrite an existing mapping file. */
  force: boolean;
  org?: string;
}

export interface MappingCheckOptions extends CommonOptions {
  mapping: string;
  file?: string;
  offline: boolean;
  org?: string;
}

export interface EmulatorOptions extends CommonOptions {
  port: number;
  data?: string;
  schema?: string;
  apiVersion?: string;
  jwtCert?: string;
  tokenTtlSeconds?: number;
  dailyApiRequests?: number;
  latencyMs?: number;
  transientRate?: number;
  dropRate?: number;
  retryAfterSeconds?: number;
  expireSessionEvery?: number;
  /** A JSON or YAML file of duplicate rules. */
  duplicateRules?: string;
  /** Start the user without the "Bulk API Hard Delete" permission. */
  denyHardDelete?: boolean;
  /** Lead and Case assignment rules to enforce (JSON or YAML). */
  assignmentRules?: string;
  /** Row lock faults: the share of records refused with UNABLE_TO_LOCK_ROW when a parallel call holds their parent. */
  lockRate?: number;
  /** How long a transaction holds its parents' locks (ms). */
  lockHoldMs?: number;
}
