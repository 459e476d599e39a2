import { isLoopbackHost } from '../core/local-org.js';
import type { StoredOrg, TokenStore } from '../core/org-store.js';
import { DEFAULT_SETTINGS, resolveSettings, settingsFromEnv } from '../config/settings.js';
import { SfsyncError } from '../errors.js';
import { createSalesforceClient, type SalesforceClient } from './client.js';
import { FAST_RETRY, type RetryPolicy } from './retry.js';
import { fixedToken, type TokenProvider } from './transport.js';

export interface ConnectOptions {
  /** --org: a stored alias; wins over the environment. */
  org?: string;
  /** --api-version: wins over SFSYNC_API_VERSION. */
  apiVersion?: string;
  /** The mapping file's apiVersion: below the flag and the environment, above the stored setting. */
  mappingApiVersion?: string;
  /** --verbose: where the redacted HTTP trace goes. */
  trace?: (line: string) => void;
}

export type Connect = (options: ConnectOptions) => Promise<SalesforceClient>;

/** Tokens go only to https endpoints, or to this machine (the local org). */
export function checkEndpoint(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SfsyncError('CONFIG_INVALID', `${what} "${url}" is not a URL.`, {
      hint: 'Use a URL such as https://acme.my.salesforce.com',
    });
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
    throw new SfsyncError(
      'CONFIG_INVALID',
      `${what} ${parsed.origin} is not https: tokens are only sent over https.`,
      {
        hint: 'Use the https:// URL of the org (plain http is accepted only for 127.0.0.1, the local org).',
      },
    );
  }
  return parsed.origin;
}

/** Which org to talk to: --org, then SFSYNC_INSTANCE_URL + SFSYNC_ACCESS_TOKEN, then SFSYNC_ORG, then the default. */
export function createConnector(
  env: NodeJS.ProcessEnv,
  store: () => TokenStore,
  retry?: RetryPolicy,
): Connect {
  return async (options) => {
    const envLayer = settingsFromEnv(env);
    const pace = retry ?? (envLayer.testTimings === 'fast' ? FAST_RETRY : undefined);
    const stored = store().getSettings();
    const settings = resolveSettings({
      flag: { org: options.org, apiVersion: options.apiVersion },
      env: envLayer,
      mapping: { apiVersion: options.mappingApiVersion },
      stored: { org: stored.defaultOrg, apiVersion: stored.apiVersion },
      default: DEFAULT_SETTINGS,
    });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- it types apiVersion as string
    const apiVersion = settings.values.apiVersion ?? (DEFAULT_SETTINGS.apiVersion as string);
    const from = {
      flag: '--api-version',
      env: 'SFSYNC_API_VERSION',
      mapping: 'the mapping',
      stored: 'stored settings',
    };
    const source = settings.sources.apiVersion;
    options.trace?.(
      `API version ${apiVersion} (${source && source !== 'default' ? `from ${from[source]}` : 'default'})`,
    );
    const direct = settings.sources.org !== 'flag' && (envLayer.instanceUrl || envLayer.accessToken);
    if (direct) {
      if (!envLayer.instanceUrl || !envLayer.accessToken) {
        throw new SfsyncError(
          'CONFIG_INVALID',
          'SFSYNC_INSTANCE_URL and SFSYNC_ACCESS_TOKEN must be set together.',
          {
            hint: `Set the missing ${envLayer.instanceUrl ? 'SFSYNC_ACCESS_TOKEN' : 'SFSYNC_INSTANCE_URL'}, or unset both to use a stored org.`,
          },
        );
      }
      const instanceUrl = checkEndpoint(envLayer.instanceUrl, 'SFSYNC_INSTANCE_URL');
      const tokens = fixedToken(envLayer.accessToken);
      return createSalesforceClient({ instanceUrl, tokens, apiVersion, retry: pace, trace: options.trace });
    }
    const alias = settings.values.org;
    if (!alias) {
      throw new SfsyncError('NO_ORG', 'No org to connect to.', {
        hint: 'Run "sfsync login" (or "sfsync login --sandbox"), or set SFSYNC_INSTANCE_URL and SFSYNC_ACCESS_TOKEN. To try sfsync without an org, run "sfsync emulator".',
      });
    }
    const org = store().getOrg(alias);
    if (!org) {
      throw new SfsyncError(
        'ORG_UNKNOWN',
        `No stored org is called "${alias}" (from ${settings.sources.org === 'env' ? 'SFSYNC_ORG' : settings.sources.org === 'flag' ? '--org' : 'the default org'}).`,
        {
          hint: 'Run "sfsync orgs" to see the stored orgs, or "sfsync login --alias NAME" to add one.',
        },
      );
    }
    return createSalesforceClient({
      instanceUrl: checkEndpoint(org.instanceUrl, 'The stored instance URL'),
      tokens: storedTokens(org, store),
      apiVersion,
      retry: pace,
      relogin: reloginCommand(org),
      trace: options.trace,
    });
  };
}

/** The command that logs this org in again the same way. */
export function reloginCommand(org: StoredOrg): string {
  const host =
    org.loginUrl === 'https://login.salesforce.com'
      ? ''
      : org.loginUrl === 'https://test.salesforce.com'
        ? ' --sandbox'
        : ` --instance-url ${org.loginUrl}`;
  const flow =
    org.grant === 'jwt'
      ? ` --jwt-key <key file> --username ${org.username}`
      : org.grant === 'client_credentials'
        ? ' --client-credentials'
        : org.grant === 'device'
          ? ' --device'
          : '';
  return `sfsync login${host}${flow} --alias ${org.alias}`;
}

/** A stored org's token, renewed with its refresh token (jsforce's OAuth2); the new one is kept for the next command. */
function storedTokens(org: StoredOrg, store: () => TokenStore): TokenProvider {
  let accessToken = org.accessToken;
  const { refreshToken } = org;
  if (!refreshToken) return fixedToken(accessToken);
  return {
    accessToken: () => accessToken,
    async refresh() {
      // jsforce (OAuth) costs about half a CPU second to load: only a refresh needs it.
      const { refreshAccessToken } = await import('./oauth.js');
      accessToken = await refreshAccessToken(
        { clientId: org.clientId, loginUrl: org.loginUrl },
        refreshToken,
      );
      const current = store().getOrg(org.alias);
      if (current) store().saveOrg({ ...current, accessToken });
      return accessToken;
    },
  };
}
