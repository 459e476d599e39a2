import { SfsyncError, type ExitCode } from '../errors.js';
import type { InputRecord } from './types.js';

/**
 * Records sent from the reading thread: every value of the common records as one text with the end of each value,
 * and the rest (error records, records whose values are not all text or not the usual columns) as they are.
 * Sending one string and two arrays costs a copy of each; a million small objects would cost a million clones.
 */
export interface RecordsMessage {
  t: 'records';
  /** The columns of every common record, in their order (the first common record's keys). */
  keys: string[];
  lines: Int32Array;
  text: string;
  ends: Uint32Array;
  /** Records sent as they are, by their place in the chunk. */
  others: Array<[number, InputRecord]>;
}

export type ThreadMessage =
  | { t: 'header'; columns: string[]; jsonRecords: boolean; originLost: boolean }
  | RecordsMessage
  | { t: 'error'; error: SentError }
  | { t: 'end' };

/** An error of the reading thread, with what the run reports of it. */
export interface SentError {
  sfsync: boolean;
  code?: string;
  message: string;
  hint?: string;
  exitCode?: ExitCode;
}

/**
 * Adds a record's values to `parts` when they are all text under exactly these keys, in order; otherwise adds
 * nothing and returns false.
 */
function addCommon(values: Record<string, unknown>, keys: string[], parts: string[]): boolean {
  const from = parts.length;
  for (const k in values) {
    const v = values[k];
    if (typeof v !== 'string' || keys[parts.length - from] !== k) {
      parts.length = from;
      return false;
    }
    parts.push(v);
  }
  if (parts.length - from === keys.length) return true;
  parts.length = from;
  return false;
}

export function encodeRecords(chunk: InputRecord[], known: string[] | null): RecordsMessage {
  const keys = known ?? Object.keys(chunk.find((r) => r.values && !r.blank)?.values ?? {});
  const lines = new Int32Array(chunk.length);
  const ends: number[] = [];
  const others: Array<[number, InputRecord]> = [];
  // Joined once at the end: a string grown by += is a chain of pieces that sending would have to walk.
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; i < chunk.length; i++) {
    const r = chunk[i] as InputRecord;
    lines[i] = r.line;
    // A record with more than its line and values (an error, a blank row) goes as it is.
    if (!r.values || r.blank !== undefined || !addCommon(r.values, keys, parts)) {
      others.push([i, r]);
      continue;
    }
    for (let k = ends.length; k < parts.length; k++) {
      length += (parts[k] as string).length;
      ends.push(length);
    }
  }
  return { t: 'records', keys, lines, text: parts.join(''), ends: Uint32Array.from(ends), others };
}

export function decodeRecords(m: RecordsMessage): InputRecord[] {
  const out: InputRecord[] = new Array<InputRecord>(m.lines.length);
  const { keys, text, ends } = m;
  let next = 0;
  let other = 0;
  let at = 0;
  for (let i = 0; i < m.lines.length; i++) {
    const sent = m.others[other];
    if (sent !== undefined && sent[0] === i) {
      out[i] = sent[1];
      other++;
      continue;
    }
    const values: Record<string, string> = {};
    for (const k of keys) {
      const end = ends[next++] as number;
      values[k] = text.slice(at, end);
      at = end;
    }
    out[i] = { line: m.lines[i] as number, values };
  }
  return out;
}

export function sendError(err: unknown): SentError {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (err instanceof SfsyncError)
    return { sfsync: true, code: err.code, message, hint: err.hint, exitCode: err.exitCode };
  return { sfsync: false, code: typeof e?.code === 'string' ? e.code : undefined, message };
}

export function receivedError(e: SentError): Error {
  if (e.sfsync) return new SfsyncError(e.code ?? 'FATAL', e.message, { hint: e.hint, exitCode: e.exitCode });
  const error = new Error(e.message) as Error & { code?: string };
  if (e.code !== undefined) error.code = e.code;
  return error;
}
