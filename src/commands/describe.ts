import type { Deps } from '../deps.js';
import type { FieldInfo, ObjectSummary } from '../salesforce/types.js';
import { isRequiredOnCreate } from '../salesforce/types.js';
import { plural } from '../core/plural.js';
import { formatTable } from '../ui/table.js';
import type { DescribeOptions } from './options.js';

export interface DescribedField {
  name: string;
  label: string;
  type: string;
  length: number;
  requiredOnCreate: boolean;
  createable: boolean;
  updateable: boolean;
  filterable: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  picklistValues: string[];
}

export type DescribeResult =
  | {
      kind: 'objects';
      objects: Array<
        Pick<ObjectSummary, 'name' | 'label' | 'custom' | 'createable' | 'updateable' | 'queryable'>
      >;
    }
  | { kind: 'object'; name: string; label: string; custom: boolean; fields: DescribedField[] };

function describeField(f: FieldInfo): DescribedField {
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    length: f.length,
    requiredOnCreate: isRequiredOnCreate(f),
    createable: f.createable,
    updateable: f.updateable,
    filterable: f.filterable,
    externalId: f.externalId,
    idLookup: f.idLookup,
    unique: f.unique,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    picklistValues: f.picklistValues.filter((p) => p.active).map((p) => p.value),
  };
}

/** An object's fields as sfsync sees them (what a mapping may write, what a matcher may use), or the objects. */
export async function runDescribe(
  opts: DescribeOptions,
  deps: Pick<Deps, 'connect' | 'io'>,
): Promise<DescribeResult> {
  const client = await deps.connect({
    org: opts.org,
    apiVersion: opts.apiVersion,
    trace: opts.verbose ? (l) => deps.io.err(l) : undefined,
  });
  if (!opts.object) {
    const objects = await client.describeGlobal();
    return {
      kind: 'objects',
      objects: objects
        .map((o) => ({
          name: o.name,
          label: o.label,
          custom: o.custom,
          createable: o.createable,
          updateable: o.updateable,
          queryable: o.queryable,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
  const info = await client.describe(opts.object);
  return {
    kind: 'object',
    name: info.name,
    label: info.label,
    custom: info.custom,
    fields: info.fields.map(describeField),
  };
}

const yes = (b: boolean): string => (b ? 'yes' : '');

/** The first few of a list, and how many more: Task.WhatId refers to ~60 objects, too many for one table cell. */
function shortList(items: string[], separator: string, shown = 3): string {
  if (items.length <= shown + 1) return items.join(separator);
  return `${items.slice(0, shown).join(separator)}${separator}… ${items.length - shown} more`;
}

export function renderDescribe(r: DescribeResult): string[] {
  if (r.kind === 'objects') {
    return formatTable(
      ['OBJECT', 'LABEL', 'CUSTOM', 'WRITABLE'],
      r.objects.map((o) => [
        o.name,
        o.label,
        yes(o.custom),
        o.createable || o.updateable ? 'yes' : 'read-only',
      ]),
    );
  }
  const rows = r.fields.map((f) => {
    const type =
      f.type === 'reference'
        ? `lookup(${shortList(f.referenceTo, '|')})`
        : ['string', 'textarea', 'email', 'phone', 'url'].includes(f.type)
          ? `${f.type}(${f.length})`
          : f.type;
    const write =
      f.createable && f.updateable
        ? 'create+update'
        : f.createable
          ? 'create only'
          : f.updateable
            ? 'update only'
            : 'read-only';
    const values =
      f.picklistValues.length > 0
        ? `${f.picklistValues.slice(0, 5).join(', ')}${f.picklistValues.length > 5 ? `, … (${f.picklistValues.length})` : ''}`
        : '';
    return [
      f.name,
      f.label,
      type,
      f.requiredOnCreate ? 'required' : '',
      write,
      f.filterable ? 'yes' : 'no',
      f.externalId ? 'external ID' : f.idLookup ? 'idLookup' : '',
      yes(f.unique),
      values,
    ];
  });
  return [
    `${r.name} (${r.label}${r.custom ? ', custom' : ''}): ${plural(r.fields.length, 'field')}`,
    ...formatTable(
      ['FIELD', 'LABEL', 'TYPE', 'ON CREATE', 'WRITE', 'MATCHABLE', 'KEY', 'UNIQUE', 'VALUES'],
      rows,
    ),
  ];
}
