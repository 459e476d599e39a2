import { childRelationship } from './child-relationships.js';
import { apiError } from './http.js';
import type { ObjectMeta } from './metadata.js';
import type { OrgStore, WriteOptions } from './store.js';
import type { RecordError } from './values.js';

const MAX_RECORDS = 200;
const MAX_DEPTH = 5;

interface TreeResult {
  status: number;
  body: {
    hasErrors: boolean;
    results: Array<{ referenceId: string; id: string } | { referenceId: string; errors: RecordError[] }>;
  };
}

interface Pending {
  meta: ObjectMeta;
  record: Record<string, unknown>;
  /** The reference field to set to the parent's new id, and that parent's referenceId. */
  parent: { field: string; referenceId: string } | null;
  depth: number;
}

/**
 * `POST /composite/tree/{Obj}` (sf data import tree): records with nested child records, all created or none.
 * Created level by level, so parents' ids come first in the results [doc REST "sObject Tree", example response].
 * `write` carries the Sforce-Duplicate-Rule-Header [unverified: Salesforce documents it for creates in general].
 */
export function createTree(
  store: OrgStore,
  objectName: string,
  body: Record<string, unknown>,
  write: WriteOptions = {},
): TreeResult {
  const root = store.object(objectName);
  if (!root) throw apiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  const records = body.records;
  if (!Array.isArray(records)) throw apiError(400, 'INVALID_INPUT', "Required field 'records' is missing");
  let level: Pending[] = records.map((record: Record<string, unknown>) => ({
    meta: root.meta,
    record,
    parent: null,
    depth: 1,
  }));
  const all: Pending[] = [];
  const seen = new Set<string>();
  while (level.length > 0) {
    const next: Pending[] = [];
    for (const p of level) {
      all.push(p);
      next.push(...children(store, p, seen));
    }
    level = next;
  }
  if (all.length > MAX_RECORDS) {
    throw apiError(
      400,
      'INVALID_INPUT',
      `A request can create up to ${MAX_RECORDS} records; this one has ${all.length}`,
    );
  }
  return createAll(store, all, write);
}

/** Checks one record's attributes and returns its nested child records, one level down. */
function children(store: OrgStore, p: Pending, seen: Set<string>): Pending[] {
  const next: Pending[] = [];
  const attributes = (p.record.attributes ?? {}) as { type?: string; referenceId?: string };
  const ref = attributes.referenceId;
  if (!ref) throw apiError(400, 'INVALID_INPUT', 'Include a reference ID for each record in the request.');
  if (seen.has(ref.toLowerCase()))
    throw apiError(400, 'INVALID_INPUT', `Duplicate ReferenceId provided in the request: ${ref}`);
  seen.add(ref.toLowerCase());
  if (attributes.type && attributes.type.toLowerCase() !== p.meta.name.toLowerCase()) {
    throw apiError(
      400,
      'INVALID_INPUT',
      `The type ${attributes.type} of record ${ref} does not match the expected type ${p.meta.name}`,
    );
  }
  for (const [key, value] of Object.entries(p.record)) {
    const nested = value as { records?: unknown } | null;
    if (
      key === 'attributes' ||
      nested === null ||
      typeof nested !== 'object' ||
      !Array.isArray(nested.records)
    )
      continue;
    const rel = childRelationship(store.schema, p.meta, key);
    if (!rel) throw apiError(400, 'INVALID_FIELD', `No such relationship '${key}' on ${p.meta.name}`);
    if (p.depth >= MAX_DEPTH)
      throw apiError(400, 'INVALID_INPUT', `A request can nest records up to ${MAX_DEPTH} levels deep`);
    for (const child of nested.records as Array<Record<string, unknown>>) {
      next.push({
        meta: rel.child,
        record: child,
        parent: { field: rel.field.name, referenceId: ref },
        depth: p.depth + 1,
      });
    }
  }
  return next;
}

/** Creates the records in order, parents first, all or none. */
function createAll(store: OrgStore, all: Pending[], write: WriteOptions): TreeResult {
  const ids = new Map<string, string>();
  const results: TreeResult['body']['results'] = [];
  const failures: TreeResult['body']['results'] = [];
  store.beginJournal();
  for (const p of all) {
    const referenceId = (p.record.attributes as { referenceId: string }).referenceId;
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(p.record)) {
      const nested = value as { records?: unknown } | null;
      if (
        key === 'attributes' ||
        (nested !== null && typeof nested === 'object' && Array.isArray(nested.records))
      )
        continue;
      fields[key] = value;
    }
    if (p.parent) {
      const parentId = ids.get(p.parent.referenceId.toLowerCase());
      if (!parentId) continue; // its parent failed: reported there
      fields[p.parent.field] = parentId;
    }
    const r = store.create(p.meta.name, fields, write);
    if (r.ok) {
      ids.set(referenceId.toLowerCase(), r.id);
      results.push({ referenceId, id: r.id });
    } else failures.push({ referenceId, errors: r.errors });
  }
  const journal = store.endJournal();
  if (failures.length > 0) {
    store.rollback(journal);
    return { status: 400, body: { hasErrors: true, results: failures } };
  }
  return { status: 201, body: { hasErrors: false, results } };
}
