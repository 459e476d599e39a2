import type { StoredOrg } from '../auth/token-store.js';
import { clientCredentialsLogin, deviceLogin, jwtLogin } from '../auth/headless-login.js';
import { webLogin } from '../auth/web-login.js';
import type { Deps } from '../deps.js';
import { envName, resolveSettings, settingsFromEnv } from '../config/settings.js';
import { DEFAULT_API_VERSION } from '../core/api-version.js';
import { isLoopbackUrl, LOCAL_ORG_CLIENT_ID } from '../core/local-org.js';
import { SfsyncError, usageError } from '../errors.js';
import { checkEndpoint } from '../salesforce/connect.js';
import { identify, type Tokens } from '../salesforce/oauth.js';
import type { LoginOptions } from './options.js';

export const PRODUCTION_LOGIN = 'https://login.salesforce.com';
export const SANDBOX_LOGIN = 'https://test.salesforce.com';
/**
 * The Salesforce CLI's connected app, present in every org: browser and device logins use it when no
 * --client-id is given, as other open-source tools do. Its callback URL is fixed.
 */
export const PLATFORM_CLI_CLIENT_ID = 'PlatformCLI';
export const PLATFORM_CLI_PORT = 1717;

export interface LoginResult {
  alias: string;
  username: string;
  orgId: string;
  instanceUrl: string;
  loginUrl: string;
  isSandbox: boolean;
  grant: StoredOrg['grant'];
  isDefault: boolean;
  hasRefreshToken: boolean;
  /** The connected app the tokens belong to (a refresh must use the same one). */
  clientId: string;
}

export interface LoginTimeouts {
  webMs: number;
  deviceMs: number;
  /** Overrides the device flow's polling interval (tests). */
  devicePollMs?: number;
}

export function loginHost(opts: LoginOptions, env: NodeJS.ProcessEnv): string {
  const { values, sources } = resolveSettings({
    flag: { loginUrl: opts.instanceUrl ?? opts.loginUrl },
    env: settingsFromEnv(env),
  });
  if (values.loginUrl)
    return checkEndpoint(
      values.loginUrl,
      sources.loginUrl === 'env' ? envName('loginUrl') : opts.instanceUrl ? '--instance-url' : '--login-url',
    );
  return opts.sandbox ? SANDBOX_LOGIN : PRODUCTION_LOGIN;
}

/**
 * The connected app: --client-id, SFSYNC_CLIENT_ID or the one remembered from an earlier --client-id; else the
 * Salesforce CLI's app for the browser and device flows. JWT and client credentials always need an app of the
 * org's own (its certificate, its Run As user), except the local org's built-in one.
 */
function chooseClientId(
  opts: LoginOptions,
  loginUrl: string,
  env: NodeJS.ProcessEnv,
  remembered: string | undefined,
): string {
  const own = resolveSettings({
    flag: { clientId: opts.clientId },
    env: settingsFromEnv(env),
    stored: { clientId: remembered },
  }).values.clientId;
  if (own) return own;
  if (opts.jwtKey || opts.clientCredentials) {
    if (isLoopbackUrl(loginUrl)) return LOCAL_ORG_CLIENT_ID;
    throw usageError(
      `${opts.jwtKey ? 'A JWT bearer login' : 'A client credentials login'} needs a connected app of your own.`,
      'Pass its consumer key with --client-id (once; it is remembered) or set SFSYNC_CLIENT_ID. "The connected app" in the README says how to create one.',
    );
  }
  if (opts.port !== undefined && opts.port !== PLATFORM_CLI_PORT)
    throw usageError(
      `--port ${opts.port} cannot be used with the default connected app (${PLATFORM_CLI_CLIENT_ID}): its callback URL is fixed at http://localhost:${PLATFORM_CLI_PORT}/OauthRedirect.`,
      `Leave out --port, or pass --client-id with a connected app of your own whose callback URL uses port ${opts.port}.`,
    );
  return PLATFORM_CLI_CLIENT_ID;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += String(chunk);
  return text.trim();
}

async function clientSecret(deps: Pick<Deps, 'io' | 'env' | 'prompt'>): Promise<string> {
  const fromEnv = settingsFromEnv(deps.env).clientSecret;
  if (fromEnv) return fromEnv;
  if (deps.io.canPrompt) return deps.prompt.password("Connected app's consumer secret");
  if (!deps.io.stdinIsTTY) {
    const secret = await readStdin(deps.io.stdin);
    if (secret) return secret;
  }
  throw new SfsyncError('SECRET_MISSING', "--client-credentials needs the connected app's consumer secret.", {
    hint: 'Set SFSYNC_CLIENT_SECRET, or pipe it on standard input (never as a flag: it would stay in the shell history).',
  });
}

type LoginDeps = Pick<Deps, 'io' | 'env' | 'store' | 'openUrl' | 'prompt' | 'now'>;

/** The tokens of the flow the flags choose: JWT bearer, client credentials, device, or the browser. */
async function obtainTokens(
  opts: LoginOptions,
  deps: LoginDeps,
  loginUrl: string,
  clientId: string,
  timeouts: LoginTimeouts,
): Promise<{ tokens: Tokens; grant: StoredOrg['grant'] }> {
  if (opts.jwtKey) {
    const tokens = await jwtLogin({
      loginUrl,
      clientId,
      keyFile: opts.jwtKey,
      username: opts.username as string,
      sandbox: opts.sandbox,
      now: deps.now(),
    });
    return { tokens, grant: 'jwt' };
  }
  if (opts.clientCredentials) {
    const tokens = await clientCredentialsLogin({
      loginUrl,
      clientId,
      clientSecret: await clientSecret(deps),
    });
    return { tokens, grant: 'client_credentials' };
  }
  if (opts.device) {
    const tokens = await deviceLogin({
      loginUrl,
      clientId,
      timeoutMs: timeouts.deviceMs,
      sleep:
        timeouts.devicePollMs === undefined
          ? undefined
          : () => new Promise((r) => setTimeout(r, timeouts.devicePollMs)),
      onCode: async ({ userCode, verificationUri }) => {
        deps.io.err(`To log in, open ${verificationUri} on any device and enter the code ${userCode}`);
        if (opts.browser) await deps.openUrl(verificationUri).catch(() => undefined);
      },
    });
    return { tokens, grant: 'device' };
  }
  return { tokens: await browserLogin(opts, deps, loginUrl, clientId, timeouts), grant: 'web' };
}

/** The web server flow: the browser opens (or the URL is printed), or the redirect address is pasted. */
function browserLogin(
  opts: LoginOptions,
  deps: LoginDeps,
  loginUrl: string,
  clientId: string,
  timeouts: LoginTimeouts,
): Promise<Tokens> {
  let browserFailed = false;
  return webLogin({
    loginUrl,
    clientId,
    clientSecret: settingsFromEnv(deps.env).clientSecret,
    port: opts.port ?? PLATFORM_CLI_PORT,
    username: opts.username,
    timeoutMs: timeouts.webMs,
    onAuthorizeUrl: async (url) => {
      deps.io.err(`Log in to Salesforce in your browser. If it does not open, open this URL:\n${url}`);
      if (!opts.browser) return;
      try {
        await deps.openUrl(url);
      } catch {
        browserFailed = true;
        deps.io.err('Could not open a browser: open the URL above yourself.');
      }
    },
    askForRedirect:
      deps.io.canPrompt && !opts.json
        ? (signal) =>
            !opts.browser || browserFailed
              ? deps.prompt.input('On another machine? Paste the address the browser ended on (or wait):', {
                  signal,
                })
              : Promise.reject(new Error('browser opened'))
        : undefined,
  });
}

/** Logs in with the flow the flags choose, identifies the user, and stores the org under its alias. */
export async function runLogin(
  opts: LoginOptions,
  deps: LoginDeps,
  timeouts: LoginTimeouts = { webMs: 5 * 60_000, deviceMs: 10 * 60_000 },
): Promise<LoginResult> {
  const loginUrl = loginHost(opts, deps.env);
  const store = deps.store();
  const clientId = chooseClientId(opts, loginUrl, deps.env, store.getSettings().defaultClientId);
  if (clientId === PLATFORM_CLI_CLIENT_ID)
    deps.io.err(
      `Using the Salesforce CLI's connected app (${PLATFORM_CLI_CLIENT_ID}), present in every org; --client-id selects your own.`,
    );
  const { tokens, grant } = await obtainTokens(opts, deps, loginUrl, clientId, timeouts);
  checkEndpoint(tokens.instanceUrl, 'The instance URL Salesforce returned');
  const identity = await identify(tokens, DEFAULT_API_VERSION);
  const alias = opts.alias ?? identity.username;
  const org: StoredOrg = {
    alias,
    username: identity.username,
    userId: identity.userId,
    orgId: identity.orgId,
    instanceUrl: tokens.instanceUrl,
    loginUrl,
    clientId,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    isSandbox: identity.isSandbox || loginUrl === SANDBOX_LOGIN,
    grant,
    createdAt: deps.now().toISOString(),
  };
  store.saveOrg(org);
  const settings = store.getSettings();
  const isDefault = opts.setDefault || !settings.defaultOrg || settings.defaultOrg === alias;
  store.updateSettings({
    defaultOrg: isDefault ? alias : settings.defaultOrg,
    defaultClientId: settings.defaultClientId ?? (opts.clientId ? clientId : undefined),
  });
  return {
    alias,
    username: org.username,
    orgId: org.orgId,
    instanceUrl: org.instanceUrl,
    loginUrl,
    isSandbox: org.isSandbox,
    grant,
    isDefault,
    hasRefreshToken: org.refreshToken !== undefined,
    clientId,
  };
}

export function renderLogin(r: LoginResult): string[] {
  return [
    `Logged in as ${r.username} (${r.isSandbox ? 'sandbox' : 'production'} org ${r.orgId}, ${r.instanceUrl}).`,
    `Stored as "${r.alias}"${r.isDefault ? ', the default org' : `; use --org ${r.alias}`}.${r.hasRefreshToken ? '' : ' No refresh token: log in again when the session expires.'}`,
  ];
}
