import { SfsyncError } from '../errors.js';
import type { Request } from './bulk.js';
import type { SaveResult } from './types.js';

/**
 * `undelete()` exists only in the SOAP API: one call to the Partner endpoint (`/services/Soap/u/{version}`), the
 * session in the envelope's SessionHeader, at most 200 Ids, one `result` per Id in order [doc SOAP API
 * "undelete()", "UndeleteResult"; the envelope as jsforce's SoapApi sends it].
 */
function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function undeleteEnvelope(sessionId: string, ids: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com">',
    `<soapenv:Header><SessionHeader><sessionId>${escapeXml(sessionId)}</sessionId></SessionHeader></soapenv:Header>`,
    `<soapenv:Body><undelete>${ids.map((id) => `<ids>${escapeXml(id)}</ids>`).join('')}</undelete></soapenv:Body>`,
    '</soapenv:Envelope>',
  ].join('');
}

function texts(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => unescapeXml(m[1] ?? ''));
}

/** The results of an undeleteResponse, in the order of the Ids sent. */
export function parseUndelete(xml: string): SaveResult[] {
  const blocks = [...xml.matchAll(/<(?:[\w.-]+:)?result>([\s\S]*?)<\/(?:[\w.-]+:)?result>/g)].map(
    (m) => m[1] ?? '',
  );
  return blocks.map((block) => {
    const errors = [...block.matchAll(/<(?:[\w.-]+:)?errors>([\s\S]*?)<\/(?:[\w.-]+:)?errors>/g)].map((m) => {
      const e = m[1] ?? '';
      return {
        statusCode: texts(e, 'statusCode')[0] ?? 'UNKNOWN',
        message: texts(e, 'message')[0] ?? '',
        fields: texts(e, 'fields'),
      };
    });
    const withoutErrors = block.replace(/<(?:[\w.-]+:)?errors>[\s\S]*?<\/(?:[\w.-]+:)?errors>/g, '');
    const id = texts(withoutErrors, 'id')[0];
    return { id: id || undefined, success: texts(withoutErrors, 'success')[0] === 'true', errors };
  });
}

/** A SOAP fault (HTTP 500) as an sfsync error with Salesforce's exception code. */
function faultError(err: unknown): unknown {
  const text = err instanceof Error ? err.message : '';
  const code = /<faultcode>(?:[\w.-]+:)?([^<]*)<\/faultcode>/.exec(text)?.[1];
  if (!code) return err;
  const message = unescapeXml(/<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1] ?? code);
  return new SfsyncError(code === 'INVALID_SESSION_ID' ? 'AUTH_INVALID' : code, message, {
    hint:
      code === 'INVALID_SESSION_ID' ? 'Log in again (sfsync login), then run the command again.' : undefined,
  });
}

export async function undelete(request: Request, apiVersion: string, ids: string[]): Promise<SaveResult[]> {
  try {
    const xml = await request<string>('POST', `/services/Soap/u/${apiVersion}`, {
      // The session goes in the envelope: built per attempt, so an expired one is renewed and sent again.
      xmlFor: (sessionId) => undeleteEnvelope(sessionId, ids),
      headers: { SOAPAction: '""' },
      // A second undelete of a record the first brought back fails (UNDELETE_FAILED): the caller reads the
      // records again to learn which came back, rather than this call being sent twice.
      idempotent: false,
      as: 'text',
    });
    return parseUndelete(xml);
  } catch (err) {
    throw faultError(err);
  }
}
