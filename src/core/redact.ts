/**
 * Removes secrets from text before it is shown or written: Salesforce access tokens (`00D…!…`), refresh tokens,
 * authorization codes, client secrets, JWT assertions and Bearer headers.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/\b00D[a-zA-Z0-9]{12,15}![A-Za-z0-9_.]+/g, '00D…!<redacted>'],
  [/\b5Aep[A-Za-z0-9_.]{20,}/g, '<redacted refresh token>'],
  [
    /((?:access_token|refresh_token|code|client_secret|assertion|code_verifier|token|password)=)[^&\s"']+/gi,
    '$1<redacted>',
  ],
  [
    /("(?:access_token|refresh_token|client_secret|code|assertion|password)"\s*:\s*")[^"]+"/gi,
    '$1<redacted>"',
  ],
  [/(Bearer|OAuth)\s+[A-Za-z0-9_.!~+/=-]{8,}/g, '$1 <redacted>'],
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '<redacted jwt>'],
];

export function redact(text: string, extraSecrets: string[] = []): string {
  let out = text;
  for (const secret of extraSecrets)
    if (secret && secret.length >= 6) out = out.split(secret).join('<redacted>');
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
