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

/** One login in progress: what the callback (or a pasted address) must bring back, and how it ends. */
interface Attempt {
  o: WebLoginOptions;
  state: string;
  verifier: string;
  redirectUri: string;
  finished: boolean;
  resolve: (t: Tokens) => void;
  reject: (e: unknown) => void;
}

function send(res: http.ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE(title, body));
}

function exchange(a: Attempt, code: string): Promise<Tokens> {
  const { loginUrl, clientId, clientSecret } = a.o;
  const app: OAuthApp = { loginUrl, clientId, clientSecret, redirectUri: a.redirectUri };
  return exchangeCode(app, code, a.verifier);
}

/** The callback server's one route: the browser comes back with the code and the state. */
function onCallback(a: Attempt): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/OauthRedirect' || a.finished)
      return send(res, 404, 'Not found', 'This address only receives the Salesforce login.');
    if (url.searchParams.get('state') !== a.state)
      return send(
        res,
        400,
        'Login refused',
        'The state parameter does not match this login. Start again with sfsync login.',
      );
    a.finished = true;
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error || !code) {
      send(res, 400, 'Login failed', 'Salesforce did not authorize sfsync. You can close this window.');
      const description = url.searchParams.get('error_description');
      return a.reject(
        new SfsyncError(
          'AUTH_DENIED',
          `Salesforce did not authorize the login: ${error ?? 'no code'}${description ? ` (${description})` : ''}.`,
          { hint: 'Run "sfsync login" again and approve access.' },
        ),
      );
    }
    exchange(a, code).then(
      (tokens) => {
        send(res, 200, 'sfsync is logged in', 'You can close this window and return to the terminal.');
        a.resolve(tokens);
      },
      (err: unknown) => {
        send(res, 400, 'Login failed', 'See the terminal for the reason.');
        a.reject(err);
      },
    );
  };
}

/** The address the browser ended on, pasted where no browser can reach the callback. */
function onPaste(a: Attempt): (text: string) => void {
  return (text) => {
    if (a.finished || text.trim() === '') return;
    let pasted: URL;
    try {
      pasted = new URL(text.trim());
    } catch {
      return a.reject(
        new SfsyncError('AUTH_FAILED', 'That is not the address the browser ended on.', {
          hint: 'Run "sfsync login" again and paste the whole address from the browser.',
        }),
      );
    }
    const code = pasted.searchParams.get('code');
    if (pasted.searchParams.get('state') !== a.state || !code)
      return a.reject(
        new SfsyncError(
          'AUTH_FAILED',
          'The pasted address is not from this login (its state does not match).',
          {
            hint: 'Run "sfsync login" again.',
          },
        ),
      );
    a.finished = true;
    exchange(a, code).then(a.resolve, a.reject);
  };
}

/** Listens on 127.0.0.1; a port in use says which flag picks another. */
function listen(server: http.Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new SfsyncError(
              'PORT_IN_USE',
              `Port ${port} on 127.0.0.1 is in use, so the login callback cannot listen there.`,
              {
                hint: `Stop what uses port ${port}, or run "sfsync login --port N" with the port of your connected app's callback URL.`,
              },
            )
          : err,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * The OAuth 2.0 web server flow with PKCE: a one-shot callback server on 127.0.0.1, a random state that must
 * come back unchanged, and the code exchanged with its verifier. Anything else on the callback is refused.
 */
export async function webLogin(o: WebLoginOptions): Promise<Tokens> {
  const { verifier, challenge } = pkcePair();
  let settle: Pick<Attempt, 'resolve' | 'reject'> | undefined;
  const done = new Promise<Tokens>((resolve, reject) => (settle = { resolve, reject }));
  // The outcome may arrive while the browser is still being opened; it is awaited below.
  done.catch(() => undefined);
  const a: Attempt = {
    o,
    state: randomBytes(16).toString('hex'),
    verifier,
    redirectUri: '',
    finished: false,
    ...settle!,
  };
  const server = http.createServer(onCallback(a));
  const port = await listen(server, o.port);
  a.redirectUri = `http://localhost:${port}/OauthRedirect`;
  const timer = setTimeout(
    () =>
      a.reject(
        new SfsyncError(
          'AUTH_TIMEOUT',
          `No login came back within ${Math.round(o.timeoutMs / 1000)} seconds.`,
          {
            hint: 'Run "sfsync login" again; use --no-browser to copy the URL by hand.',
          },
        ),
      ),
    o.timeoutMs,
  );
  const abort = new AbortController();
  try {
    const { loginUrl, clientId, username } = o;
    await o.onAuthorizeUrl(
      authorizeUrl({ loginUrl, clientId, redirectUri: a.redirectUri, state: a.state, challenge, username }),
    );
    o.askForRedirect?.(abort.signal).then(onPaste(a), () => undefined);
    return await done;
  } finally {
    abort.abort();
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
