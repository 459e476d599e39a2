/** The Salesforce API version sfsync uses unless --api-version, SFSYNC_API_VERSION, a mapping or a stored setting says otherwise. */
export const DEFAULT_API_VERSION = '62.0';
