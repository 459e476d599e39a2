/** The org's one user and the org, as identity documents show them. */
export interface OrgIdentity {
  orgId: string;
  userId: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
}

/** The user's profile photo URLs; Salesforce serves the default silhouette under /profilephoto/005/. */
function photos(instanceUrl: string): { picture: string; thumbnail: string } {
  return {
    picture: `${instanceUrl}/profilephoto/005/F`,
    thumbnail: `${instanceUrl}/profilephoto/005/T`,
  };
}

/** The `urls` of the identity document and userinfo. */
export function identityUrls(i: OrgIdentity, instanceUrl: string, version: string): Record<string, string> {
  const base = `${instanceUrl}/services/data/v${version}`;
  return {
    enterprise: `${instanceUrl}/services/Soap/c/${version}/${i.orgId}`,
    partner: `${instanceUrl}/services/Soap/u/${version}/${i.orgId}`,
    rest: `${base}/`,
    sobjects: `${base}/sobjects/`,
    search: `${base}/search/`,
    query: `${base}/query/`,
    recent: `${base}/recent/`,
    profile: `${instanceUrl}/${i.userId}`,
    custom_domain: instanceUrl,
  };
}

/** `/services/oauth2/userinfo` (OpenID Connect). */
export function userinfoDocument(
  i: OrgIdentity,
  loginUrl: string,
  instanceUrl: string,
): Record<string, unknown> {
  return {
    sub: `${loginUrl}/id/${i.orgId}/${i.userId}`,
    user_id: i.userId,
    organization_id: i.orgId,
    preferred_username: i.username,
    nickname: i.username.split('@')[0],
    name: `${i.firstName} ${i.lastName}`,
    email: i.email,
    email_verified: true,
    given_name: i.firstName,
    family_name: i.lastName,
    zoneinfo: 'America/Los_Angeles',
    photos: photos(instanceUrl),
    profile: `${instanceUrl}/${i.userId}`,
    picture: photos(instanceUrl).picture,
    address: {},
    is_salesforce_integration_user: false,
    urls: identityUrls(i, instanceUrl, '{version}'),
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28800000,
    updated_at: '2026-01-01T00:00:00Z',
    is_app_installed: true,
  };
}

/** The identity URL `/id/{orgId}/{userId}`. */
export function identityDocument(
  i: OrgIdentity,
  loginUrl: string,
  instanceUrl: string,
  version: string,
): Record<string, unknown> {
  return {
    id: `${loginUrl}/id/${i.orgId}/${i.userId}`,
    asserted_user: true,
    user_id: i.userId,
    organization_id: i.orgId,
    username: i.username,
    nick_name: i.username.split('@')[0],
    display_name: `${i.firstName} ${i.lastName}`,
    email: i.email,
    email_verified: true,
    first_name: i.firstName,
    last_name: i.lastName,
    timezone: 'America/Los_Angeles',
    photos: photos(instanceUrl),
    addr_street: null,
    addr_city: null,
    addr_state: null,
    addr_country: null,
    addr_zip: null,
    mobile_phone: null,
    mobile_phone_verified: false,
    is_lightning_login_user: false,
    status: { created_date: null, body: null },
    urls: identityUrls(i, instanceUrl, version === 'latest' ? '62.0' : version),
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28800000,
    last_modified_date: '2026-01-01T00:00:00.000+0000',
    is_app_installed: true,
  };
}
