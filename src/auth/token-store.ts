import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { defaultConfigDir } from '../config/config-dir.js';
import {
  abandonedBy,
  createLockFile,
  lockContent,
  lockHolder,
  releaseLockFile,
} from '../core/process-lock.js';
import Conf from './conf.js';

import type { StoredOrg, StoredSettings, TokenStore } from '../core/org-store.js';

export type { StoredOrg, StoredSettings, TokenStore } from '../core/org-store.js';

interface StoreShape {
  orgs: Record<string, StoredOrg>;
  settings: StoredSettings;
}

function emptyShape(): StoreShape {
  return { orgs: {}, settings: {} };
}

/** An alias is a key of the store, never a name on Object.prototype (`--org constructor`). */
function ownValue<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
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
    getOrg: (alias) => {
      const org = ownValue(data.orgs, alias);
      return org ? { ...org } : undefined;
    },
    saveOrg: (org) => void (data.orgs = { ...data.orgs, [org.alias]: { ...org } }),
    removeOrg: (alias) => Object.hasOwn(data.orgs, alias) && delete data.orgs[alias],
    getSettings: () => ({ ...data.settings }),
    updateSettings: (patch) => void (data.settings = removeUndefined({ ...data.settings, ...patch })),
  };
}

export { defaultConfigDir };

const ENCRYPTED = 'enc:v1:';

/**
 * Tokens are encrypted at rest with AES-256-GCM under a key kept in its own 0600 file next to the store. This
 * keeps tokens out of backups, support bundles and screen shares of orgs.json; it does not protect against
 * someone who can read the user's files (the key is beside them). See SECURITY.md.
 */
function loadKey(dir: string): Buffer {
  const file = path.join(dir, 'key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  } catch {
    const key = randomBytes(32);
    // Written whole under a temporary name, then linked into place: a process reading the key at the same
    // moment finds no file or the whole key, never an empty one (which would be a key of zero bytes).
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(temp, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temp, file);
      return key;
    } catch {
      // Another process created it first: use theirs.
      return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
}

function encrypt(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `${ENCRYPTED}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

function decrypt(key: Buffer, value: string): string {
  if (!value.startsWith(ENCRYPTED)) return value;
  const [iv, tag, data] = value.slice(ENCRYPTED.length).split(':');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64'));
  decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(data ?? '', 'base64')), decipher.final()]).toString(
    'utf8',
  );
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Serializes read-modify-write of the store between processes (a CI job refreshing while another logs in). The
 * lock is held for one synchronous write, milliseconds; it names its process and host, so a lock left by a
 * process killed meanwhile (SIGKILL during a token refresh) is taken over at once. One that names no holder (an
 * older sfsync's, or torn) is taken over once older than a write could take.
 */
function withLock<T>(dir: string, fn: () => T, now = new Date()): T {
  const lock = path.join(dir, 'orgs.lock');
  const mine = lockContent(now);
  for (let attempt = 0; !createLockFile(lock, mine); attempt++) {
    const holder = lockHolder(lock);
    try {
      if (abandonedBy(holder) || (!holder && Date.now() - fs.statSync(lock).mtimeMs > STALE_MS))
        fs.rmSync(lock, { force: true });
    } catch {
      // It went away between the two calls: try again.
    }
    if (attempt > 500) {
      const who = holder ? ` by process ${holder.pid} on ${holder.host}` : '';
      throw new Error(
        `the token store is locked${who} (${lock}); if no sfsync process is running, remove that file`,
      );
    }
    sleepSync(10);
  }
  try {
    return fn();
  } finally {
    releaseLockFile(lock, mine);
  }
}

/** A lock naming no holder is taken over after this long (the writes it guards take milliseconds). */
const STALE_MS = 2_000;

/**
 * The on-disk store: one JSON file written atomically by conf (write to a temporary file, then rename),
 * mode 0600 in a 0700 folder. conf re-reads the file on every access, so a second process sees changes. Only
 * the locked writes below ever write it: opening a store never does.
 */
export function createFileTokenStore(dir: string): TokenStore {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const conf = new Conf<StoreShape>({
    cwd: dir,
    configName: 'orgs',
    configFileMode: 0o600,
    // No defaults: with them, conf writes the file when it opens it (unlocked) whenever the file lacks a key,
    // which can put back an older copy over an org another process has just saved. read() fills the gaps.
    projectSuffix: '',
  });
  let key: Buffer | undefined;
  const secret = (): Buffer => (key ??= loadKey(dir));
  const seal = (org: StoredOrg): StoredOrg => ({
    ...org,
    accessToken: encrypt(secret(), org.accessToken),
    refreshToken: org.refreshToken === undefined ? undefined : encrypt(secret(), org.refreshToken),
  });
  const open = (org: StoredOrg): StoredOrg => ({
    ...org,
    accessToken: decrypt(secret(), org.accessToken),
    refreshToken: org.refreshToken === undefined ? undefined : decrypt(secret(), org.refreshToken),
  });
  const read = (): StoreShape => ({ ...emptyShape(), ...conf.store });
  return {
    location: conf.path,
    listOrgs: () => Object.values(read().orgs).map(open),
    getOrg: (alias) => {
      const org = ownValue(read().orgs, alias);
      return org ? open(org) : undefined;
    },
    saveOrg: (org) => withLock(dir, () => conf.set('orgs', { ...read().orgs, [org.alias]: seal(org) })),
    removeOrg: (alias) =>
      withLock(dir, () => {
        const orgs = { ...read().orgs };
        if (!Object.hasOwn(orgs, alias)) return false;
        delete orgs[alias];
        conf.set('orgs', orgs);
        return true;
      }),
    getSettings: () => read().settings,
    updateSettings: (patch) =>
      withLock(dir, () => conf.set('settings', removeUndefined({ ...read().settings, ...patch }))),
  };
}
