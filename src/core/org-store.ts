/** The stored orgs and settings, as the rest of sfsync sees them (src/auth/token-store.ts keeps them). */

/** One authenticated org, as stored under its alias. Tokens never leave the store except to connect. */
export interface StoredOrg {
  alias: string;
  username: string;
  userId: string;
  orgId: string;
  instanceUrl: string;
  loginUrl: string;
  clientId: string;
  accessToken: string;
  refreshToken?: string;
  isSandbox: boolean;
  /** How the org was authorized, to know how to re-authorize. */
  grant: 'web' | 'device' | 'jwt' | 'client_credentials';
  createdAt: string;
}

export interface StoredSettings {
  defaultOrg?: string;
  defaultClientId?: string;
  apiVersion?: string;
}

export interface TokenStore {
  /** Where the store keeps its files, or null for an in-memory store. */
  readonly location: string | null;
  listOrgs(): StoredOrg[];
  getOrg(alias: string): StoredOrg | undefined;
  saveOrg(org: StoredOrg): void;
  removeOrg(alias: string): boolean;
  getSettings(): StoredSettings;
  updateSettings(patch: Partial<StoredSettings>): void;
}
