import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileTokenStore } from '../src/auth/token-store.js';
import type { StoredOrg } from '../src/core/org-store.js';
import { abandonedBy } from '../src/core/process-lock.js';

const org: StoredOrg = {
  alias: 'dev',
  username: 'dev@acme.com',
  userId: '005',
  orgId: '00D',
  instanceUrl: 'https://acme.my.salesforce.com',
  loginUrl: 'https://login.salesforce.com',
  clientId: 'c',
  accessToken: 'tok',
  isSandbox: false,
  grant: 'web',
  createdAt: 'now',
};

/** The id of a process that has ended (as one killed during a token refresh). */
const gone = spawnSync('true').pid as number;
const deadPid = (): number => gone;

function configDir(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-lock-')), 'config');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe('the token store lock', () => {
  it('a lock left by a killed process (its pid gone) is taken over: the next refresh saves', () => {
    const dir = configDir();
    const lock = path.join(dir, 'orgs.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: os.hostname(), started: 'earlier' }));
    const store = createFileTokenStore(dir);
    store.saveOrg({ ...org, accessToken: 'refreshed' });
    expect(store.getOrg('dev')?.accessToken).toBe('refreshed');
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('an empty lock (an older sfsync, killed) is taken over once older than a write could take', () => {
    const dir = configDir();
    const lock = path.join(dir, 'orgs.lock');
    fs.writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    createFileTokenStore(dir).saveOrg(org);
    expect(createFileTokenStore(dir).getOrg('dev')?.username).toBe('dev@acme.com');
  });

  it.each([
    ['a live process of this host', { pid: process.pid, host: os.hostname(), started: '' }, false],
    [
      'a process of another host (cannot be checked)',
      { pid: deadPid(), host: `not-${os.hostname()}`, started: '' },
      false,
    ],
    ['a process of this host that is gone', { pid: deadPid(), host: os.hostname(), started: '' }, true],
  ])('a lock held by %s is abandoned: %s', (_name, holder, expected) => {
    expect(abandonedBy(holder)).toBe(expected);
  });
});
