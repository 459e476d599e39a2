import { createSign, generateKeyPairSync } from 'node:crypto';
import jsforce from 'jsforce';
import { describe, expect, it } from 'vitest';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const { org } = useLocalOrg({ jwtCertificate: publicPem, tokenTtlMs: 60 * 60_000 });
const REDIRECT = 'http://localhost:1717/OauthRedirect';

function oauth2(options: { useVerifier?: boolean; secret?: boolean } = {}): jsforce.OAuth2 {
  return new jsforce.OAuth2({
    loginUrl: org().loginUrl,
    clientId: org().clientId,
    clientSecret: options.secret ? org().clientSecret : undefined,
    redirectUri: REDIRECT,
    useVerifier: options.useVerifier,
  });
}

/** Plays the browser: follows the authorize URL and returns the redirect's query. */
async function approve(authorizeUrl: string): Promise<URLSearchParams> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') as string);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  return location.searchParams;
}

async function tokenPost(
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${org().loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

function signJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  const sig = createSign('RSA-SHA256').update(unsigned).sign(keys.privateKey).toString('base64url');
  return `${unsigned}.${sig}`;
}

describe('OAuth 2.0 on the local org, driven by jsforce', () => {
  it('web server flow with PKCE: authorize redirects with code and state; the token works; userinfo answers', async () => {
    const auth = oauth2({ useVerifier: true });
    const url = auth.getAuthorizationUrl({ state: 'st-123', scope: 'api refresh_token' });
    expect(url).toContain('code_challenge=');
    expect(url).not.toContain('code_challenge_method');
    const query = await approve(url);
    expect(query.get('state')).toBe('st-123');
    expect(query.get('code')).toMatch(/==$/);

    const conn = new jsforce.Connection({ oauth2: auth, version: '62.0' });
    const userInfo = await conn.authorize(query.get('code') as string);
    expect(userInfo).toMatchObject({ id: org().userId, organizationId: org().orgId });
    expect(conn.accessToken).toMatch(/^00D[a-zA-Z0-9]{12}![A-Za-z0-9_.]+$/);
    expect(conn.refreshToken).toBeTruthy();
    expect(conn.instanceUrl).toBe(org().instanceUrl);
    const identity = (await conn.identity()) as unknown as Record<string, unknown>;
    expect(identity.username).toBe('admin@sfsync.local');
    expect(identity.photos).toEqual({
      picture: `${org().instanceUrl}/profilephoto/005/F`,
      thumbnail: `${org().instanceUrl}/profilephoto/005/T`,
    });
    const info = await fetch(`${org().instanceUrl}/services/oauth2/userinfo`, {
      headers: { Authorization: `Bearer ${conn.accessToken}` },
    });
    expect(await info.json()).toMatchObject({
      user_id: org().userId,
      organization_id: org().orgId,
      preferred_username: 'admin@sfsync.local',
      photos: { picture: expect.stringMatching(/\/profilephoto\/005\/F$/), thumbnail: expect.any(String) },
    });
  });

  it('refuses a wrong PKCE verifier, a replayed code and a wrong redirect_uri', async () => {
    const auth = oauth2({ useVerifier: true });
    const code = (await approve(auth.getAuthorizationUrl({ state: 's' }))).get('code') as string;
    const wrong = await tokenPost({
      grant_type: 'authorization_code',
      code,
      client_id: org().clientId,
      redirect_uri: REDIRECT,
      code_verifier: 'x'.repeat(171),
    });
    expect(wrong).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'invalid code verifier' },
    });
    const replay = await tokenPost({
      grant_type: 'authorization_code',
      code,
      client_id: org().clientId,
      redirect_uri: REDIRECT,
      code_verifier: auth.codeVerifier as string,
    });
    expect(replay.body.error).toBe('invalid_grant');

    const auth2 = oauth2({ useVerifier: true });
    const code2 = (await approve(auth2.getAuthorizationUrl({}))).get('code') as string;
    const badRedirect = await tokenPost({
      grant_type: 'authorization_code',
      code: code2,
      client_id: org().clientId,
      redirect_uri: 'http://localhost:9999/cb',
      code_verifier: auth2.codeVerifier as string,
    });
    expect(badRedirect.body.error).toBe('invalid_grant');
  });

  it('refuses an unknown client and an unknown grant type with Salesforce error bodies', async () => {
    expect(await tokenPost({ grant_type: 'refresh_token', client_id: 'nope', refresh_token: 'x' })).toEqual({
      status: 400,
      body: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
    });
    expect(await tokenPost({ grant_type: 'magic', client_id: org().clientId })).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
    });
  });

  it('refreshes an expired session automatically through jsforce and emits refresh', async () => {
    const auth = oauth2({ useVerifier: true });
    const conn = new jsforce.Connection({ oauth2: auth, version: '62.0' });
    await conn.authorize((await approve(auth.getAuthorizationUrl({}))).get('code') as string);
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    const before = conn.accessToken as string;
    org().oauth.revokeAccessToken(before);
    const res = await conn.query('SELECT Id FROM User');
    expect(res.totalSize).toBe(1);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).not.toBe(before);
  });

  it('a revoked refresh token answers invalid_grant, and its access tokens die with it', async () => {
    const auth = oauth2({ useVerifier: true });
    const conn = new jsforce.Connection({ oauth2: auth, version: '62.0' });
    await conn.authorize((await approve(auth.getAuthorizationUrl({}))).get('code') as string);
    const revoke = await fetch(`${org().loginUrl}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: conn.refreshToken as string }),
    });
    expect(revoke.status).toBe(200);
    const res = await tokenPost({
      grant_type: 'refresh_token',
      client_id: org().clientId,
      refresh_token: conn.refreshToken as string,
    });
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const plain = new jsforce.Connection({
      instanceUrl: org().instanceUrl,
      accessToken: conn.accessToken as string,
      version: '62.0',
    });
    expect((await errorOf(plain.query('SELECT Id FROM User'))).name).toBe('INVALID_SESSION_ID');
  });

  it('client credentials needs the secret', async () => {
    const conn = new jsforce.Connection({ oauth2: oauth2({ secret: true }), version: '62.0' });
    await conn.authorize({ grant_type: 'client_credentials' });
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(1);
    expect(
      (
        await tokenPost({
          grant_type: 'client_credentials',
          client_id: org().clientId,
          client_secret: 'wrong',
        })
      ).body,
    ).toEqual({
      error: 'invalid_client',
      error_description: 'invalid client credentials',
    });
  });

  it('JWT bearer: a signed assertion is accepted; a bad signature, audience or user is not', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: org().clientId, sub: org().username, aud: org().loginUrl, exp: now + 180 };
    const conn = new jsforce.Connection({ oauth2: oauth2(), version: '62.0' });
    await conn.authorize({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: signJwt(claims),
    });
    expect(conn.refreshToken).toBeUndefined();
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBe(1);

    const jwt = (c: Record<string, unknown>): Promise<{ status: number; body: Record<string, string> }> =>
      tokenPost({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signJwt(c) });
    expect((await jwt({ ...claims, aud: 'https://evil.example.com' })).body.error_description).toBe(
      'Audience validation failed',
    );
    expect((await jwt({ ...claims, sub: 'someone@else.com' })).body.error_description).toBe(
      "user hasn't approved this consumer",
    );
    expect((await jwt({ ...claims, exp: now - 10 })).body.error).toBe('invalid_grant');
    const tampered = `${signJwt(claims).slice(0, -4)}AAAA`;
    expect(
      (await tokenPost({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: tampered }))
        .body.error,
    ).toBe('invalid_grant');
  });

  it('device flow: pending until the user enters the code, then a token with a refresh token', async () => {
    // sfdx-core sends the device flow as multipart/form-data.
    const form = new FormData();
    form.set('response_type', 'device_code');
    form.set('client_id', org().clientId);
    form.set('scope', 'refresh_token web api');
    const start = (await (
      await fetch(`${org().loginUrl}/services/oauth2/token`, { method: 'POST', body: form })
    ).json()) as Record<string, string | number>;
    expect(start).toMatchObject({ verification_uri: `${org().loginUrl}/setup/connect`, interval: 5 });
    const poll = (): Promise<{ status: number; body: Record<string, string> }> =>
      tokenPost({ grant_type: 'device', client_id: org().clientId, code: start.device_code as string });
    expect((await poll()).body.error).toBe('authorization_pending');
    const page = await fetch(`${start.verification_uri}?user_code=${start.user_code}`);
    expect(page.status).toBe(200);
    const done = await poll();
    expect(done.status).toBe(200);
    expect(done.body.refresh_token).toBeTruthy();
    expect(done.body.instance_url).toBe(org().instanceUrl);
  });
});
