import type { FieldDescribe } from '../metadata.js';
import type { OrgStore } from '../store.js';
import { isNumberType, isStringType } from '../values.js';
import { runQuery } from './execute.js';
import type { AggregateColumn, Column, ResolvedPath } from './plan.js';

/*
 * `query?q=…&columns=true`: the columns of a query without its records, as the Developer Console and the
 * Salesforce CLI (`sf data query`) ask for them. The shape is that of Salesforce's answers recorded in
 * salesforcecli/plugin-data's test exemplars (queryFields.exemplars.ts) [obs]; the top-level keys besides
 * `columnMetadata` are [unverified].
 */

export interface ColumnMetadata {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMetadata[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

const APEX_TYPES: Record<string, string> = {
  id: 'Id',
  reference: 'Id',
  boolean: 'Boolean',
  int: 'Integer',
  double: 'Double',
  currency: 'Decimal',
  percent: 'Double',
  date: 'Date',
  datetime: 'Datetime',
  time: 'Time',
};

function fieldColumn(field: FieldDescribe, name = field.name): ColumnMetadata {
  return {
    aggregate: false,
    apexType: APEX_TYPES[field.type] ?? 'String',
    booleanType: field.type === 'boolean',
    columnName: name,
    custom: field.custom,
    displayName: name,
    foreignKeyName: null,
    insertable: field.createable,
    joinColumns: [],
    numberType: isNumberType(field),
    textType: isStringType(field),
    updatable: field.updateable,
  };
}

/** `Owner.Name`: a column per relationship hop, the field joined under the last one. */
function pathColumn(path: ResolvedPath): ColumnMetadata {
  let column = fieldColumn(path.field, path.fn ? `${path.fn.name}(${path.fn.source.name})` : path.field.name);
  for (const hop of [...path.hops].reverse()) {
    const name = hop.relationshipName as string;
    column = {
      ...fieldColumn(hop, name),
      apexType: null,
      foreignKeyName: hop.name,
      insertable: false,
      updatable: false,
      textType: false,
      joinColumns: [column],
    };
  }
  return column;
}

function recordColumn(column: Column): ColumnMetadata[] {
  if (column.kind === 'field') return [pathColumn(column.path)];
  if (column.kind === 'typeof')
    return [{ ...fieldColumn(column.plan.field, column.plan.name), apexType: null }];
  return [
    {
      ...fieldColumn(column.sub.field, column.sub.relationshipName),
      aggregate: true,
      apexType: null,
      custom: column.sub.relationshipName.endsWith('__r'),
      insertable: false,
      updatable: false,
      joinColumns: column.sub.columns.flatMap(recordColumn),
    },
  ];
}

function aggregateColumn(column: AggregateColumn): ColumnMetadata {
  if (!column.fn && column.path) {
    // An AggregateResult is flat: a grouped parent field comes back under its own name (`Name` for `Owner.Name`),
    // so its column joins nothing either; a nested column made `sf data query` print an empty `Name.Name`
    // [unverified: inferred from the records' shape, which is Salesforce's].
    const path = column.path;
    return {
      ...fieldColumn(path.field, path.fn ? `${path.fn.name}(${path.fn.source.name})` : path.field.name),
      columnName: column.key,
    };
  }
  const argument = column.path ? column.path.names.join('.') : '';
  const counts = column.fn === 'COUNT' || column.fn === 'COUNT_DISTINCT' || column.fn === 'GROUPING';
  return {
    aggregate: true,
    apexType: null,
    booleanType: false,
    columnName: column.key,
    custom: false,
    displayName: `${(column.fn ?? '').toLowerCase()}(${argument})`,
    foreignKeyName: null,
    insertable: false,
    joinColumns: [],
    numberType: counts || (column.path !== null && isNumberType(column.path.field)),
    textType: !counts && column.path !== null && isStringType(column.path.field),
    updatable: false,
  };
}

export function queryColumns(store: OrgStore, soql: string, now: number): Record<string, unknown> {
  const { plan } = runQuery(store, soql, { all: false, now, explain: true });
  const meta = plan.object.meta;
  const columnMetadata = plan.aggregate
    ? (plan.aggregates ?? []).map(aggregateColumn)
    : plan.columns.flatMap(recordColumn);
  return {
    columnMetadata,
    entityName: meta.name,
    groupBy: plan.aggregate,
    idSelected: plan.select.some((p) => p.hops.length === 0 && p.field.name === 'Id'),
    keyPrefix: meta.keyPrefix,
  };
}
