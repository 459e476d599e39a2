/** The typed options each command receives from src/cli.ts: flags after parsing, nothing else. */

export interface CommonOptions {
  json: boolean;
  verbose: boolean;
}

export type SyncOperation = 'create' | 'update' | 'upsert' | 'delete';

export interface SyncOptions extends CommonOptions {
  operation: SyncOperation;
  /** A path, or `-` for standard input. */
  file: string;
  object?: string;
  match?: string[];
  matchOperator?: 'OR' | 'AND';
  /** Run although a match field does not identify a record (records sharing a value update one record). */
  allowSharedKeys?: boolean;
  /** Upsert: a record whose match key is blank is created instead of failing with MATCH_KEY_EMPTY. */
  createWhenKeyEmpty?: boolean;
  mapping?: string;
  format?: 'csv' | 'ndjson';
  delimiter?: string;
  encoding?: 'utf8' | 'latin1' | 'utf16le';
  dryRun: boolean;
  offline: boolean;
  api?: 'rest' | 'bulk' | 'auto';
  batchSize?: number;
  concurrency?: number;
  results?: string;
  resume: boolean;
  /** Start a new run although an unfinished one of the same operation, file and mapping exists. */
  restart?: boolean;
  org?: string;
  apiVersion?: string;
  failFast: boolean;
  /** An API call budget for the run. */
  maxApiCalls?: number;
}

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
}
