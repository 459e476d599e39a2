import { resolveSetting, settingsFromEnv } from '../config/settings.js';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { revoke } from '../salesforce/oauth.js';
import type { LogoutOptions } from './options.js';

export interface LogoutResult {
  loggedOut: Array<{ alias: string; username: string; revoked: boolean; warning?: string }>;
  defaultOrg: string | null;
}

/** Revokes the tokens at Salesforce (the refresh token takes its sessions with it) and forgets the org. */
export async function runLogout(
  opts: LogoutOptions,
  deps: Pick<Deps, 'store' | 'env'>,
): Promise<LogoutResult> {
  const store = deps.store();
  const settings = store.getSettings();
  const alias = resolveSetting('org', {
    flag: { org: opts.org },
    env: settingsFromEnv(deps.env),
    stored: { org: settings.defaultOrg },
  }).value;
  const orgs = opts.all
    ? store.listOrgs()
    : alias
      ? [store.getOrg(alias)].filter((o) => o !== undefined)
      : [];
  if (!opts.all && orgs.length === 0) {
    throw new SfsyncError(
      'ORG_UNKNOWN',
      alias ? `No stored org is called "${alias}".` : 'No org is logged in.',
      { hint: 'Run "sfsync orgs" to see the stored orgs.' },
    );
  }
  const loggedOut: LogoutResult['loggedOut'] = [];
  for (const org of orgs) {
    let revoked = false;
    let warning: string | undefined;
    try {
      await revoke({ loginUrl: org.loginUrl, clientId: org.clientId }, org.refreshToken ?? org.accessToken);
      revoked = true;
    } catch (err) {
      // Forget the org anyway: a token that cannot be revoked (expired, offline) must not stay on disk.
      warning = `could not revoke at Salesforce (${(err as Error).message}); forgotten locally`;
    }
    store.removeOrg(org.alias);
    loggedOut.push({ alias: org.alias, username: org.username, revoked, warning });
  }
  const remaining = store.listOrgs();
  let defaultOrg = store.getSettings().defaultOrg ?? null;
  if (defaultOrg && !remaining.some((o) => o.alias === defaultOrg)) {
    defaultOrg = null;
    store.updateSettings({ defaultOrg: undefined });
  }
  return { loggedOut, defaultOrg };
}

export function renderLogout(r: LogoutResult): string[] {
  if (r.loggedOut.length === 0) return ['No stored orgs.'];
  return r.loggedOut.map(
    (o) => `Logged out of ${o.alias} (${o.username})${o.revoked ? '; tokens revoked' : `: ${o.warning}`}.`,
  );
}
