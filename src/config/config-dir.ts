import os from 'node:os';
import path from 'node:path';
import { settingsFromEnv } from './settings.js';

/** Where stored orgs, settings and the list of plan runs live: SFSYNC_CONFIG_DIR, else the platform's place. */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const configDir = settingsFromEnv(env).configDir;
  if (configDir) return path.resolve(configDir);
  if (process.platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'sfsync');
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'sfsync');
}
