import YAML from 'yaml';

/** A plan step as plan.yaml writes it (schemas/plan.schema.json). */
export interface PlanStep {
  name: string;
  file: string;
  object: string;
  operation: 'create' | 'update' | 'upsert' | 'delete';
  match?: string;
  rows?: { column: string; equals: string | string[] };
  mapping?: { match?: unknown; fields: Record<string, unknown> };
}

/** The text of a plan.yaml listing these steps. */
export function planYaml(...steps: PlanStep[]): string {
  return YAML.stringify({ steps });
}

/** A reference to a record of another step (or of the same step: a second pass), found by its key. */
export function ref(step: string, key: string, column: string): Record<string, string> {
  return { step, key, column };
}

/**
 * The accounts of most small plans: accounts.csv (id,name), upserted by External_Id__c; `parent` adds ParentId from
 * the column parent (a self-reference, set in a second pass).
 */
export function accountsStep(options: { parent?: boolean } = {}): PlanStep {
  return {
    name: 'accounts',
    file: 'accounts.csv',
    object: 'Account',
    operation: 'upsert',
    match: 'External_Id__c',
    mapping: {
      fields: {
        Name: 'name',
        External_Id__c: 'id',
        ...(options.parent ? { ParentId: ref('accounts', 'External_Id__c', 'parent') } : {}),
      },
    },
  };
}

/**
 * Contacts of those accounts: contacts.csv (id,name,account), upserted by External_Id__c, AccountId by the account's
 * id; `boss` adds ReportsToId from the column boss (a self-reference).
 */
export function contactsStep(options: { boss?: boolean } = {}): PlanStep {
  return {
    name: 'contacts',
    file: 'contacts.csv',
    object: 'Contact',
    operation: 'upsert',
    match: 'External_Id__c',
    mapping: {
      fields: {
        LastName: 'name',
        External_Id__c: 'id',
        AccountId: ref('accounts', 'External_Id__c', 'account'),
        ...(options.boss ? { ReportsToId: ref('contacts', 'External_Id__c', 'boss') } : {}),
      },
    },
  };
}

/** A step creating `object` records from `file`, with these fields (field: column or reference). */
export function createStep(
  name: string,
  file: string,
  object: string,
  fields: Record<string, unknown>,
): PlanStep {
  return { name, file, object, operation: 'create', mapping: { fields } };
}

/** CSV text: a header and rows. */
export function csv(header: string, rows: string[]): string {
  return `${[header, ...rows].join('\n')}\n`;
}
