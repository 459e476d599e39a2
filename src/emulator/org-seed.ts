import { to18 } from './ids.js';
import { PERSON_ACCOUNT_RECORD_TYPE_ID } from './metadata.js';
import type { OrgIdentity } from './oauth.js';
import type { OrgStore } from './store.js';

export const LOCAL_IDENTITY: OrgIdentity = {
  orgId: to18('00D5g00000LOCAL'),
  userId: to18('0055g00000ADMIN'),
  username: 'admin@sfsync.local',
  email: 'admin@sfsync.local',
  firstName: 'Local',
  lastName: 'Admin',
};

/** The rows every org has. Seeded after the data file: the org's own user and organization are what this start says. */
export function seedOrg(store: OrgStore, identity: OrgIdentity, sandbox: boolean): void {
  store.seed('User', {
    Id: identity.userId,
    Username: identity.username,
    Email: identity.email,
    FirstName: identity.firstName,
    LastName: identity.lastName,
    Name: `${identity.firstName} ${identity.lastName}`,
    Alias: 'ladmin',
    IsActive: true,
  });
  store.seed('Organization', {
    Id: identity.orgId,
    Name: 'sfsync Local Org',
    OrganizationType: 'Developer Edition',
    InstanceName: 'LOCAL',
    IsSandbox: sandbox,
  });
  // Every org has a standard price book, and with Person Accounts a Person Account record type row.
  store.seed('Pricebook2', {
    Id: to18('01s5g00000STDPB'),
    Name: 'Standard Price Book',
    IsActive: true,
    IsStandard: true,
    IsDeleted: false,
  });
  store.seed('RecordType', {
    Id: PERSON_ACCOUNT_RECORD_TYPE_ID,
    Name: 'Person Account',
    DeveloperName: 'PersonAccount',
    SobjectType: 'Account',
    IsActive: true,
    IsPersonType: true,
  });
}
