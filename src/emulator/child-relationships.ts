import type { FieldDescribe, ObjectMeta, OrgSchema } from './metadata.js';

export interface ChildRelationship {
  child: ObjectMeta;
  field: FieldDescribe;
  /** The name a parent-to-child subquery uses in FROM; null when Salesforce gives the relationship none. */
  relationshipName: string | null;
}

/**
 * Names of the standard child relationships, as Salesforce's describes show them (Account: ChildAccounts,
 * Contacts, Opportunities, Cases, Tasks, Events; Contact: Cases, Tasks, Events, CampaignMembers; Case: Cases;
 * User: ManagedUsers; Campaign: CampaignMembers, Opportunities; Product2 and Pricebook2: PricebookEntries;
 * Opportunity: OpportunityLineItems). Every other standard
 * reference (owner, audit, master-record and conversion fields) has no child relationship name in a real
 * describe, so it has none here either [unverified beyond these].
 */
const STANDARD_NAMES: Record<string, string> = {
  'account.parentid': 'ChildAccounts',
  'contact.accountid': 'Contacts',
  'opportunity.accountid': 'Opportunities',
  'case.accountid': 'Cases',
  'case.contactid': 'Cases',
  'case.parentid': 'Cases',
  'user.managerid': 'ManagedUsers',
  'task.whoid': 'Tasks',
  'task.whatid': 'Tasks',
  'event.whoid': 'Events',
  'event.whatid': 'Events',
  'campaignmember.campaignid': 'CampaignMembers',
  'campaignmember.contactid': 'CampaignMembers',
  'campaignmember.leadid': 'CampaignMembers',
  'opportunity.campaignid': 'Opportunities',
  'pricebookentry.product2id': 'PricebookEntries',
  'pricebookentry.pricebook2id': 'PricebookEntries',
  'opportunitylineitem.opportunityid': 'OpportunityLineItems',
};

function nameOf(child: ObjectMeta, field: FieldDescribe): string | null {
  // A custom lookup's child relationship is named after the child object's plural label [unverified: Salesforce
  // lets the admin choose it; this is the name the setup wizard proposes].
  if (field.custom) return `${child.labelPlural.replace(/[^A-Za-z0-9]/g, '_')}__r`;
  return STANDARD_NAMES[`${child.name}.${field.name}`.toLowerCase()] ?? null;
}

/** Every reference field of the org that points at the object, as describe's childRelationships lists them. */
export function childRelationships(schema: OrgSchema, parent: ObjectMeta): ChildRelationship[] {
  return schema
    .all()
    .flatMap((child) =>
      child.fields
        .filter((f) => f.type === 'reference' && f.referenceTo.includes(parent.name))
        .map((field) => ({ child, field, relationshipName: nameOf(child, field) })),
    );
}

export function childRelationship(
  schema: OrgSchema,
  parent: ObjectMeta,
  name: string,
): ChildRelationship | undefined {
  const lower = name.toLowerCase();
  return childRelationships(schema, parent).find((r) => r.relationshipName?.toLowerCase() === lower);
}
