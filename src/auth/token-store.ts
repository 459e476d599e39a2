import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';

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

interface StoreShape {
  orgs: Record<string, StoredOrg>;
  settings: StoredSettings;
}

function emptyShape(): StoreShape {
  return { orgs: {}, settings: {} };
}

function removeUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A store for tests and for `SFSYNC_ACCESS_TOKEN` runs, which must not write anything. */
export function createMemoryTokenStore(initial: Partial<StoreShape> = {}): TokenStore {
  const data: StoreShape = { ...emptyShape(), ...structuredClone(initial) };
  return {
    location: null,
    listOrgs: () => Object.values(data.orgs).map((o) => ({ ...o })),
    getOrg: (alias) => (data.orgs[alias] ? { ...data.orgs[alias] } : undefined),
    saveOrg: (org) => void (data.orgs[org.alias] = { ...org }),
    removeOrg: (alias) => delete data.orgs[alias],
    getSettings: () => ({ ...data.settings }),
    updateSettings: (patch) => void (data.settings = removeUndefined({ ...data.settings, ...patch })),
  };
}

export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SFSYNC_CONFIG_DIR) return path.resolve(env.SFSYNC_CONFIG_DIR);
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'sfsync');
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'sfsync');
}

/**
 * The on-disk store: one JSON file written atomically by conf (write to a temporary file, then rename),
 * mode 0600 in a 0700 folder. conf re-reads the file on every access, so a second process sees changes.
 */
export function createFileTokenStore(dir: string): TokenStore {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const conf = new Conf<StoreShape>({
    cwd: dir,
    configName: 'orgs',
    configFileMode: 0o600,
    defaults: emptyShape(),
    projectSuffix: '',
  });
  const read = (): StoreShape => ({ ...emptyShape(), ...conf.store });
  return {
    location: conf.path,
    listOrgs: () => Object.values(read().orgs),
    getOrg: (alias) => read().orgs[alias],
    saveOrg: (org) => conf.set('orgs', { ...read().orgs, [org.alias]: org }),
    removeOrg: (alias) => {
      const orgs = { ...read().orgs };
      if (!(alias in orgs)) return false;
      delete orgs[alias];
      conf.set('orgs', orgs);
      return true;
    },
    getSettings: () => read().settings,
    updateSettings: (patch) => conf.set('settings', removeUndefined({ ...read().settings, ...patch })),
  };
}
