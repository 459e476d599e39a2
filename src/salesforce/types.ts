/** The parts of Salesforce's describe results that sfsync reads. */
export interface FieldInfo {
  name: string;
  label: string;
  type: string;
  length: number;
  precision: number;
  scale: number;
  digits: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  filterable: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  caseSensitive: boolean;
  custom: boolean;
  calculated: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  restrictedPicklist: boolean;
  picklistValues: Array<{ active: boolean; value: string; label: string }>;
}

export interface ObjectInfo {
  name: string;
  label: string;
  labelPlural: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  queryable: boolean;
  fields: FieldInfo[];
}

export type ObjectSummary = Omit<ObjectInfo, 'fields'> & { keyPrefix: string | null };

/** Required on create, as Salesforce defines it. */
export function isRequiredOnCreate(f: FieldInfo): boolean {
  return f.createable && !f.nillable && !f.defaultedOnCreate;
}
