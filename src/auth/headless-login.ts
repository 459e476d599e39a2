import { createPrivateKey, createSign } from 'node:crypto';
import fs from 'node:fs';
import { isLoopbackUrl } from '../core/local-org.js';
import { SfsyncError } from '../errors.js';
import {
  clientCredentials,
  jwtBearer,
  oauthError,
  tokenEndpoint,
  tokensFrom,
  type Tokens,
} from '../salesforce/oauth.js';

/** The audience Salesforce expects in a JWT: the login host the org belongs to, not the My Domain. */
export function jwtAudience(loginUrl: string, sandbox: boolean): string {
  if (isLoopbackUrl(loginUrl)) return loginUrl;
  if (sandbox || /test\.salesforce\.com|\.sandbox\.my\.salesforce\.com/.test(loginUrl))
    return 'https://test.salesforce.com';
  return 'https://login.salesforce.com';
}

/** A signed RS256 assertion for the JWT bearer flow, valid for three minutes. */
export function jwtAssertion(o: {
  keyFile: string;
  clientId: string;
  username: string;
  audience: string;
  now: Date;
}): string {
  let key;
  try {
    key = createPrivateKey(fs.readFileSync(o.keyFile, 'utf8'));
  } catch (err) {
    throw new SfsyncError(
      'JWT_KEY_INVALID',
      `--jwt-key ${o.keyFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a PEM private key'}.`,
      {
        hint: 'Pass the private key (PEM) whose certificate is uploaded to the connected app.',
      },
    );
  }
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = {
    iss: o.clientId,
    sub: o.username,
    aud: o.audience,
    exp: Math.floor(o.now.getTime() / 1000) + 180,
  };
  const unsigned = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url')}`;
}

export async function jwtLogin(o: {
  loginUrl: string;
  clientId: string;
  keyFile: string;
  username: string;
  sandbox: boolean;
  now: Date;
}): Promise<Tokens> {
  const assertion = jwtAssertion({ ...o, audience: jwtAudience(o.loginUrl, o.sandbox) });
  return jwtBearer({ loginUrl: o.loginUrl, clientId: o.clientId }, assertion);
}

export async function clientCredentialsLogin(o: {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
}): Promise<Tokens> {
  if (/^https:\/\/(login|test)\.salesforce\.com$/.test(o.loginUrl)) {
    throw new SfsyncError(
      'USAGE',
      "The client credentials flow works only on the org's My Domain, not on login.salesforce.com or test.salesforce.com.",
      {
        hint: 'Run "sfsync login --client-credentials --instance-url https://<MyDomain>.my.salesforce.com".',
      },
    );
  }
  return clientCredentials(o);
}

export interface DeviceStart {
  userCode: string;
  verificationUri: string;
}

/** The device flow: show a code to enter on another device, then poll until it is approved or expires. */
export async function deviceLogin(o: {
  loginUrl: string;
  clientId: string;
  timeoutMs: number;
  onCode: (start: DeviceStart) => Promise<void> | void;
  sleep?: (ms: number) => Promise<void>;
}): Promise<Tokens> {
  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const start = await tokenEndpoint(o.loginUrl, {
    response_type: 'device_code',
    client_id: o.clientId,
    scope: 'api refresh_token',
  });
  if (start.error) throw oauthError(start.error, start.error_description);
  const deviceCode = String(start.device_code);
  let interval = Number(start.interval ?? 5) * 1000;
  await o.onCode({ userCode: String(start.user_code), verificationUri: String(start.verification_uri) });
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    await sleep(interval);
    const res = await tokenEndpoint(o.loginUrl, {
      grant_type: 'device',
      client_id: o.clientId,
      code: deviceCode,
    });
    if (res.error === 'authorization_pending') continue;
    if (res.error === 'slow_down') {
      interval += 5000;
      continue;
    }
    return tokensFrom(res);
  }
  throw new SfsyncError('AUTH_TIMEOUT', 'The device code was not approved in time.', {
    hint: 'Run "sfsync login --device" again.',
  });
}
