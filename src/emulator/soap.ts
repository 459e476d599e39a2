import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http.js';
import { undelete } from './recycle-bin.js';
import type { OrgStore, WriteResult } from './store.js';

/**
 * The Partner SOAP API (`POST /services/Soap/u/{version}`), for the one call only it offers that sfsync needs:
 * `undelete()`. The session comes in the envelope's SessionHeader, not in an Authorization header; the answer is a
 * SOAP envelope with one `result` per Id, or a fault (HTTP 500) for a call that cannot run at all [doc SOAP API
 * "undelete()", "UndeleteResult", "SessionHeader"].
 */
export const SOAP_PATH = /^\/services\/Soap\/u\/(\d+\.\d)(?:\/[^/]*)?\/?$/;

/** The most Ids one undelete() call takes [doc: "maximum number of records is 200"]. */
const MAX_IDS = 200;

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">';

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

/** The text of every element with this local name, whatever its namespace prefix. */
function elements(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => unescapeXml((m[1] ?? '').trim()));
}

/** The local name of the first element inside the envelope's Body: the call. */
function callOf(xml: string): string | null {
  const body = /<(?:[\w.-]+:)?Body(?:\s[^>]*)?>\s*<(?:[\w.-]+:)?([\w]+)[\s/>]/.exec(xml);
  return body?.[1] ?? null;
}

function send(res: ServerResponse, status: number, xml: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'Content-Type': 'text/xml;charset=UTF-8',
    'Content-Length': Buffer.byteLength(xml),
    ...headers,
  });
  res.end(xml);
}

export function soapFault(res: ServerResponse, code: string, message: string, client = false): void {
  const faultcode = client ? `soapenv:Client` : `sf:${code}`;
  const detail = client
    ? ''
    : `<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${escapeXml(message)}</sf:exceptionMessage></sf:UnexpectedErrorFault></detail>`;
  send(
    res,
    500,
    `${ENVELOPE_OPEN.replace('<soapenv:Envelope ', '<soapenv:Envelope xmlns:sf="urn:fault.partner.soap.sforce.com" ')}<soapenv:Body><soapenv:Fault><faultcode>${faultcode}</faultcode><faultstring>${escapeXml(client ? message : `${code}: ${message}`)}</faultstring>${detail}</soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    {},
  );
}

function resultXml(r: WriteResult): string {
  if (r.ok) return `<result><id>${r.id}</id><success>true</success></result>`;
  const errors = r.errors
    .map(
      (e) =>
        `<errors>${(e.fields ?? []).map((f) => `<fields>${escapeXml(f)}</fields>`).join('')}<message>${escapeXml(e.message)}</message><statusCode>${e.statusCode}</statusCode></errors>`,
    )
    .join('');
  return `<result>${errors}<id xsi:nil="true"/><success>false</success></result>`;
}

export interface SoapContext {
  store: OrgStore;
  /** Whether the session in the SessionHeader is valid. */
  sessionValid: (token: string) => boolean;
  /** Counts the call against the org's daily API requests; false when none are left. */
  countCall: () => boolean;
  /** The API usage to report in the LimitInfoHeader. */
  usage: () => { used: number; limit: number };
}

export async function handleSoap(req: IncomingMessage, res: ServerResponse, ctx: SoapContext): Promise<void> {
  if (req.method !== 'POST') return soapFault(res, 'INVALID_OPERATION', 'SOAP calls are POSTed', true);
  const xml = (await readBody(req, 10_000_000)).toString('utf8');
  const session = elements(xml, 'sessionId')[0];
  if (!session || !ctx.sessionValid(session))
    return soapFault(res, 'INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
  if (!ctx.countCall()) return soapFault(res, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
  const call = callOf(xml);
  if (call !== 'undelete')
    return soapFault(
      res,
      'INVALID_OPERATION',
      `No operation available for request {urn:partner.soap.sforce.com}${call ?? ''}`,
      true,
    );
  const ids = elements(xml, 'ids');
  if (ids.length > MAX_IDS)
    return soapFault(
      res,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_IDS} records into this call`,
    );
  const results = ids.map((id) => resultXml(undelete(ctx.store, id))).join('');
  const { used, limit } = ctx.usage();
  send(
    res,
    200,
    `${ENVELOPE_OPEN}<soapenv:Header><LimitInfoHeader><limitInfo><current>${used}</current><limit>${limit}</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header><soapenv:Body><undeleteResponse>${results}</undeleteResponse></soapenv:Body></soapenv:Envelope>`,
    {},
  );
}
