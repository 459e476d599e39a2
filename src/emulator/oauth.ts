import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkJwtAssertion } from './oauth-jwt.js';
import { identityDocument, identityUrls, userinfoDocument, type OrgIdentity } from './oauth-identity.js';

export type { OrgIdentity } from './oauth-identity.js';
import { JSON_TYPE, parseFormBody, readBody, sendEmpty, sendJson } from './http.js';

export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** PEM certificate or public key that verifies JWT bearer assertions; none disables that flow. */
  jwtCertificate?: string;
}

export interface Session {
  token: string;
  clientId: string;
  userId: string;
  expiresAt: number;
  refreshToken: string | null;
}

interface AuthCode {
  clientId: string;
  redirectUri: string;
  challenge: string | null;
  expiresAt: number;
}

interface DeviceCode {
  clientId: string;
  userCode: string;
  approved: boolean;
  expiresAt: number;
  lastPoll: number;
}

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

/**
 * The Salesforce CLI's connected app, which every org has: no consumer secret, PKCE, and one callback URL that an
 * authorize request must name exactly. It serves the browser and device flows (and refreshes their tokens) only.
 */
export const PLATFORM_CLI = { clientId: 'PlatformCLI', callbackUrl: 'http://localhost:1717/OauthRedirect' };

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += TOKEN_CHARS[b % TOKEN_CHARS.length];
  return s;
}

function base64url(buf: Buffer): string {
  return buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Salesforce's OAuth 2.0 endpoints, for one org and one connected app, auto-approving every consent. */
export class OAuthService {
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, { clientId: string; userId: string }>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly devices = new Map<string, DeviceCode>();
  private readonly issued = new Set<string>();

  constructor(
    readonly identity: OrgIdentity,
    readonly app: ConnectedApp,
    private readonly urls: { loginUrl: () => string; instanceUrl: () => string },
    private readonly tokenTtlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private knownClient(clientId: string | undefined): clientId is string {
    return clientId === this.app.clientId || clientId === PLATFORM_CLI.clientId;
  }

  private tokenPrefix(): string {
    return `${this.identity.orgId.slice(0, 15)}!`;
  }

  /** Issues a session, as every successful grant does. */
  issueSession(clientId: string, withRefresh: boolean, refreshToken?: string): Session {
    const token = this.tokenPrefix() + randomToken(96);
    const refresh = refreshToken ?? (withRefresh ? `5Aep861${randomToken(80)}` : null);
    if (refresh && !refreshToken) this.refreshTokens.set(refresh, { clientId, userId: this.identity.userId });
    const session = {
      token,
      clientId,
      userId: this.identity.userId,
      expiresAt: this.clock() + this.tokenTtlMs,
      refreshToken: refresh,
    };
    this.sessions.set(token, session);
    return session;
  }

  /** Every token, refresh token and code this org has handed out: tests scan outputs for them. */
  issuedSecrets(): string[] {
    return [...this.issued];
  }

  /** Ends one access token, as a session timeout or an admin's "revoke" does; its refresh token lives on. */
  revokeAccessToken(token: string): void {
    this.sessions.delete(token);
  }

  /** The session of a request's bearer token, or null (missing, unknown, revoked or expired). */
  authenticate(req: IncomingMessage, url: URL): Session | null {
    const header = req.headers.authorization ?? '';
    const m = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header);
    const token = m?.[1]?.trim() ?? url.searchParams.get('oauth_token');
    return token ? this.sessionOf(token) : null;
  }

  /** The live session of an access token (Bulk API 1.0 sends it in X-SFDC-Session), or null. */
  sessionOf(token: string): Session | null {
    const session = this.sessions.get(token);
    if (!session) return null;
    if (session.expiresAt <= this.clock()) {
      this.sessions.delete(token);
      return null;
    }
    return session;
  }

  private tokenResponse(
    session: Session,
    includeRefresh: boolean,
    extra: { signature: boolean } = { signature: true },
  ): Record<string, unknown> {
    const issuedAt = String(this.clock());
    const id = `${this.urls.loginUrl()}/id/${this.identity.orgId}/${this.identity.userId}`;
    const body: Record<string, unknown> = { access_token: session.token };
    if (includeRefresh && session.refreshToken) body.refresh_token = session.refreshToken;
    if (extra.signature) {
      body.signature = createHmac('sha256', this.app.clientSecret)
        .update(id + issuedAt)
        .digest('base64');
    }
    Object.assign(body, {
      scope: 'refresh_token web api',
      instance_url: this.urls.instanceUrl(),
      id,
      token_type: 'Bearer',
    });
    if (extra.signature) body.issued_at = issuedAt;
    return body;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/services/oauth2/authorize' && req.method === 'GET')
      return (this.authorize(res, url), true);
    if (path === '/services/oauth2/token' && req.method === 'POST') return (await this.token(req, res), true);
    if (path === '/services/oauth2/revoke') return (await this.revoke(req, res, url), true);
    if (path === '/services/oauth2/userinfo') return (this.userinfo(req, res, url), true);
    if (path.startsWith('/id/')) return (this.identityUrl(req, res, url), true);
    if (path === '/setup/connect') return (this.approveDevice(res, url), true);
    return false;
  }

  private authorize(res: ServerResponse, url: URL): void {
    const p = url.searchParams;
    const clientId = p.get('client_id') ?? '';
    const redirectUri = p.get('redirect_uri') ?? '';
    if (!this.knownClient(clientId)) {
      res.writeHead(400, { 'Content-Type': 'text/html;charset=UTF-8' });
      res.end(
        '<html><body>error=invalid_client_id&error_description=client%20identifier%20invalid</body></html>',
      );
      return;
    }
    const callbackOk =
      clientId === PLATFORM_CLI.clientId
        ? redirectUri === PLATFORM_CLI.callbackUrl
        : /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(redirectUri) ||
          redirectUri.startsWith('https://');
    if (!callbackOk) {
      res.writeHead(400, { 'Content-Type': 'text/html;charset=UTF-8' });
      res.end(
        '<html><body>error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration</body></html>',
      );
      return;
    }
    const target = new URL(redirectUri);
    const state = p.get('state');
    if (p.get('response_type') !== 'code') {
      target.searchParams.set('error', 'unsupported_response_type');
      target.searchParams.set('error_description', 'response type not supported');
    } else {
      const code = `aPrx${randomToken(60)}==`;
      this.issued.add(code);
      this.codes.set(code, {
        clientId,
        redirectUri,
        challenge: p.get('code_challenge'),
        expiresAt: this.clock() + 15 * 60_000,
      });
      target.searchParams.set('code', code);
    }
    if (state !== null) target.searchParams.set('state', state);
    sendEmpty(res, 302, { Location: target.toString() });
  }

  /** The Salesforce CLI's app has no secret: any secret sent for it, or a flow that needs one, is refused. */
  private checkSecret(
    res: ServerResponse,
    clientId: string | undefined,
    given: string | undefined,
    required: boolean,
  ): boolean {
    if (given === undefined || given === '') {
      if (!required) return true;
      oauthError(res, 400, 'invalid_client', 'invalid client credentials');
      return false;
    }
    if (clientId === PLATFORM_CLI.clientId || !safeEqual(given, this.app.clientSecret)) {
      oauthError(res, 400, 'invalid_client', 'invalid client credentials');
      return false;
    }
    return true;
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = parseFormBody(await readBody(req, 1_000_000), req.headers['content-type']);
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1] as string, 'base64')
        .toString('utf8')
        .split(':');
      form.client_id ??= decodeURIComponent(id ?? '');
      form.client_secret ??= decodeURIComponent(secret ?? '');
    }
    if (form.response_type === 'device_code') return this.startDevice(res, form);
    const grant = form.grant_type;
    const needsClient = grant !== 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    if (needsClient && !this.knownClient(form.client_id)) {
      return oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
    }
    switch (grant) {
      case 'authorization_code':
        return this.codeGrant(res, form);
      case 'refresh_token': {
        if (!this.checkSecret(res, form.client_id, form.client_secret, false)) return;
        const known = form.refresh_token ? this.refreshTokens.get(form.refresh_token) : undefined;
        // A refresh token works only with the app that it was issued to.
        if (!known || known.clientId !== form.client_id)
          return oauthError(res, 400, 'invalid_grant', 'expired access/refresh token');
        const session = this.issueSession(known.clientId, true, form.refresh_token);
        return sendJson(res, 200, this.tokenResponse(session, false));
      }
      case 'client_credentials': {
        if (!this.checkSecret(res, form.client_id, form.client_secret, true)) return;
        return sendJson(res, 200, this.tokenResponse(this.issueSession(this.app.clientId, false), false));
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwtGrant(res, form.assertion ?? '');
      case 'device':
        return this.pollDevice(res, form);
      case 'password': {
        if (!this.checkSecret(res, form.client_id, form.client_secret, true)) return;
        if (form.username !== this.identity.username)
          return oauthError(res, 400, 'invalid_grant', 'authentication failure');
        return sendJson(res, 200, this.tokenResponse(this.issueSession(this.app.clientId, false), false));
      }
      default:
        return oauthError(res, 400, 'unsupported_grant_type', 'grant type not supported');
    }
  }

  private codeGrant(res: ServerResponse, form: Record<string, string>): void {
    const code = form.code ? this.codes.get(form.code) : undefined;
    if (form.code) this.codes.delete(form.code);
    if (!code || code.expiresAt < this.clock() || code.clientId !== form.client_id) {
      return oauthError(res, 400, 'invalid_grant', 'authentication failure');
    }
    if (code.redirectUri !== form.redirect_uri)
      return oauthError(res, 400, 'invalid_grant', 'redirect_uri mismatch');
    if (code.challenge !== null) {
      // Salesforce compares BASE64URL(SHA256(verifier)); any verifier length is accepted (jsforce sends 171 chars).
      const verifier = form.code_verifier ?? '';
      if (!verifier || base64url(createHash('sha256').update(verifier).digest()) !== code.challenge) {
        return oauthError(res, 400, 'invalid_grant', 'invalid code verifier');
      }
    }
    if (!this.checkSecret(res, code.clientId, form.client_secret, code.challenge === null)) return;
    sendJson(res, 200, this.tokenResponse(this.issueSession(code.clientId, true), true));
  }

  private jwtGrant(res: ServerResponse, assertion: string): void {
    const refused = checkJwtAssertion(
      assertion,
      this.app,
      this.identity.username,
      this.urls.loginUrl(),
      this.clock(),
    );
    if (refused) return oauthError(res, 400, refused.error, refused.description);
    sendJson(
      res,
      200,
      this.tokenResponse(this.issueSession(this.app.clientId, false), false, { signature: false }),
    );
  }

  private startDevice(res: ServerResponse, form: Record<string, string>): void {
    if (!this.knownClient(form.client_id))
      return oauthError(res, 400, 'invalid_client_id', 'client identifier invalid');
    const deviceCode = randomToken(48);
    this.issued.add(deviceCode);
    const userCode = randomBytes(4).toString('hex').toUpperCase();
    this.devices.set(deviceCode, {
      clientId: form.client_id,
      userCode,
      approved: false,
      expiresAt: this.clock() + 10 * 60_000,
      lastPoll: 0,
    });
    sendJson(res, 200, {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: `${this.urls.loginUrl()}/setup/connect`,
      interval: 5,
    });
  }

  private pollDevice(res: ServerResponse, form: Record<string, string>): void {
    const device = form.code ? this.devices.get(form.code) : undefined;
    if (!device || device.expiresAt < this.clock())
      return oauthError(res, 400, 'invalid_grant', 'expired authorization code');
    if (!device.approved) return oauthError(res, 400, 'authorization_pending', 'authorization pending');
    this.devices.delete(form.code as string);
    sendJson(res, 200, this.tokenResponse(this.issueSession(device.clientId, true), true));
  }

  /** The page a person opens to enter a device code; the local org approves it at once. */
  private approveDevice(res: ServerResponse, url: URL): void {
    const userCode = (url.searchParams.get('user_code') ?? '').toUpperCase();
    const device = [...this.devices.values()].find((d) => d.userCode === userCode);
    if (device) device.approved = true;
    res.writeHead(device ? 200 : 404, { 'Content-Type': 'text/html;charset=UTF-8' });
    res.end(
      device
        ? '<html><body>Device connected. You can close this window.</body></html>'
        : '<html><body>Unknown code.</body></html>',
    );
  }

  private async revoke(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const form =
      req.method === 'POST' ? parseFormBody(await readBody(req, 100_000), req.headers['content-type']) : {};
    const token = form.token ?? url.searchParams.get('token') ?? '';
    if (this.refreshTokens.delete(token)) {
      for (const [t, s] of this.sessions) if (s.refreshToken === token) this.sessions.delete(t);
      return sendEmpty(res, 200);
    }
    if (this.sessions.delete(token)) return sendEmpty(res, 200);
    res.writeHead(400, { 'Content-Type': JSON_TYPE });
    res.end(JSON.stringify({ error: 'invalid_token', error_description: 'invalid token' }));
  }

  private requireSession(req: IncomingMessage, res: ServerResponse, url: URL): Session | null {
    const session = this.authenticate(req, url);
    if (!session) sendJson(res, 403, 'Bad_OAuth_Token');
    return session;
  }

  private userinfo(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!this.requireSession(req, res, url)) return;
    sendJson(res, 200, userinfoDocument(this.identity, this.urls.loginUrl(), this.urls.instanceUrl()));
  }

  urlsFor(version: string): Record<string, string> {
    return identityUrls(this.identity, this.urls.instanceUrl(), version);
  }

  private identityUrl(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const [, , orgId, userId] = url.pathname.split('/');
    if (!this.requireSession(req, res, url)) return;
    if (orgId !== this.identity.orgId || userId !== this.identity.userId)
      return void sendJson(res, 404, 'Bad_Id');
    const version = url.searchParams.get('version') ?? '{version}';
    const doc = identityDocument(this.identity, this.urls.loginUrl(), this.urls.instanceUrl(), version);
    sendJson(res, 200, doc);
  }
}
