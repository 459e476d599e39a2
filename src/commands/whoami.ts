import type { Deps } from '../deps.js';
import type { OrgOptions } from './options.js';

export interface WhoamiResult {
  username: string;
  userId: string;
  orgId: string;
  instanceUrl: string;
  isSandbox: boolean;
  apiVersion: string;
}

/** Asks Salesforce who the current session is: it proves the stored (or environment) token still works. */
export async function runWhoami(opts: OrgOptions, deps: Pick<Deps, 'connect' | 'io'>): Promise<WhoamiResult> {
  const client = await deps.connect({
    org: opts.org,
    trace: opts.verbose ? (line) => deps.io.err(line) : undefined,
  });
  const id = await client.identity();
  return { ...id, instanceUrl: client.instanceUrl, apiVersion: client.apiVersion };
}

export function renderWhoami(r: WhoamiResult): string[] {
  return [
    `${r.username} on ${r.instanceUrl}`,
    `  org ${r.orgId} (${r.isSandbox ? 'sandbox' : 'production'}), user ${r.userId}, API v${r.apiVersion}`,
  ];
}
