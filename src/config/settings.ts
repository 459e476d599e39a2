import { DEFAULT_API_VERSION, normalizeApiVersion } from '../core/api-version.js';
import { SfsyncError } from '../errors.js';

/**
 * Where each setting comes from, strongest first: flags > environment > mapping file > stored config > defaults
 * (README "Environment variables"). Every SFSYNC_ variable is read here, and only here.
 */
export type SettingSource = 'flag' | 'env' | 'mapping' | 'stored' | 'default';

export const SOURCE_ORDER: readonly SettingSource[] = ['flag', 'env', 'mapping', 'stored', 'default'];

export interface Settings {
  org: string;
  instanceUrl: string;
  accessToken: string;
  apiVersion: string;
  clientId: string;
  /** The connected app's consumer secret (client credentials); never printed. */
  clientSecret: string;
  loginUrl: string;
  configDir: string;
  object: string;
  operation: string;
  match: string[];
  matchOperator: 'OR' | 'AND';
  batchSize: number;
  concurrency: number;
  api: 'rest' | 'bulk' | 'auto';
  /** The largest CSV upload of one Bulk API job. */
  bulkUploadBytes: number;
  /** The heap size past which a sync collects garbage between batches; 0 leaves the heap to V8. */
  heapLimitMb: number;
  /**
   * Internal, for sfsync's own tests against the local org (SFSYNC_TEST_TIMINGS=fast): retries, Bulk polls and Bulk
   * jobs waiting for more records pause for milliseconds instead of seconds. Not for a real org.
   */
  testTimings: 'fast';
  /** Whether a CSV file is parsed on a second thread: `on` any file; `off` or unset, none. */
  readThread: 'on' | 'off';
}

export type SettingsLayer = Partial<Settings>;
export type Layers = Partial<Record<SettingSource, SettingsLayer>>;

export interface ResolvedSettings {
  values: Partial<Settings>;
  /** Which layer each resolved value came from, so output can say why a value was chosen. */
  sources: Partial<Record<keyof Settings, SettingSource>>;
}

type Parse = (raw: string, name: string) => unknown;

function invalid(name: string, raw: string, what: string, hint: string): SfsyncError {
  return new SfsyncError('CONFIG_INVALID', `${name}=${raw} is not ${what}.`, { hint });
}

/** A whole number of `unit`, at least `min`. */
function wholeNumber(unit: string, min: number, example: string): Parse {
  return (raw, name) => {
    const n = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min)
      throw invalid(name, raw, `a whole number of ${unit}`, `Set it to ${example}, or unset it.`);
    return n;
  };
}

/** One of a few words. */
function oneOf(words: readonly string[], hint = "It is for sfsync's own tests: unset it."): Parse {
  return (raw, name) => {
    if (!words.includes(raw.trim())) throw invalid(name, raw, words.map((w) => `"${w}"`).join(' or '), hint);
    return raw.trim();
  };
}

const apiVersion: Parse = (raw, name) => {
  const version = normalizeApiVersion(raw);
  if (!version)
    throw invalid(
      name,
      raw,
      'an API version',
      `Set it to a version such as ${DEFAULT_API_VERSION}, or unset it.`,
    );
  return version;
};

/** The environment variables sfsync reads, the setting each one feeds, and how its text is read. */
export const ENV_SETTINGS: Readonly<Record<string, { key: keyof Settings; parse?: Parse }>> = {
  SFSYNC_ORG: { key: 'org' },
  SFSYNC_INSTANCE_URL: { key: 'instanceUrl' },
  SFSYNC_ACCESS_TOKEN: { key: 'accessToken' },
  SFSYNC_CONFIG_DIR: { key: 'configDir' },
  SFSYNC_API_VERSION: { key: 'apiVersion', parse: apiVersion },
  SFSYNC_CLIENT_ID: { key: 'clientId' },
  SFSYNC_CLIENT_SECRET: { key: 'clientSecret' },
  SFSYNC_LOGIN_URL: { key: 'loginUrl' },
  SFSYNC_BULK_UPLOAD_BYTES: {
    key: 'bulkUploadBytes',
    parse: wholeNumber('bytes', 1, 'a size such as 100000000'),
  },
  SFSYNC_HEAP_LIMIT_MB: {
    key: 'heapLimitMb',
    parse: wholeNumber('megabytes', 0, '0 (no limit) or to a size such as 64'),
  },
  // Internal (not in the README's table): the suite's spawned CLIs use it, see Settings.testTimings.
  SFSYNC_TEST_TIMINGS: { key: 'testTimings', parse: oneOf(['fast']) },
  SFSYNC_READ_THREAD: { key: 'readThread', parse: oneOf(['on', 'off'], 'Set it to on or off, or unset it.') },
};

export const DEFAULT_SETTINGS: SettingsLayer = {
  apiVersion: DEFAULT_API_VERSION,
  loginUrl: 'https://login.salesforce.com',
  matchOperator: 'OR',
  batchSize: 200,
  concurrency: 4,
  api: 'auto',
  // Salesforce's 150 MB limit after base64 encoding.
  bulkUploadBytes: 100_000_000,
  heapLimitMb: 64,
};

/**
 * The environment's layer: empty variables are unset; a value that does not read (a size that is not a number, an
 * API version that is none) is refused with an error naming the variable.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv): SettingsLayer {
  const layer: Record<string, unknown> = {};
  for (const [name, { key, parse }] of Object.entries(ENV_SETTINGS)) {
    const value = env[name];
    if (value !== undefined && value !== '') layer[key] = parse ? parse(value, name) : value;
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

/** One setting from the layers given (the defaults always under them), and where it came from. */
export function resolveSetting<K extends keyof Settings>(
  key: K,
  layers: Omit<Layers, 'default'>,
): { value: Settings[K] | undefined; source: SettingSource | undefined } {
  const resolved = resolveSettings({ ...layers, default: DEFAULT_SETTINGS });
  return { value: resolved.values[key], source: resolved.sources[key] };
}

/** The environment's name of a setting, for messages that say where a value came from. */
export function envName(key: keyof Settings): string {
  return Object.entries(ENV_SETTINGS).find(([, spec]) => spec.key === key)?.[0] ?? key;
}

/** A sync's tuning, from the environment or the defaults: no flag or mapping sets these. */
export function syncTuning(env: NodeJS.ProcessEnv): {
  bulkUploadBytes: number;
  /** SFSYNC_BULK_UPLOAD_BYTES was given: jobs take that size, not one from the file's. */
  bulkUploadBytesSet: boolean;
  heapLimitBytes: number;
} {
  const fromEnv = settingsFromEnv(env);
  const values = resolveSettings({ env: fromEnv, default: DEFAULT_SETTINGS }).values;
  const mb = values.heapLimitMb as number;
  return {
    bulkUploadBytes: values.bulkUploadBytes as number,
    bulkUploadBytesSet: fromEnv.bulkUploadBytes !== undefined,
    heapLimitBytes: mb === 0 ? Infinity : mb * 1024 * 1024,
  };
}

/** SFSYNC_READ_THREAD, checked: whether CSV files are parsed on a second thread (undefined: by their size). */
export function readThreadSetting(env: NodeJS.ProcessEnv): 'on' | 'off' | undefined {
  const raw = env.SFSYNC_READ_THREAD;
  if (raw === undefined || raw.trim() === '') return undefined;
  return (
    (ENV_SETTINGS.SFSYNC_READ_THREAD?.parse?.(raw, 'SFSYNC_READ_THREAD') as 'on' | 'off' | undefined) ??
    undefined
  );
}
