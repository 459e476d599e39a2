import { afterCreate, deleteRuleError, newRecordRuleError } from './business-rules.js';
import type { AssignmentRules, AutoAssign } from './assignment-rules.js';
import { prepareInput } from './record-input.js';
import { checkUnique, completeNewRow, deriveNames, labelList } from './record-rules.js';
import type { DuplicateRules } from './duplicate-rules.js';
import type { LockTransaction, RecordLocks } from './record-locks.js';
import { IdGenerator, normalizeId } from './ids.js';
import { type FieldDescribe, type ObjectMeta, type OrgSchema } from './metadata.js';
import { formatDateTime, indexKey, recordError, type RecordError, type Row, type Value } from './values.js';

export interface ObjectData {
  meta: ObjectMeta;
  live: Map<string, Row>;
  /** The recycle bin: deleted rows stay visible to queryAll and answer ENTITY_IS_DELETED. */
  deleted: Map<string, Row>;
  /** Equality indexes, built on first use and kept up to date by every write. */
  indexes: Map<string, Map<string, Set<string>>>;
}

/** What the client said about a write: `allowSave` acknowledges duplicate rule alerts (REST header only). */
export interface WriteOptions {
  allowSave?: boolean;
  /** The API version of the call, for the URLs of duplicate records. */
  version?: string;
  /** Which assignment rule runs on a Lead or Case (REST: Sforce-Auto-Assign; Bulk: the job's assignmentRuleId). */
  autoAssign?: AutoAssign;
  /** The transaction the write belongs to, for row locks on its parents. */
  lock?: LockTransaction;
}

export type WriteResult =
  { ok: true; id: string; created: boolean } | { ok: false; errors: RecordError[]; id?: string };

/** The state of records before a transaction touched them, to undo an allOrNone call. */
export type Journal = Array<{
  object: ObjectData;
  id: string;
  live: Row | undefined;
  deleted: Row | undefined;
}>;

/** The counters that must survive a restart so that no id or case number is ever issued twice. */
export interface OrgCounters {
  ids: Record<string, number>;
  caseNumber: number;
}

/** The org's records: every write goes through Salesforce's validation rules for the field types in describe. */
export class OrgStore {
  private readonly data = new Map<string, ObjectData>();
  readonly ids = new IdGenerator();
  private caseNumber = 1000;
  /** Open transactions, innermost last (a composite call's allOrNone around a collection's). */
  private journals: Array<{ entries: Journal; seen: Set<string> }> = [];
  /** Told of every record whose stored state changes (a write, a delete, a rollback), to persist it. */
  onChange: ((object: ObjectData, id: string) => void) | null = null;
  /** The org's duplicate rules, run on every create and edit. */
  duplicateRules: DuplicateRules | null = null;
  /** The org's Lead and Case assignment rules. */
  assignmentRules: AssignmentRules | null = null;
  /** Row locks on the parents of saved records (off unless configured). */
  recordLocks: RecordLocks | null = null;

  constructor(
    readonly schema: OrgSchema,
    readonly userId: string,
    private readonly clock: () => number = Date.now,
  ) {
    for (const meta of schema.all()) {
      this.data.set(meta.name, { meta, live: new Map(), deleted: new Map(), indexes: new Map() });
    }
  }

  object(name: string): ObjectData | undefined {
    const meta = this.schema.get(name);
    return meta ? this.data.get(meta.name) : undefined;
  }

  /** The object an id belongs to, by its key prefix. */
  objectOfId(id: string): ObjectData | undefined {
    const meta = this.schema.byKeyPrefix(id.slice(0, 3));
    return meta ? this.data.get(meta.name) : undefined;
  }

  find(id: string): { object: ObjectData; row: Row; deleted: boolean } | undefined {
    const full = normalizeId(id);
    if (!full) return undefined;
    const object = this.objectOfId(full);
    if (!object) return undefined;
    const live = object.live.get(full);
    if (live) return { object, row: live, deleted: false };
    const gone = object.deleted.get(full);
    return gone ? { object, row: gone, deleted: true } : undefined;
  }

  count(name: string): number {
    return this.object(name)?.live.size ?? 0;
  }

  index(object: ObjectData, field: FieldDescribe): Map<string, Set<string>> {
    const key = field.name.toLowerCase();
    let idx = object.indexes.get(key);
    if (!idx) {
      idx = new Map();
      for (const [id, row] of object.live) addToIndex(idx, indexKey(field, row[field.name] ?? null), id);
      object.indexes.set(key, idx);
    }
    return idx;
  }

  /** Live ids whose field equals the value (by SOQL equality rules), through the index. */
  lookup(object: ObjectData, field: FieldDescribe, value: Value): string[] {
    const key = indexKey(field, value);
    if (key === null) return [];
    return [...(this.index(object, field).get(key) ?? [])];
  }

  create(objectName: string, body: Record<string, unknown>, options: WriteOptions = {}): WriteResult {
    const object = this.object(objectName);
    if (!object)
      return {
        ok: false,
        errors: [recordError('INVALID_TYPE', `sObject type '${objectName}' is not supported.`)],
      };
    if (!object.meta.flags.createable) {
      return {
        ok: false,
        errors: [
          recordError(
            'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
            `${object.meta.name}: insufficient access rights on object`,
          ),
        ],
      };
    }
    const prepared = prepareInput(this, object, body, 'create');
    if ('errors' in prepared) return { ok: false, errors: prepared.errors };
    const row = prepared.values;
    const error =
      completeNewRow(object, row, () => String(++this.caseNumber).padStart(8, '0')) ??
      newRecordRuleError(this, object, row) ??
      checkUnique(this, object, row, null) ??
      this.duplicateRules?.check(object, row, null, options.allowSave === true, options.version) ??
      this.recordLocks?.touch(options.lock, object, row);
    if (error) return { ok: false, errors: [error] };
    this.assignmentRules?.apply(object, row, options.autoAssign, true);
    const id = this.ids.next(object.meta.keyPrefix);
    const now = formatDateTime(this.clock());
    Object.assign(row, {
      Id: id,
      IsDeleted: false,
      CreatedDate: now,
      LastModifiedDate: now,
      SystemModstamp: now,
    });
    row.CreatedById = this.userId;
    row.LastModifiedById = this.userId;
    if (object.meta.fieldByLower.has('ownerid') && row.OwnerId == null) row.OwnerId = this.userId;
    this.insertRow(object, compact(row));
    afterCreate(this, object, row);
    return { ok: true, id, created: true };
  }

  update(
    id: string,
    body: Record<string, unknown>,
    expectedObject?: string,
    options: WriteOptions = {},
  ): WriteResult {
    const full = normalizeId(id);
    const found = full ? this.find(full) : undefined;
    if (!full || !found) {
      const shownObject = expectedObject ?? this.objectOfId(id)?.meta.name ?? 'Record';
      return {
        ok: false,
        errors: [recordError('MALFORMED_ID', `${shownObject} ID: id value of incorrect type: ${id}`, ['Id'])],
      };
    }
    if (expectedObject && found.object.meta.name.toLowerCase() !== expectedObject.toLowerCase()) {
      return {
        ok: false,
        errors: [
          recordError('MALFORMED_ID', `${expectedObject} ID: id value of incorrect type: ${id}`, ['Id']),
        ],
      };
    }
    if (found.deleted) return { ok: false, errors: [recordError('ENTITY_IS_DELETED', 'entity is deleted')] };
    const { object, row: old } = found;
    const prepared = prepareInput(this, object, body, 'update');
    if ('errors' in prepared) return { ok: false, errors: prepared.errors, id: full };
    const row: Row = { ...old, ...prepared.values };
    const missing = object.meta.fields.filter(
      (f) => f.createable && !f.nillable && !f.defaultedOnCreate && row[f.name] == null,
    );
    if (missing.length > 0 && !(object.meta.name === 'Account' && row.IsPersonAccount)) {
      return {
        ok: false,
        id: full,
        errors: [
          recordError(
            'REQUIRED_FIELD_MISSING',
            `Required fields are missing: [${labelList(missing)}]`,
            missing.map((f) => f.name),
          ),
        ],
      };
    }
    deriveNames(object, row);
    const dup =
      checkUnique(this, object, row, full) ??
      this.duplicateRules?.check(object, row, full, options.allowSave === true, options.version) ??
      this.recordLocks?.touch(options.lock, object, row);
    if (dup) return { ok: false, errors: [dup], id: full };
    this.assignmentRules?.apply(object, row, options.autoAssign, false);
    const now = this.stampAfter(old);
    Object.assign(row, { LastModifiedDate: now, SystemModstamp: now, LastModifiedById: this.userId });
    this.replaceRow(object, full, old, compact(row));
    return { ok: true, id: full, created: false };
  }

  delete(id: string): WriteResult {
    return this.remove(id, true);
  }

  /**
   * A hard delete (Bulk API `hardDelete`): the record is gone at once, not in the recycle bin, so queryAll no longer
   * finds it and it cannot be undeleted.
   */
  purge(id: string): WriteResult {
    return this.remove(id, false);
  }

  /**
   * The SystemModstamp of a record's next change: the clock, or a millisecond past the record's last stamp when
   * the clock has not moved on since (two writes in one millisecond), so every change moves it and a client can
   * tell a record changed since it read it.
   */
  stampAfter(row: Row): string {
    const now = this.clock();
    const last =
      typeof row.SystemModstamp === 'string' ? Date.parse(row.SystemModstamp.replace(/\+0000$/, 'Z')) : NaN;
    return formatDateTime(Number.isNaN(last) || now > last ? now : last + 1);
  }

  /** Takes a live record out; into the recycle bin (queryAll, ENTITY_IS_DELETED) unless it is purged. */
  private remove(id: string, recycle: boolean): WriteResult {
    const full = normalizeId(id);
    const found = full ? this.find(full) : undefined;
    if (!full || !found) return { ok: false, errors: [recordError('MALFORMED_ID', `invalid record id`, [])] };
    if (found.deleted) return { ok: false, errors: [recordError('ENTITY_IS_DELETED', 'entity is deleted')] };
    const { object, row } = found;
    const refused = deleteRuleError(object, row);
    if (refused) return { ok: false, errors: [refused] };
    this.remember(object, full);
    this.removeFromIndexes(object, full, row);
    object.live.delete(full);
    if (recycle) object.deleted.set(full, { ...row, IsDeleted: true, SystemModstamp: this.stampAfter(row) });
    return { ok: true, id: full, created: false };
  }

  beginJournal(): void {
    this.journals.push({ entries: [], seen: new Set() });
  }

  endJournal(): Journal {
    return this.journals.pop()?.entries ?? [];
  }

  /** Puts every record a transaction touched back as it was. */
  rollback(journal: Journal): void {
    for (const entry of [...journal].reverse())
      this.restore(entry.object, entry.id, entry.live, entry.deleted);
  }

  /** Sets a record's stored state as it is given: live, in the recycle bin, or (neither) gone. */
  restore(object: ObjectData, id: string, live: Row | undefined, deleted: Row | undefined): void {
    const current = object.live.get(id);
    if (current) {
      this.removeFromIndexes(object, id, current);
      object.live.delete(id);
    }
    object.deleted.delete(id);
    if (live) this.insertRow(object, live);
    if (deleted) object.deleted.set(id, deleted);
  }

  counters(): OrgCounters {
    return { ids: this.ids.snapshot(), caseNumber: this.caseNumber };
  }

  /** Raises the counters to at least the saved ones. */
  restoreCounters(saved: Partial<OrgCounters>): void {
    for (const [prefix, n] of Object.entries(saved.ids ?? {})) this.ids.raise(prefix, n);
    this.caseNumber = Math.max(this.caseNumber, saved.caseNumber ?? 0);
  }

  /** Changes whenever an id or a case number is issued. */
  countersStamp(): number {
    return this.ids.issued + this.caseNumber;
  }

  /** Every object with its records, for a snapshot of the org. */
  objects(): IterableIterator<ObjectData> {
    return this.data.values();
  }

  private remember(object: ObjectData, id: string): void {
    this.onChange?.(object, id);
    for (const journal of this.journals) {
      if (journal.seen.has(id)) continue;
      journal.seen.add(id);
      journal.entries.push({ object, id, live: object.live.get(id), deleted: object.deleted.get(id) });
    }
  }

  private insertRow(object: ObjectData, row: Row): void {
    const id = row.Id as string;
    this.remember(object, id);
    object.live.set(id, row);
    for (const [key, idx] of object.indexes) {
      const field = object.meta.fieldByLower.get(key) as FieldDescribe;
      addToIndex(idx, indexKey(field, row[field.name] ?? null), id);
    }
  }

  private replaceRow(object: ObjectData, id: string, old: Row, row: Row): void {
    this.remember(object, id);
    this.removeFromIndexes(object, id, old);
    object.live.delete(id);
    this.insertRow(object, row);
  }

  private removeFromIndexes(object: ObjectData, id: string, row: Row): void {
    for (const [key, idx] of object.indexes) {
      const field = object.meta.fieldByLower.get(key) as FieldDescribe;
      const k = indexKey(field, row[field.name] ?? null);
      if (k === null) continue;
      const set = idx.get(k);
      set?.delete(id);
      if (set && set.size === 0) idx.delete(k);
    }
  }

  /** Seeds a row as it is (the org's own user, fixtures): no validation. */
  seed(objectName: string, row: Row): void {
    const object = this.object(objectName);
    if (!object) throw new Error(`unknown object ${objectName}`);
    this.ids.observe(row.Id as string);
    this.restore(object, row.Id as string, row, undefined);
  }
}

function addToIndex(idx: Map<string, Set<string>>, key: string | null, id: string): void {
  if (key === null) return;
  let set = idx.get(key);
  if (!set) idx.set(key, (set = new Set()));
  set.add(id);
}

/** Rows keep only the fields that have a value: a million sparse rows fit in memory. */
function compact(row: Row): Row {
  const out: Row = {};
  // for-in, not Object.entries: a new row holds every field of its object, most of them null, and the array of
  // pairs per row was a tenth of a create's time. Rows are plain objects: nothing inherited is enumerable.
  for (const k in row) {
    const v = row[k];
    if (v !== null && v !== undefined) out[k] = v;
  }
  return out;
}
