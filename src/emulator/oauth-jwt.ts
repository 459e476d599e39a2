import { createVerify } from 'node:crypto';
import type { ConnectedApp } from './oauth.js';

/** Why a JWT bearer assertion is refused (an OAuth error and its description), or null when it is good. */
export function checkJwtAssertion(
  assertion: string,
  app: ConnectedApp,
  username: string,
  loginUrl: string,
  now: number,
): { error: string; description: string } | null {
  const parts = assertion.split('.');
  if (parts.length !== 3 || !app.jwtCertificate)
    return { error: 'invalid_grant', description: 'invalid assertion' };
  const [headerB64, payloadB64, sigB64] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: { iss?: string; sub?: string; aud?: string | string[]; exp?: number };
  try {
    header = JSON.parse(Buffer.from(headerB64, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return { error: 'invalid_grant', description: 'invalid assertion' };
  }
  const verifier = createVerify('RSA-SHA256').update(`${headerB64}.${payloadB64}`);
  if (header.alg !== 'RS256' || !verifier.verify(app.jwtCertificate, Buffer.from(sigB64, 'base64url'))) {
    return { error: 'invalid_grant', description: 'invalid assertion' };
  }
  if (claims.iss !== app.clientId)
    return { error: 'invalid_client_id', description: 'client identifier invalid' };
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const allowed = [loginUrl, 'https://login.salesforce.com', 'https://test.salesforce.com'];
  if (!audiences.some((a) => a && allowed.includes(a.replace(/\/$/, '')))) {
    return { error: 'invalid_grant', description: 'Audience validation failed' };
  }
  const nowSec = now / 1000;
  if (typeof claims.exp !== 'number' || claims.exp < nowSec || claims.exp > nowSec + 5 * 60) {
    return { error: 'invalid_grant', description: 'expired authorization code' };
  }
  if (claims.sub !== username)
    return { error: 'invalid_grant', description: "user hasn't approved this consumer" };
  return null;
}
