import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** A REST error as Salesforce sends it: always an array. */
export interface ApiError {
  message: string;
  errorCode: string;
  fields?: string[];
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors[0]?.message ?? `HTTP ${status}`);
  }
}

export function apiError(status: number, errorCode: string, message: string, fields?: string[]): HttpError {
  return new HttpError(status, [fields ? { message, errorCode, fields } : { message, errorCode }]);
}

export function notFound(message = 'The requested resource does not exist'): HttpError {
  return apiError(404, 'NOT_FOUND', message);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** A JSON answer already serialized (describes, made once an org). */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

/** Reads the body, inflating gzip when the client sent Content-Encoding: gzip. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes)
      throw apiError(413, 'REQUEST_ENTITY_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

export function parseJsonBody(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec(String((err as Error).message));
    const pos = m ? Number(m[1]) : 0;
    const ch = text[pos] ?? '';
    throw apiError(
      400,
      'JSON_PARSER_ERROR',
      `Unexpected character ('${ch}' (code ${ch.charCodeAt(0) || 0})): was expecting double-quote to start field name at [line:1, column:${pos + 1}]`,
    );
  }
}

/** Form bodies: url-encoded (jsforce) or multipart (sfdx-core's device flow). */
export function parseFormBody(buf: Buffer, contentType: string | undefined): Record<string, string> {
  const type = contentType ?? '';
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary=("?)([^";]+)\1/.exec(type)?.[2];
    const out: Record<string, string> = {};
    if (!boundary) return out;
    for (const part of buf.toString('utf8').split(`--${boundary}`)) {
      const m = /name="([^"]+)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([\s\S]*?)\r?\n?$/.exec(part);
      if (m) out[m[1] as string] = m[2] as string;
    }
    return out;
  }
  return Object.fromEntries(new URLSearchParams(buf.toString('utf8')));
}
