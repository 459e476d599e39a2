import { SfsyncError } from '../errors.js';
import type { Request } from './bulk.js';
import type { Identity } from './types.js';

/**
 * A sandbox by its host name, for users who may not read Organization: enhanced domains end in
 * `.sandbox.my.salesforce.com`; older sandbox My Domains put `--` between the domain and the sandbox name.
 */
export function isSandboxHost(hostname: string): boolean {
  return /\.sandbox\.my\.salesforce\.com$/.test(hostname) || hostname.includes('--');
}

/** The user and org behind a session (userinfo), and whether the org is a sandbox (Organization.IsSandbox). */
export async function readIdentity(request: Request, instanceUrl: string): Promise<Identity> {
  // A REST call first: an expired session answers 401 there, which has the session renewed.
  let isSandbox = isSandboxHost(new URL(instanceUrl).hostname);
  try {
    const org = await request<{ records: Array<{ IsSandbox: boolean }> }>(
      'GET',
      `/query?q=${encodeURIComponent('SELECT IsSandbox FROM Organization')}`,
    );
    if (org.records[0]) isSandbox = org.records[0].IsSandbox === true;
  } catch (err) {
    // Users without access to Organization: the host name decides. A dead session is fatal.
    if (
      err instanceof SfsyncError &&
      ['AUTH_INVALID', 'NETWORK', 'REQUEST_LIMIT_EXCEEDED'].includes(err.code)
    )
      throw err;
  }
  const info = await request<{ preferred_username: string; user_id: string; organization_id: string }>(
    'GET',
    '/services/oauth2/userinfo',
  );
  return { username: info.preferred_username, userId: info.user_id, orgId: info.organization_id, isSandbox };
}
