import { createHash, randomBytes } from 'node:crypto';
import type { TokenStore } from '../../src/auth/token-store.js';
import type { Emulator } from '../../src/emulator/server.js';

export interface WebTokens {
  access_token: string;
  refresh_token: string;
}

/** Tokens from the local org's web-server flow (with PKCE), as a finished `sfsync login` would get them. */
export async function webLoginTokens(org: Emulator): Promise<WebTokens> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirect = 'http://localhost:1717/OauthRedirect';
  const auth = await fetch(
    `${org.loginUrl}/services/oauth2/authorize?response_type=code&client_id=${org.clientId}&redirect_uri=${encodeURIComponent(redirect)}&code_challenge=${challenge}`,
    { redirect: 'manual' },
  );
  const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
  const res = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: org.clientId,
      redirect_uri: redirect,
      code_verifier: verifier,
    }),
  });
  return (await res.json()) as WebTokens;
}

/** Stores the local org under `alias` with a refresh token, as `sfsync login --alias` would; returns the tokens. */
export async function storeLocalOrg(store: TokenStore, org: Emulator, alias: string): Promise<WebTokens> {
  const tokens = await webLoginTokens(org);
  store.saveOrg({
    alias,
    username: org.username,
    userId: org.userId,
    orgId: org.orgId,
    instanceUrl: org.instanceUrl,
    loginUrl: org.loginUrl,
    clientId: org.clientId,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    isSandbox: false,
    grant: 'web',
    createdAt: new Date().toISOString(),
  });
  return tokens;
}
