import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SfsyncError } from '../errors.js';
import { exchangeCode, type OAuthApp, type Tokens } from '../salesforce/oauth.js';

export interface WebLoginOptions {
  loginUrl: string;
  clientId: string;
  clientSecret?: string;
  /** Port of the one-shot callback server on 127.0.0.1 (the connected app's callback URL names it). */
  port: number;
  username?: string;
  timeoutMs: number;
  /** Called with the authorize URL once the callback server listens: open a browser, print it. */
  onAuthorizeUrl: (url: string) => Promise<void> | void;
  /**
   * Where no browser can reach the callback (a remote shell), the user pastes the address the browser ended
   * on; the signal aborts the question when the callback arrives first.
   */
  askForRedirect?: (signal: AbortSignal) => Promise<string>;
}

const PAGE = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${body}</p></body></html>`;

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(o: {
  loginUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  challenge: string;
  username?: string;
}): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId,
    redirect_uri: o.redirectUri,
    scope: 'api refresh_token',
    state: o.state,
    code_challenge: o.challenge,
    code_challenge_method: 'S256',
    prompt: 'login',
  });
  if (o.username) params.set('login_hint', o.username);
  return `${o.loginUrl}/services/oauth2/authorize?${params.toString()}`;
}

/**
 * The OAuth 2.0 web server flow with PKCE: a one-shot callback server on 127.0.0.1, a random state that must
 * come back unchanged, and the code exchanged with its verifier. Anything else on the callback is refused.
 */
export async function webLogin(o: WebLoginOptions): Promise<Tokens> {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('hex');
  let settle: { resolve: (t: Tokens) => void; reject: (e: unknown) => void } | undefined;
  const done = new Promise<Tokens>((resolve, reject) => (settle = { resolve, reject }));
  // The outcome may arrive while the browser is still being opened; it is awaited below.
  done.catch(() => undefined);
  let redirectUri = '';
  let finished = false;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/OauthRedirect' || finished) {
      res
        .writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(PAGE('Not found', 'This address only receives the Salesforce login.'));
      return;
    }
    if (url.searchParams.get('state') !== state) {
      res
        .writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(
          PAGE(
            'Login refused',
            'The state parameter does not match this login. Start again with sfsync login.',
          ),
        );
      return;
    }
    finished = true;
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error || !code) {
      res
        .writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(PAGE('Login failed', 'Salesforce did not authorize sfsync. You can close this window.'));
      settle?.reject(
        new SfsyncError(
          'AUTH_DENIED',
          `Salesforce did not authorize the login: ${error ?? 'no code'}${url.searchParams.get('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}.`,
          { hint: 'Run "sfsync login" again and approve access.' },
        ),
      );
      return;
    }
    const app: OAuthApp = {
      loginUrl: o.loginUrl,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      redirectUri,
    };
    exchangeCode(app, code, verifier).then(
      (tokens) => {
        res
          .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
          .end(PAGE('sfsync is logged in', 'You can close this window and return to the terminal.'));
        settle?.resolve(tokens);
      },
      (err: unknown) => {
        res
          .writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' })
          .end(PAGE('Login failed', 'See the terminal for the reason.'));
        settle?.reject(err);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new SfsyncError(
              'PORT_IN_USE',
              `Port ${o.port} on 127.0.0.1 is in use, so the login callback cannot listen there.`,
              {
                hint: `Stop what uses port ${o.port}, or run "sfsync login --port N" with the port of your connected app's callback URL.`,
              },
            )
          : err,
      ),
    );
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  redirectUri = `http://localhost:${port}/OauthRedirect`;
  const timer = setTimeout(
    () =>
      settle?.reject(
        new SfsyncError(
          'AUTH_TIMEOUT',
          `No login came back within ${Math.round(o.timeoutMs / 1000)} seconds.`,
          { hint: 'Run "sfsync login" again; use --no-browser to copy the URL by hand.' },
        ),
      ),
    o.timeoutMs,
  );
  const abort = new AbortController();
  const fromPaste = (text: string): void => {
    if (finished || text.trim() === '') return;
    let pasted: URL;
    try {
      pasted = new URL(text.trim());
    } catch {
      settle?.reject(
        new SfsyncError('AUTH_FAILED', 'That is not the address the browser ended on.', {
          hint: 'Run "sfsync login" again and paste the whole address from the browser.',
        }),
      );
      return;
    }
    const code = pasted.searchParams.get('code');
    if (pasted.searchParams.get('state') !== state || !code) {
      settle?.reject(
        new SfsyncError(
          'AUTH_FAILED',
          'The pasted address is not from this login (its state does not match).',
          { hint: 'Run "sfsync login" again.' },
        ),
      );
      return;
    }
    finished = true;
    exchangeCode(
      { loginUrl: o.loginUrl, clientId: o.clientId, clientSecret: o.clientSecret, redirectUri },
      code,
      verifier,
    ).then(
      (t) => settle?.resolve(t),
      (err: unknown) => settle?.reject(err),
    );
  };
  try {
    await o.onAuthorizeUrl(
      authorizeUrl({
        loginUrl: o.loginUrl,
        clientId: o.clientId,
        redirectUri,
        state,
        challenge,
        username: o.username,
      }),
    );
    o.askForRedirect?.(abort.signal).then(fromPaste, () => undefined);
    return await done;
  } finally {
    abort.abort();
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
