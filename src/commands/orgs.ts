import type { Deps } from '../deps.js';
import { formatTable } from '../ui/table.js';
import type { CommonOptions } from './options.js';

export interface OrgSummary {
  alias: string;
  username: string;
  instanceUrl: string;
  orgId: string;
  isSandbox: boolean;
  isDefault: boolean;
  /** The connected app it was logged in with. */
  clientId: string;
}

export interface OrgsResult {
  orgs: OrgSummary[];
  defaultOrg: string | null;
}

/** Lists stored orgs. Tokens stay in the store: they are never part of the result. */
export async function runOrgs(_opts: CommonOptions, deps: Pick<Deps, 'store'>): Promise<OrgsResult> {
  const store = deps.store();
  const defaultOrg = store.getSettings().defaultOrg ?? null;
  const orgs = store
    .listOrgs()
    .map((o) => ({
      alias: o.alias,
      username: o.username,
      instanceUrl: o.instanceUrl,
      orgId: o.orgId,
      isSandbox: o.isSandbox,
      isDefault: o.alias === defaultOrg,
      clientId: o.clientId,
    }))
    .sort((a, b) => a.alias.localeCompare(b.alias));
  return { orgs, defaultOrg };
}

export function renderOrgs(result: OrgsResult): string[] {
  if (result.orgs.length === 0)
    return ['No orgs stored yet. Run "sfsync login" (or "sfsync login --sandbox").'];
  const rows = result.orgs.map((o) => [
    o.isDefault ? '*' : ' ',
    o.alias,
    o.username,
    o.isSandbox ? 'sandbox' : 'production',
    o.instanceUrl,
    o.clientId,
  ]);
  return formatTable(['', 'ALIAS', 'USERNAME', 'TYPE', 'INSTANCE', 'CONNECTED APP'], rows);
}
