import type { SyncOperation } from '../core/sync-options.js';
import type { Mapping, Transform } from './types.js';

/**
 * A field of a step filled with the Id of a record of another step (or of the same step: a self-reference, set
 * in a second pass), found by that step's key: `AccountId: {step: accounts, key: AccountNumber, column: acct}`.
 */
export interface PlanReference {
  /** The reference field filled (AccountId). */
  field: string;
  step: string;
  /** The field of the referenced step's object that identifies its records (AccountNumber, External_Id__c). */
  key: string;
  /** The column of this step's file holding the key's value. */
  column: string;
  transform: Transform[];
  /** Where it is written in the plan file. */
  line: number;
}

/**
 * Where a polymorphic reference looks for its key: a step's records (from memory, then its object in the org), an
 * object in the org, users, or queues (Group rows of Type Queue).
 */
export interface PolyTarget {
  kind: 'step' | 'object' | 'user' | 'queue';
  /** The step's name, or the object's (User, and Group for queues). */
  name: string;
  /** The fields the key is compared with, any of them (Username, Email). */
  keys: string[];
}

/**
 * A reference field filled with the Id of the one record, among several steps or objects, whose key equals the
 * column: `WhoId: {steps: [contacts, leads], key: Email, column: email}`,
 * `OwnerId: {users: [Username, Email], queues: DeveloperName, column: owner}`. Found twice is ambiguous.
 */
export interface PolyReference {
  field: string;
  column: string;
  transform: Transform[];
  targets: PolyTarget[];
  line: number;
}

/**
 * One field of a composite key, as the referring step finds it: a reference to another step's record (`{step, key,
 * column}`), a column holding the value itself, or the org's standard price book.
 */
export interface KeyPart {
  /** The field of the referenced step's object (Product2Id). */
  field: string;
  ref?: PlanReference;
  column?: string;
  standardPriceBook?: true;
}

/**
 * A reference to a record that has no key of its own, found by several of its fields, themselves references
 * resolved first: `PricebookEntryId: {step: prices, key: {Product2Id: {step: products, key: ProductCode, column:
 * product}, Pricebook2Id: {standardPriceBook: true}}}`.
 */
export interface CompositeReference {
  field: string;
  step: string;
  /** In the order of the field names, lower-cased (the key maps are built in that order). */
  parts: KeyPart[];
  line: number;
}

export interface PlanStep {
  name: string;
  line: number;
  /** The input file, resolved against the plan's folder. */
  file: string;
  /** The file as the plan writes it, for messages. */
  fileAsWritten: string;
  object: string;
  operation: SyncOperation;
  match?: string[];
  format?: 'csv' | 'ndjson';
  /** The mapping without its references (inline, or read from the file the step names). */
  mapping: Mapping;
  references: PlanReference[];
  polymorphic: PolyReference[];
  /** A section of the file: only its rows whose column holds one of the values (`rows: {column: kind, equals: contact}`). */
  rows?: { column: string; values: string[] };
  /** Fields set to the Id of one of the object's record types, by DeveloperName (`RecordTypeId: {recordType: Business}`). */
  recordTypes: Array<{ field: string; name: string; line: number }>;
  /** References by a composite key (optional: plans written before them have none). */
  composites?: CompositeReference[];
  /** Fields set to the Id of the org's standard price book (`Pricebook2Id: {standardPriceBook: true}`). */
  standardPriceBook?: Array<{ field: string; line: number }>;
}

export interface Plan {
  /** The plan file, resolved. */
  file: string;
  dir: string;
  steps: PlanStep[];
}
