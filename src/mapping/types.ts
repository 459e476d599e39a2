import type { SyncOperation } from '../core/sync-options.js';

export type NullPolicy = 'keep' | 'clear';

export const TRANSFORMS = [
  'trim',
  'lower',
  'upper',
  'title',
  'digits',
  'number',
  'number-comma',
  'boolean',
  'date',
  'datetime',
] as const;
export type Transform = (typeof TRANSFORMS)[number];

/** Where one Salesforce field's value comes from. Exactly one of column, value and template is set. */
export interface FieldSource {
  /** A CSV column, or an NDJSON path such as `traits.email`. */
  column?: string;
  /** A constant. */
  value?: string | number | boolean | null;
  /** Text with `{column}` placeholders. */
  template?: string;
  transform: Transform[];
  /** Input format of date and datetime values, in Luxon tokens (`dd/MM/yyyy`, `MM/dd/yyyy HH:mm`; `MM/DD/YYYY` is read as `MM/dd/yyyy`). */
  format?: string;
  /** IANA time zone for datetimes without an offset (`Europe/Paris`); overrides the mapping's. */
  timezone?: string;
  nulls?: NullPolicy;
  /** Resolve a parent's Id by a field of the parent (`AccountId` from `Account.AccountNumber`). */
  lookup?: { object: string; field: string };
  /**
   * Parent by external ID: the key is the relationship name (`Account`), and the value is sent as
   * `"Account": {"<externalId>": value}` for Salesforce to resolve.
   */
  externalId?: string;
}

export interface Mapping {
  /** The file the mapping came from, for error messages; null for the implicit mapping. */
  file: string | null;
  object?: string;
  operation?: SyncOperation;
  match?: string[];
  matchOperator?: 'OR' | 'AND';
  /** `match: {allowSharedKeys: true}`: match fields that do not identify a record are wanted. */
  allowSharedKeys?: boolean;
  /** `match: {createWhenKeyEmpty: true}`: an upsert creates records whose match key is blank. */
  createWhenKeyEmpty?: boolean;
  nulls: NullPolicy;
  timezone?: string;
  apiVersion?: string;
  /** Salesforce field (or relationship) → source. Null when columns are field names as they are. */
  fields: Record<string, FieldSource> | null;
}
