import { childRelationships } from '../child-relationships.js';
import type { ObjectMeta } from '../metadata.js';
import type { OrgStore } from '../store.js';

/** An object's entry in describeGlobal (and the head of its describe). */
export function globalEntry(meta: ObjectMeta, base: string): Record<string, unknown> {
  const urls = {
    compactLayouts: `${base}/sobjects/${meta.name}/describe/compactLayouts`,
    rowTemplate: `${base}/sobjects/${meta.name}/{ID}`,
    describe: `${base}/sobjects/${meta.name}/describe`,
    sobject: `${base}/sobjects/${meta.name}`,
  };
  const entry: Record<string, unknown> = {
    ...meta.flags,
    keyPrefix: meta.keyPrefix,
    label: meta.label,
    labelPlural: meta.labelPlural,
    name: meta.name,
    urls,
  };
  return Object.fromEntries(Object.entries(entry).sort(([a], [b]) => a.localeCompare(b)));
}

export function describeObject(store: OrgStore, meta: ObjectMeta, base: string): Record<string, unknown> {
  const children = childRelationships(store.schema, meta).map((r) => ({
    cascadeDelete: false,
    childSObject: r.child.name,
    deprecatedAndHidden: false,
    field: r.field.name,
    junctionIdListNames: [],
    junctionReferenceTo: [],
    relationshipName: r.relationshipName,
    restrictedDelete: false,
  }));
  return {
    ...globalEntry(meta, base),
    actionOverrides: [],
    childRelationships: children,
    compactLayoutable: true,
    fields: meta.fields,
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: meta.recordTypeInfos,
    searchLayoutable: true,
    supportedScopes: [
      { label: 'All', name: 'everything' },
      { label: 'My', name: 'mine' },
    ],
  };
}

const described = new WeakMap<ObjectMeta, Map<string, string>>();

/**
 * An object's describe as JSON, made once an org, object and API version: an org's schema is fixed once it has
 * started, and every run asks for the describes of its objects (100-300 KB each, serialized again on each call).
 */
export function describeText(store: OrgStore, meta: ObjectMeta, base: string): string {
  let byBase = described.get(meta);
  if (!byBase) described.set(meta, (byBase = new Map<string, string>()));
  let text = byBase.get(base);
  if (text === undefined) byBase.set(base, (text = JSON.stringify(describeObject(store, meta, base))));
  return text;
}
