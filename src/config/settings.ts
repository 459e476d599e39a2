/**
 * Where each setting comes from, strongest first: flags > environment > mapping file > stored config > defaults.
 */
export type SettingSource = 'flag' | 'env' | 'mapping' | 'stored' | 'default';

export const SOURCE_ORDER: readonly SettingSource[] = ['flag', 'env', 'mapping', 'stored', 'default'];

export interface Settings {
  org: string;
  instanceUrl: string;
  accessToken: string;
  apiVersion: string;
  clientId: string;
  loginUrl: string;
  configDir: string;
  object: string;
  operation: string;
  match: string[];
  matchOperator: 'OR' | 'AND';
  batchSize: number;
  concurrency: number;
  api: 'rest' | 'bulk' | 'auto';
}

export type SettingsLayer = Partial<Settings>;
export type Layers = Partial<Record<SettingSource, SettingsLayer>>;

export interface ResolvedSettings {
  values: Partial<Settings>;
  /** Which layer each resolved value came from, so output can say why a value was chosen. */
  sources: Partial<Record<keyof Settings, SettingSource>>;
}

/** The environment variables sfsync reads, and the setting each one feeds. */
export const ENV_SETTINGS: Readonly<Record<string, keyof Settings>> = {
  SFSYNC_ORG: 'org',
  SFSYNC_INSTANCE_URL: 'instanceUrl',
  SFSYNC_ACCESS_TOKEN: 'accessToken',
  SFSYNC_CONFIG_DIR: 'configDir',
  SFSYNC_API_VERSION: 'apiVersion',
  SFSYNC_CLIENT_ID: 'clientId',
  SFSYNC_LOGIN_URL: 'loginUrl',
};

export const DEFAULT_SETTINGS: SettingsLayer = {
  apiVersion: '62.0',
  loginUrl: 'https://login.salesforce.com',
  matchOperator: 'OR',
  batchSize: 200,
  concurrency: 4,
  api: 'auto',
};

export function settingsFromEnv(env: NodeJS.ProcessEnv): SettingsLayer {
  const layer: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV_SETTINGS)) {
    const value = env[name];
    if (value !== undefined && value !== '') layer[key] = value;
  }
  return layer;
}

export function resolveSettings(layers: Layers): ResolvedSettings {
  const values: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const source of SOURCE_ORDER) {
    for (const [key, value] of Object.entries(layers[source] ?? {})) {
      if (value === undefined || key in values) continue;
      values[key] = value;
      sources[key] = source;
    }
  }
  return { values, sources };
}
