import jsforce from 'jsforce';
import { SfsyncError } from '../errors.js';
import { createSalesforceClient } from './client.js';
import { fixedToken } from './transport.js';
import type { Identity } from './types.js';

/** What a successful grant gives sfsync, whatever the flow. */
export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  instanceUrl: string;
  /** The identity URL: `{login}/id/{orgId}/{userId}`. */
  id: string;
}

export type { Identity } from './types.js';

export interface OAuthApp {
  loginUrl: string;
  clientId: string;
  clientSecret?: string;
  redirectUri?: string;
}

interface TokenJson {
  access_token?: string;
  refresh_token?: string;
  instance_url?: string;
  id?: string;
  error?: string;
  error_description?: string;
}

/** An OAuth error from Salesforce as an sfsync error that says what to do. */
export function oauthError(
  error: string,
  description: string | undefined,
  command = 'sfsync login',
): SfsyncError {
  const hints: Record<string, string> = {
    invalid_client_id:
      'Check --client-id: it must be the Consumer Key of a connected app in this org (see "Connected app" in the README).',
    invalid_client:
      'The client secret does not match the connected app; set SFSYNC_CLIENT_SECRET to its Consumer Secret.',
    invalid_grant: `Run "${command}" again.`,
    unsupported_grant_type: 'The connected app does not allow this flow; enable it in the app settings.',
  };
  return new SfsyncError(
    error === 'invalid_grant' ? 'AUTH_INVALID' : 'AUTH_FAILED',
    `Salesforce refused the login: ${error}${description ? ` (${description})` : ''}.`,
    {
      hint: hints[error] ?? `Run "${command}" again.`,
    },
  );
}

function toTokens(res: TokenJson): Tokens {
  if (!res.access_token || !res.instance_url || !res.id)
    throw new SfsyncError('AUTH_FAILED', 'Salesforce answered the token request without a token.');
  return {
    accessToken: res.access_token,
    refreshToken: res.refresh_token,
    instanceUrl: res.instance_url,
    id: res.id,
  };
}

function oauth2(app: OAuthApp): jsforce.OAuth2 {
  return new jsforce.OAuth2({
    loginUrl: app.loginUrl,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
  });
}

async function wrap<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof SfsyncError) throw err;
    const e = err as Error & { code?: string; cause?: { code?: string } };
    if (/^[a-z_]+$/.test(e.name) && e.name !== 'error') throw oauthError(e.name, e.message);
    throw new SfsyncError('NETWORK', `Cannot reach the login server: ${e.message}`, {
      hint: 'Check the login URL and your network.',
    });
  }
}

/** Exchanges an authorization code (web server flow with PKCE). */
export function exchangeCode(app: OAuthApp, code: string, codeVerifier: string): Promise<Tokens> {
  return wrap(async () =>
    toTokens(
      (await oauth2(app).requestToken({
        grant_type: 'authorization_code',
        code,
        code_verifier: codeVerifier,
      })) as TokenJson,
    ),
  );
}

export function jwtBearer(app: OAuthApp, assertion: string): Promise<Tokens> {
  return wrap(async () =>
    toTokens(
      (await oauth2(app).requestToken({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      })) as TokenJson,
    ),
  );
}

export function clientCredentials(app: OAuthApp): Promise<Tokens> {
  return wrap(async () =>
    toTokens((await oauth2(app).requestToken({ grant_type: 'client_credentials' })) as TokenJson),
  );
}

/** Revokes a token at Salesforce; a refresh token takes its access tokens with it. */
export function revoke(app: OAuthApp, token: string): Promise<void> {
  return wrap(() => oauth2(app).revokeToken(token));
}

/** Posts a form to the token endpoint directly: the device flow is not in jsforce. */
export async function tokenEndpoint(
  loginUrl: string,
  form: Record<string, string>,
): Promise<TokenJson & Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(`${loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams(form),
    });
  } catch (err) {
    throw new SfsyncError('NETWORK', `Cannot reach ${loginUrl}: ${(err as Error).message}`, {
      hint: 'Check the login URL and your network.',
    });
  }
  return (await res.json()) as TokenJson & Record<string, unknown>;
}

export function tokensFrom(json: TokenJson): Tokens {
  if (json.error) throw oauthError(json.error, json.error_description);
  return toTokens(json);
}

/** Who the token belongs to: userinfo for the user, Organization for the sandbox flag. */
export function identify(tokens: Tokens, apiVersion: string): Promise<Identity> {
  const { instanceUrl, accessToken } = tokens;
  return createSalesforceClient({ instanceUrl, apiVersion, tokens: fixedToken(accessToken) }).identity();
}

/**
 * A new access token from a refresh token (jsforce's OAuth2). Its errors are left as they are (`invalid_grant`…):
 * the client turns them into "run sfsync login again" with the org's own login command.
 */
export async function refreshAccessToken(app: OAuthApp, refreshToken: string): Promise<string> {
  const res = (await oauth2(app).refreshToken(refreshToken)) as TokenJson;
  if (!res.access_token)
    throw new SfsyncError('AUTH_FAILED', 'Salesforce answered the refresh without a token.');
  return res.access_token;
}
