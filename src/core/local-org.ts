/**
 * The built-in local org's own connected app: JWT and client credentials logins against a loopback URL use it.
 * src/emulator/server.ts keeps its own copy of this id, because the local org imports nothing of sfsync (it is a
 * model of Salesforce); test/local-org-facts.test.ts checks that the two agree.
 */
export const LOCAL_ORG_CLIENT_ID = '3MVG9sfsyncLocalOrgConnectedApp';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** This machine (the local org), where plain http may carry tokens. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** An http URL of this machine (the local org), with or without a port. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && isLoopbackHost(u.hostname);
  } catch {
    return false;
  }
}
