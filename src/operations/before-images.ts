import fs from 'node:fs';
import path from 'node:path';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { openResultFile } from './results.js';

/**
 * The format of before.ndjson: 2 since it holds `written` lines and `at` times (an sfsync that reads version 1
 * refuses it rather than misread them). Version 1 files are still read: they have neither.
 */
export const BEFORE_VERSION = 2;

/** The first line of before.ndjson: what run the images are of. */
export interface BeforeHeader {
  v: 1 | typeof BEFORE_VERSION;
  kind: 'sfsync-before-images';
  /** The run's operation: create, update, upsert, delete, or undo. */
  operation: string;
  object: string;
}

/**
 * What one write replaced, recorded before the write is sent (a create's Id once it is known):
 * - update: the previous values of the fields it changes (`before`), what it writes (`after`), and the
 *   SystemModstamp the run saw (`seen`);
 * - delete: the whole record, to undelete it or, once purged, to create it again;
 * - create: the new record's Id; undelete (an undo's): the record it brought back.
 *
 * When the write was answered, by the org's clock (`at`, whole seconds: its Date header): an undo tells a record
 * changed since the run by a SystemModstamp after it. A create has it on its own line (written once answered); an
 * update or delete names its call (`w`), and a `written` line after the call's answer gives the time. A run killed
 * before the answer leaves none: its writes are judged by their values alone.
 */
export type BeforeEntry = (
  | {
      op: 'update';
      line: number;
      id: string;
      before: Record<string, unknown>;
      after: Record<string, unknown>;
      seen: string | null;
    }
  | { op: 'delete'; line: number; id: string; record: Record<string, unknown>; seen: string | null }
  /**
   * `resent`: the run wrote the record again after creating it (a call resent after its answer was lost): a
   * SystemModstamp after its CreatedDate, up to `at`, is the run's own.
   */
  | { op: 'create'; line: number; id: string; resent?: true }
  | { op: 'undelete'; line: number; id: string }
) & { w?: string; at?: string };

/** The line saying when the call `w` was answered. */
export interface WrittenMark {
  op: 'written';
  w: string;
  at: string;
}

export const BEFORE_FILE = 'before.ndjson';

/** Ids a before-image read asks for in one query (as Salesforce's own calls take at most 200 records). */
const READ_IDS = 200;

/** Types a query cannot return as one value, or that are never stored back: left out of a record's image. */
const NOT_IMAGED = new Set(['address', 'location', 'base64', 'anyType', 'complexvalue']);

/** A queried value as JSON would carry it to Salesforce: a Bulk export's text typed by the field. */
export function typedValue(field: FieldInfo | undefined, value: unknown): unknown {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || !field) return value;
  if (field.type === 'boolean') return value.toLowerCase() === 'true';
  if (['int', 'long', 'double', 'currency', 'percent'].includes(field.type)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

/** A record read to image it: every field that can be read as one value, and when it last changed. */
export function imageFields(object: ObjectInfo): string[] {
  const names = object.fields.filter((f) => !NOT_IMAGED.has(f.type)).map((f) => f.name);
  if (!names.includes('SystemModstamp')) names.push('SystemModstamp');
  return names;
}

/**
 * The run's before-images, appended to before.ndjson in the results folder (owner-only) and put on disk before
 * the write they describe is sent, so a run killed at any point can still be undone.
 */
export class BeforeImages {
  private readonly fd: number;
  private buffer: string[] = [];
  private readonly byName = new Map<string, FieldInfo>();
  private readonly byRelationship = new Map<string, FieldInfo>();
  /** Names the calls of this process uniquely in the file, a resumed run's included. */
  private readonly session = Date.now().toString(36);
  private calls = 0;

  /** `header` null continues the file of a resumed run. */
  constructor(
    readonly file: string,
    header: BeforeHeader | null,
    private readonly client: SalesforceClient,
    private readonly object: ObjectInfo,
  ) {
    this.fd = openResultFile(file, header === null);
    for (const f of object.fields) {
      this.byName.set(f.name.toLowerCase(), f);
      if (f.relationshipName) this.byRelationship.set(f.relationshipName.toLowerCase(), f);
    }
    if (header) fs.writeSync(this.fd, `${JSON.stringify(header)}\n`);
  }

  add(entry: BeforeEntry | WrittenMark): void {
    this.buffer.push(`${JSON.stringify(entry)}\n`);
  }

  /** A new name for a call's entries, for `written` to say when it was answered. */
  nextCall(): string {
    return `${this.session}.${++this.calls}`;
  }

  /** The org's clock now, as the time a write just answered was applied by (null before any answer). */
  private clock(): string | null {
    const t = this.client.serverTime();
    if (t === null) return null;
    // Asked once per record created: the text is made once per answer, not per record.
    if (t !== this.clockAt?.t) this.clockAt = { t, text: new Date(t).toISOString() };
    return this.clockAt.text;
  }
  private clockAt: { t: number; text: string } | undefined;

  /** The calls `keys` are answered: their writes happened by the org's clock now. */
  written(...keys: Array<string | undefined>): void {
    const at = this.clock();
    if (at === null) return;
    for (const w of keys) if (w !== undefined) this.add({ op: 'written', w, at });
    this.flush();
  }

  /** Puts what was added on disk (one write). */
  flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
  }

  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  /** The field a payload key writes: a field by name, or the reference field of a parent given by its key. */
  private fieldOf(key: string): FieldInfo | undefined {
    return this.byName.get(key.toLowerCase()) ?? this.byRelationship.get(key.toLowerCase());
  }

  /**
   * Updates about to be sent: their fields' current values come from the match read (`known`, with the
   * SystemModstamp it saw) or, for records it did not read, from one query per 200 Ids.
   */
  async updates(
    items: Array<{ line: number; id: string; payload: Record<string, unknown> }>,
    known?: (id: string) => Record<string, unknown> | undefined,
  ): Promise<string | undefined> {
    if (items.length === 0) return undefined;
    const w = this.nextCall();
    const unread: typeof items = [];
    const fieldsOf = (payload: Record<string, unknown>): FieldInfo[] =>
      Object.entries(payload)
        .filter(([k, v]) => k !== 'Id' && v !== undefined)
        .map(([k]) => this.fieldOf(k))
        .filter((f): f is FieldInfo => f !== undefined);
    const entry = (
      item: (typeof items)[number],
      current: Record<string, unknown>,
    ): BeforeEntry & { op: 'update' } => {
      const after: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(item.payload)) if (k !== 'Id' && v !== undefined) after[k] = v;
      const before: Record<string, unknown> = {};
      for (const f of fieldsOf(item.payload)) before[f.name] = typedValue(f, current[f.name]);
      const seen = current.SystemModstamp;
      return {
        op: 'update',
        line: item.line,
        id: item.id,
        before,
        after,
        seen: typeof seen === 'string' && seen !== '' ? seen : null,
        w,
      };
    };
    for (const item of items) {
      const current = known?.(item.id);
      if (current && fieldsOf(item.payload).every((f) => f.name in current)) this.add(entry(item, current));
      else unread.push(item);
    }
    if (unread.length > 0) {
      const names = new Set<string>(['Id', 'SystemModstamp']);
      for (const item of unread) for (const f of fieldsOf(item.payload)) names.add(f.name);
      const rows = await this.read(
        unread.map((i) => i.id),
        [...names],
      );
      for (const item of unread) this.add(entry(item, rows.get(item.id.slice(0, 15)) ?? {}));
    }
    this.flush();
    return w;
  }

  /** Deletes about to be sent: each whole record, read first (one query per 200 Ids). */
  async deletes(items: Array<{ line: number; id: string }>): Promise<string | undefined> {
    if (items.length === 0) return undefined;
    const w = this.nextCall();
    const rows = await this.read(
      items.map((i) => i.id),
      ['Id', ...imageFields(this.object).filter((n) => n !== 'Id')],
    );
    for (const item of items) {
      const record = rows.get(item.id.slice(0, 15)) ?? {};
      const seen = record.SystemModstamp;
      this.add({
        op: 'delete',
        line: item.line,
        id: item.id,
        record,
        seen: typeof seen === 'string' ? seen : null,
        w,
      });
    }
    this.flush();
    return w;
  }

  created(line: number, id: string, resent = false): void {
    const at = this.clock();
    if (resent) {
      this.add(at === null ? { op: 'create', line, id, resent } : { op: 'create', line, id, resent, at });
      return;
    }
    // One per record created: written as JSON.stringify writes it, without the object (an Id needs no escaping).
    if (/^[A-Za-z0-9]+$/.test(id))
      this.buffer.push(
        at === null
          ? `{"op":"create","line":${line},"id":"${id}"}\n`
          : `{"op":"create","line":${line},"id":"${id}","at":${JSON.stringify(at)}}\n`,
      );
    else this.add(at === null ? { op: 'create', line, id } : { op: 'create', line, id, at });
  }

  /** Rows by their 15-character Id, values typed by their fields. */
  private async read(ids: string[], fields: string[]): Promise<Map<string, Record<string, unknown>>> {
    const rows = new Map<string, Record<string, unknown>>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += READ_IDS) {
      const chunk = unique.slice(i, i + READ_IDS);
      const soql = `SELECT ${fields.join(', ')} FROM ${this.object.name} WHERE Id IN (${chunk.map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`).join(',')})`;
      for await (const row of this.client.query(soql)) {
        const out: Record<string, unknown> = {};
        for (const name of fields) out[name] = typedValue(this.byName.get(name.toLowerCase()), row[name]);
        rows.set(String(row.Id).slice(0, 15), out);
      }
    }
    return rows;
  }
}

/** A run's before.ndjson: a new one with its header, or on --resume the interrupted run's, continued. */
export function openBeforeImages(
  dir: string,
  run: { operation: string },
  client: SalesforceClient,
  object: ObjectInfo,
  resuming: unknown,
): BeforeImages {
  const file = path.join(dir, BEFORE_FILE);
  const header: BeforeHeader = {
    v: BEFORE_VERSION,
    kind: 'sfsync-before-images',
    operation: run.operation,
    object: object.name,
  };
  const continued = Boolean(resuming) && fs.existsSync(file);
  if (continued) upgradeHeader(file);
  return new BeforeImages(file, continued ? null : header, client, object);
}

/**
 * A version 1 file continued by this sfsync gains `written` lines: its header says version 2 from then on, changed
 * in place (`{"v":1,` and `{"v":2,` are the same length, so nothing else moves).
 */
function upgradeHeader(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const head = Buffer.alloc(7);
    fs.readSync(fd, head, 0, head.length, 0);
    if (head.toString('latin1') === '{"v":1,') fs.writeSync(fd, String(BEFORE_VERSION), 5);
  } finally {
    fs.closeSync(fd);
  }
}
