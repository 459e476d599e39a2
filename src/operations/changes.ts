import type { CompiledMapping } from '../mapping/compile.js';
import type { FieldInfo } from '../salesforce/types.js';

/** Types whose values a query cannot bring back for comparison, or that are never written: always sent. */
const NOT_COMPARED = new Set(['base64', 'address', 'location', 'anyType', 'encryptedstring']);
const NUMBER = new Set(['int', 'long', 'double', 'currency', 'percent']);

/**
 * A value as Salesforce stores it, as text, so a mapped value and a queried one (JSON from REST, text from a Bulk
 * export) compare equal when an update would not change the record: null and '' alike, numbers by value at the
 * field's scale, dates as the day, datetimes as the instant, Ids on their 15 case-sensitive characters, email
 * without case, multi-select picklists as a set, everything else exactly.
 */
export function storedForm(field: FieldInfo, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const type = field.type;
  if (type === 'boolean') return String(value).toLowerCase() === 'true' ? 'true' : 'false';
  if (NUMBER.has(type)) {
    const n = Number(value);
    if (!Number.isFinite(n)) return String(value);
    return String(type === 'int' || type === 'long' || field.scale <= 0 ? n : Number(n.toFixed(field.scale)));
  }
  const s = String(value);
  if (type === 'date') return s.slice(0, 10);
  if (type === 'datetime') {
    const ms = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(ms) ? s : String(ms);
  }
  if (type === 'id' || type === 'reference') return s.slice(0, 15);
  if (type === 'email') return s.toLowerCase();
  if (type === 'multipicklist') return [...new Set(s.split(';'))].sort().join(';');
  return s;
}

/** A 52-bit hash of a stored form (two 32-bit FNV-style hashes), exact in a double; null is -1. */
export function formHash(form: string | null): number {
  if (form === null) return -1;
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ form.length;
  for (let i = 0; i < form.length; i++) {
    const c = form.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return (a >>> 0) * 0x100000 + (((b ^ (b >>> 16)) >>> 0) & 0xfffff);
}

/**
 * The fields a run compares: those its payloads carry (a lookup or a cleared parent reference fills its reference
 * field) that can be written on update and read back. The match query selects them.
 */
export class ChangeFields {
  readonly fields: FieldInfo[];
  /**
   * Parents given by external ID (`Account.External_Id__c`): the current parent's value of that field is read too
   * (as `Account.External_Id__c`), so an unchanged parent is not sent again.
   */
  readonly parents: Array<{ target: string; field: FieldInfo }> = [];
  private readonly parentSlots = new Map<string, number>();
  private readonly slots = new Map<string, number>();
  private readonly byName = new Map<string, FieldInfo>();
  /** Match fields whose text Salesforce compares without case: a record found by one differs in its case only. */
  private readonly caseless = new Set<string>();
  /** `caseless` by the place of each field in `fields`. */
  private readonly caselessAt: boolean[];
  private readonly keys = new Map<string, { slot: number; parent: boolean; updateable: boolean }>();

  constructor(compiled: CompiledMapping, matchFields: FieldInfo[] = []) {
    for (const f of matchFields)
      if (
        !f.caseSensitive &&
        !NUMBER.has(f.type) &&
        !['id', 'reference', 'date', 'datetime', 'boolean'].includes(f.type)
      )
        this.caseless.add(f.name.toLowerCase());
    for (const f of compiled.object.fields) this.byName.set(f.name.toLowerCase(), f);
    const names = new Set<string>();
    for (const f of compiled.fields) {
      const name = f.kind === 'field' ? f.target : f.referenceField?.name;
      if (name) names.add(name.toLowerCase());
    }
    this.fields = [...names]
      .map((n) => this.byName.get(n))
      .filter(
        (f): f is FieldInfo =>
          f !== undefined && f.name !== 'Id' && f.updateable && !f.calculated && !NOT_COMPARED.has(f.type),
      );
    this.fields.forEach((f, i) => this.slots.set(f.name.toLowerCase(), i));
    this.caselessAt = this.fields.map((f) => this.caseless.has(f.name.toLowerCase()));
    for (const f of compiled.fields)
      // A polymorphic parent (WhoId) cannot be read by its external ID in SOQL: it is always sent.
      if (
        f.kind === 'parentRef' &&
        f.referenceField?.updateable &&
        f.referenceField.referenceTo.length === 1 &&
        !f.target.includes(':')
      ) {
        this.parentSlots.set(f.target.toLowerCase(), this.fields.length + this.parents.length);
        this.parents.push({ target: f.target, field: f.valueField });
      }
  }

  /** Values kept per record: the fields, then the parents' keys. */
  get width(): number {
    return this.fields.length + this.parents.length;
  }

  /** What the match query selects to compare, and when each record last changed (for its before-image). */
  get selects(): string[] {
    return [
      ...this.fields.map((f) => f.name),
      ...this.parents.map((p) => `${p.target}.${p.field.name}`),
      ...(this.fields.some((f) => f.name === 'SystemModstamp') ? [] : ['SystemModstamp']),
    ];
  }

  /** A queried row's values of the compared fields, then its SystemModstamp: what the before-image keeps. */
  rowValues(row: Record<string, unknown>): unknown[] {
    const out = this.fields.map((f) => row[f.name] ?? null);
    out.push(row.SystemModstamp ?? null);
    return out;
  }

  /** The before-image's object of values kept by rowValues (or read in that order from an export). */
  valuesObject(values: unknown[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.fields.forEach((f, i) => (out[f.name] = values[i] ?? null));
    out.SystemModstamp = values[this.fields.length] ?? null;
    return out;
  }

  /**
   * The hashes of a queried row's values, one per field, in `fields` order: the row as REST returns it, or a
   * function that reads an export's row by column name.
   */
  rowHashes(row: Record<string, unknown> | ((name: string) => unknown)): number[] {
    const get = typeof row === 'function' ? row : (name: string) => row[name];
    const out = this.fields.map((f, i) => this.hashAt(i, get(f.name)));
    for (const { target, field } of this.parents) {
      // REST nests the parent ({Account: {External_Id__c}}); a Bulk export flattens it (Account.External_Id__c).
      const nested = get(target);
      const value =
        nested !== null && typeof nested === 'object'
          ? (nested as Record<string, unknown>)[field.name]
          : get(`${target}.${field.name}`);
      out.push(this.parentHash(field, value));
    }
    return out;
  }

  /** The columns of an export (by its header's index) that hashCells reads: the fields', then the parents' keys'. */
  cellColumns(index: Map<string, number>): number[] {
    return [
      ...this.fields.map((f) => index.get(f.name) ?? -1),
      // A Bulk export flattens the parent: Account.External_Id__c.
      ...this.parents.map(({ target, field }) => index.get(`${target}.${field.name}`) ?? -1),
    ];
  }

  /**
   * rowHashes of an export's row (cells in `columns`, from cellColumns; a missing column reads as empty), written
   * into `into` from `at`: no object, closure or array per row.
   */
  hashCells(row: string[], columns: number[], into: Float64Array, at: number): void {
    const n = this.fields.length;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i] as number;
      const cell = c < 0 ? '' : (row[c] ?? '');
      into[at + i] =
        i < n
          ? this.hashAt(i, cell)
          : this.parentHash((this.parents[i - n] as { field: FieldInfo }).field, cell);
    }
  }

  /** Salesforce finds a parent by its external ID without case unless the field is case sensitive. */
  private parentHash(field: FieldInfo, value: unknown): number {
    const form = storedForm(field, value);
    return formHash(form !== null && !field.caseSensitive ? form.toLowerCase() : form);
  }

  /**
   * The hash of the value of `fields[i]`; a match field's value without case when Salesforce matches it so: the
   * upsert that found the record by it does not rewrite it, so a change of case alone is not one an update makes.
   */
  private hashAt(i: number, value: unknown): number {
    const form = storedForm(this.fields[i] as FieldInfo, value);
    return formHash(form !== null && this.caselessAt[i] ? form.toLowerCase() : form);
  }

  /** A payload key's place among the compared values (-1: none), and whether it can be updated, found once a key. */
  private keyOf(key: string): { slot: number; parent: boolean; updateable: boolean } {
    let known = this.keys.get(key);
    if (!known) {
      const lower = key.toLowerCase();
      const parent = this.parentSlots.get(lower);
      known = {
        slot: parent ?? this.slots.get(lower) ?? -1,
        parent: parent !== undefined,
        updateable: this.byName.get(lower)?.updateable !== false,
      };
      this.keys.set(key, known);
    }
    return known;
  }

  /** Whether an update must send this payload value (see diff). */
  private sends(key: string, value: unknown, current: ArrayLike<number> | undefined, at: number): boolean {
    if (value === undefined) return false;
    if (!current) return true;
    const { slot, parent, updateable } = this.keyOf(key);
    if (value !== null && typeof value === 'object') {
      const p = parent ? this.parents[slot - this.fields.length] : undefined;
      return p
        ? this.parentHash(p.field, (value as Record<string, unknown>)[p.field.name]) !== current[at + slot]
        : true;
    }
    if (parent) return true;
    if (slot >= 0) return this.hashAt(slot, value) !== current[at + slot];
    return updateable;
  }

  /**
   * Writes into `into` from `at` the hashes of the values a payload sends (as `diff` compares them): the record as
   * the run left it after the update, so a later row of the run with its key is compared with that. A value
   * `diff` would always send (a parent not read by its key) can match nothing (NaN).
   */
  storeHashes(payload: Record<string, unknown>, into: Float64Array, at: number): void {
    for (const key in payload) {
      const value = payload[key];
      if (key === 'Id' || value === undefined) continue;
      const { slot, parent } = this.keyOf(key);
      if (slot < 0) continue;
      const p = parent ? this.parents[slot - this.fields.length] : undefined;
      if (value !== null && typeof value === 'object')
        into[at + slot] = p
          ? this.parentHash(p.field, (value as Record<string, unknown>)[p.field.name])
          : NaN;
      else into[at + slot] = parent ? NaN : this.hashAt(slot, value);
    }
  }

  /**
   * What an update of the record must send: every payload key, with `undefined` for the fields whose values are
   * already stored (left out of REST's JSON; an empty cell, "not changed", in a Bulk job's CSV); null when nothing
   * would change. A parent by external ID is sent when the record's parent has another key (or none); fields
   * that cannot be updated never count.
   * Without the record's current values (`current` undefined) the whole payload is sent. `current` holds them
   * from `at` (a slot of an index's flat array). A record with nothing to send (a rerun's every record) costs no
   * object: the answer is built only for those that change.
   */
  diff(
    payload: Record<string, unknown>,
    current: ArrayLike<number> | undefined,
    at = 0,
  ): Record<string, unknown> | null {
    let changed = false;
    for (const key in payload)
      if (key !== 'Id' && this.sends(key, payload[key], current, at)) {
        changed = true;
        break;
      }
    if (!changed) return null;
    const out: Record<string, unknown> = {};
    for (const key in payload) {
      if (key === 'Id') continue;
      const value = payload[key];
      out[key] = this.sends(key, value, current, at) ? value : undefined;
    }
    return out;
  }
}
