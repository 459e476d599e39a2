import type { FieldDescribe, ObjectMeta } from '../metadata.js';
import type { OrgStore } from '../store.js';
import { parse, runQuery } from './execute.js';
import { candidates } from './filter.js';

/* `query?explain=`: the plans Salesforce's query optimizer would consider. */

export interface ExplainPlan {
  cardinality: number;
  fields: string[];
  leadingOperationType: 'Index' | 'Other' | 'Sharing' | 'TableScan';
  notes: Array<{ description: string; fields: string[]; tableEnumOrId: string }>;
  relativeCost: number;
  sobjectCardinality: number;
  sobjectType: string;
}

/** Fields Salesforce indexes by default [doc "Indexes" in the query-optimization guide]. */
function indexed(meta: ObjectMeta, field: FieldDescribe): boolean {
  return (
    field.name === 'Id' ||
    field.nameField ||
    field.externalId ||
    field.unique ||
    field.type === 'reference' ||
    field.name === 'CreatedDate' ||
    field.name === 'SystemModstamp' ||
    (field.name === 'Email' && (meta.name === 'Contact' || meta.name === 'Lead'))
  );
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * `GET /query/?explain=`: the plans Salesforce would weigh, cheapest first: one Index plan per equality filter on
 * an indexed field, then the TableScan, whose notes name the unindexed filters [doc "Get Feedback on Query
 * Performance"]. The costs are this org's own arithmetic, not Salesforce's optimizer [unverified].
 */
export function explainQuery(store: OrgStore, soql: string, now?: number): { plans: ExplainPlan[] } {
  const result = runQuery(store, soql, { all: false, now, explain: true });
  const query = parse(soql);
  const object = result.plan.object;
  const meta = object.meta;
  const total = object.live.size;
  const filters = !query.where ? [] : query.where.type === 'and' ? query.where.items : [query.where];
  const plans: ExplainPlan[] = [];
  const unindexed = new Set<string>(['IsDeleted']);
  for (const cond of filters) {
    if (cond.type !== 'compare' && cond.type !== 'in' && cond.type !== 'semijoin' && cond.type !== 'includes')
      continue;
    const field =
      cond.field.path.length === 1
        ? meta.fieldByLower.get((cond.field.path[0] as string).toLowerCase())
        : undefined;
    const ids =
      field && indexed(meta, field) ? candidates(store, soql, object, cond, now ?? Date.now()) : null;
    if (!field || !ids) {
      if (field) unindexed.add(field.name);
      continue;
    }
    plans.push({
      cardinality: ids.size,
      fields: [field.name],
      leadingOperationType: 'Index',
      notes: [],
      relativeCost: round(ids.size / Math.max(1, total) / 3),
      sobjectCardinality: total,
      sobjectType: meta.name,
    });
  }
  plans.push({
    cardinality: result.plan.aggregate ? total : result.totalSize,
    fields: [],
    leadingOperationType: 'TableScan',
    notes: [
      {
        description: 'Not considering filter for optimization because unindexed',
        fields: [...unindexed],
        tableEnumOrId: meta.name,
      },
    ],
    relativeCost: round(0.65 + total / 1_000_000),
    sobjectCardinality: total,
    sobjectType: meta.name,
  });
  plans.sort((a, b) => a.relativeCost - b.relativeCost);
  return { plans };
}
