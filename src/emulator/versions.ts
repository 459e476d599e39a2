export const OLDEST_VERSION = 31;

function versionLabel(v: number): string {
  // v62.0 is Winter '25; then Spring '25, Summer '25, Winter '26: three releases a year.
  const k = v - 62;
  const season = ['Winter', 'Spring', 'Summer'][((k % 3) + 3) % 3];
  // One real label has a typographic apostrophe [doc versions list: "Spring ’18"].
  const mark = v === 42 ? '’' : "'";
  return `${season} ${mark}${String(25 + Math.floor(k / 3)).padStart(2, '0')}`;
}

/** The versions list of GET /services/data. */
export function versionList(maxVersion: number): Array<{ label: string; url: string; version: string }> {
  const versions = [];
  for (let v = OLDEST_VERSION; v <= maxVersion; v++)
    versions.push({ label: versionLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  return versions;
}

/** The resources list of GET /services/data/vXX.X. */
export function resourceList(version: string, identityUrl: string): Record<string, string> {
  const b = `/services/data/v${version}`;
  // Only what this org serves: a client that follows the list must not meet a 404 [issue: resources list].
  const names = ['sobjects', 'query', 'queryAll', 'composite', 'jobs', 'limits'];
  const out: Record<string, string> = {};
  for (const n of names) out[n] = `${b}/${n}`;
  out.identity = identityUrl;
  return out;
}
