/** The Salesforce API version sfsync uses unless --api-version, SFSYNC_API_VERSION, a mapping or a stored setting says otherwise. */
export const DEFAULT_API_VERSION = '62.0';

/** An API version as people write it (`62`, `v62`, `62.0`) in Salesforce's form (`62.0`), or null when it is none. */
export function normalizeApiVersion(value: string | number): string | null {
  const m = /^v?(\d{2,3})(?:\.0)?$/.exec(String(value).trim());
  return m ? `${m[1]}.0` : null;
}
