import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MappedRecord } from '../mapping/apply.js';
import type { FieldInfo } from '../salesforce/types.js';
import type { ChangeFields } from './changes.js';
import { MatchIndex, type MatchSpec } from './match.js';
import { matchKey } from './soql.js';
import { Spool } from './spool.js';

const EMPTY = -1;

/**
 * The match export of an object too large to hold (or of a file too large for its index to grow with): its rows
 * wait in a scratch file, found by their key's hash (16 bytes a row in typed arrays), and each batch reads only
 * the rows its records match into a small index of its own (`read`). One Bulk query job reads the existing
 * records instead of a query per batch, and memory does not grow with the object.
 *
 * A single match field only (as the in-memory export). A record the run updates is compared with the values the
 * update sent for the rest of its batch (as MatchIndex.updating); a later batch finding it again treats its values
 * as unknown and sends that row whole, as a failed write's later rows are.
 */
export class MatchSpill {
  private readonly spool: Spool;
  private readonly field: FieldInfo;
  private header: string[] | undefined;
  private keyColumn = -1;
  private hashes = new Uint32Array(0);
  private at = new Float64Array(0);
  private bytes = new Uint32Array(0);
  /** Rows a batch of the run updated: their exported values are no longer the record's (all grown before). */
  private touched = new Uint8Array(0);
  private mask = 0;
  rows = 0;

  constructor(
    private readonly spec: MatchSpec,
    private readonly changes: ChangeFields | undefined,
    expected: number,
    dir = os.tmpdir(),
  ) {
    const field = spec.fields[0];
    if (spec.fields.length !== 1 || !field) throw new Error('MatchSpill needs exactly one match field');
    this.field = field;
    const scratch = fs.mkdtempSync(path.join(dir, 'sfsync-match-'));
    this.spool = new Spool(path.join(scratch, 'export.tmp'));
    // Gone from the folder at once where the system allows it (the open file stays readable): nothing is left
    // behind by a run that dies.
    try {
      fs.rmSync(scratch, { recursive: true, force: true });
    } catch {
      // removed by close()
    }
    this.scratch = scratch;
    this.resize(capacityFor(expected));
  }
  private readonly scratch: string;

  /** Adds a row of the export (its header the first page's, or one with the same columns). */
  add(header: string[], row: string[]): void {
    if (this.header === undefined) {
      this.header = header;
      this.keyColumn = header.indexOf(this.field.name);
    } else if (header !== this.header && header.join(',') !== this.header.join(','))
      row = this.header.map((h) => row[header.indexOf(h)] ?? '');
    const key = matchKey(this.field, row[this.keyColumn] ?? '');
    if (key === null) return;
    if ((this.rows + 1) * 2 > this.hashes.length) this.resize(this.hashes.length * 2);
    const where = this.spool.put(rowText(row));
    this.insert(hashOf(key), where.at, where.bytes);
    this.rows++;
  }

  /**
   * The index of the existing records these records match, read from the scratch file: a batch's own, as the
   * batched queries would give it.
   */
  read(records: MappedRecord[]): MatchIndex {
    const slots = new Set<number>();
    const wanted = new Map<number, string>();
    for (const r of records) {
      const key = matchKey(this.field, valueOf(r, this.field));
      if (key === null) continue;
      const h = hashOf(key);
      for (let i = h & this.mask; (this.at[i] as number) !== EMPTY; i = (i + 1) & this.mask)
        if (this.hashes[i] === h) {
          slots.add(i);
          wanted.set(i, key);
        }
    }
    const ids = new Map<string, number>();
    const index = new SpillBatchIndex(this.spec, this.changes, (id) => {
      const slot = ids.get(id.slice(0, 15));
      if (slot !== undefined) this.touched[slot] = 1;
    });
    const header = this.header ?? [];
    const idColumn = header.indexOf('Id');
    const stale: string[] = [];
    // In the order they were written: one read of the file serves many rows.
    for (const slot of [...slots].sort((a, b) => (this.at[a] as number) - (this.at[b] as number))) {
      const row = textRow(this.spool.get({ at: this.at[slot] as number, bytes: this.bytes[slot] as number }));
      // Another key with the same hash.
      if (matchKey(this.field, row[this.keyColumn] ?? '') !== wanted.get(slot)) continue;
      index.addCsvRow(header, row);
      ids.set((row[idColumn] ?? '').slice(0, 15), slot);
      if (this.touched[slot] === 1) stale.push(wanted.get(slot) as string);
    }
    const map = this.spec.operator === 'AND' ? '' : this.field.name;
    if (stale.length > 0) index.forget(stale.map((k) => [map, k]));
    return index;
  }

  close(): void {
    this.spool.close();
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }

  private insert(h: number, at: number, bytes: number): void {
    let i = h & this.mask;
    while ((this.at[i] as number) !== EMPTY) i = (i + 1) & this.mask;
    this.hashes[i] = h;
    this.at[i] = at;
    this.bytes[i] = bytes;
  }

  private resize(capacity: number): void {
    const { hashes, at, bytes } = this;
    this.hashes = new Uint32Array(capacity);
    this.at = new Float64Array(capacity).fill(EMPTY);
    this.bytes = new Uint32Array(capacity);
    this.touched = new Uint8Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < at.length; i++)
      if ((at[i] as number) !== EMPTY) this.insert(hashes[i] as number, at[i] as number, bytes[i] as number);
  }
}

/** A batch's index that tells the spill which of its records the run updates. */
class SpillBatchIndex extends MatchIndex {
  constructor(
    spec: MatchSpec,
    changes: ChangeFields | undefined,
    private readonly onUpdate: (id: string) => void,
  ) {
    super(spec, changes);
  }

  override updating(id: string, payload: Record<string, unknown>): void {
    super.updating(id, payload);
    this.onUpdate(id);
  }
}

/**
 * A row as text: its cells joined by NUL (Salesforce keeps no NUL in a value, and splitting is far cheaper than
 * JSON.parse); a row that has one anyway is kept as JSON after a NUL.
 */
function rowText(row: string[]): string {
  return row.some((cell) => cell.includes('\0')) ? `\0${JSON.stringify(row)}` : row.join('\0');
}

function textRow(text: string): string[] {
  return text.startsWith('\0') ? (JSON.parse(text.slice(1)) as string[]) : text.split('\0');
}

/** Slots for `rows` rows at most half full, a power of two. */
function capacityFor(rows: number): number {
  let capacity = 1024;
  while (capacity < rows * 2) capacity *= 2;
  return capacity;
}

/** FNV-1a of the key's UTF-16 units: a slot to start from; the row read back confirms the key. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function valueOf(record: MappedRecord, field: FieldInfo): unknown {
  const v = record.payload[field.name];
  return v === undefined || v === null || typeof v === 'object' ? null : v;
}
