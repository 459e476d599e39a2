import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { editDistance } from './did-you-mean.js';

export type ProposalReason = 'api name' | 'label' | 'loose' | 'alias' | 'close' | 'values' | 'none';

export interface ColumnProposal {
  column: string;
  field: string | null;
  /** How the field was found: exact API name, label, loose spelling, a common alias, close spelling, values. */
  reason: ProposalReason;
}

/** Lower case, letters and digits only: `E-mail` and `e_mail` read alike. */
export const squash = (s: string): string =>
  s
    .toLowerCase()
    .replace(/__c$/, '')
    .replace(/[^a-z0-9]/g, '');

/**
 * Column names people use for standard fields (squashed), with the fields they mean, in order of preference:
 * the first one the object has is taken (Contact's MailingCity, Lead's City, Account's BillingCity).
 */
const ALIASES: Record<string, string[]> = {
  emailaddress: ['Email'],
  mail: ['Email'],
  emailaddr: ['Email'],
  email1: ['Email'],
  primaryemail: ['Email'],
  workemail: ['Email'],
  businessemail: ['Email'],
  surname: ['LastName'],
  familyname: ['LastName'],
  lname: ['LastName'],
  last: ['LastName'],
  givenname: ['FirstName'],
  forename: ['FirstName'],
  fname: ['FirstName'],
  first: ['FirstName'],
  phonenumber: ['Phone'],
  telephone: ['Phone'],
  tel: ['Phone'],
  workphone: ['Phone'],
  businessphone: ['Phone'],
  mobile: ['MobilePhone'],
  mobilenumber: ['MobilePhone'],
  cell: ['MobilePhone'],
  cellphone: ['MobilePhone'],
  company: ['Company', 'Name'],
  companyname: ['Company', 'Name'],
  organization: ['Company', 'Name'],
  organisation: ['Company', 'Name'],
  accountname: ['Name'],
  jobtitle: ['Title'],
  position: ['Title'],
  street: ['MailingStreet', 'Street', 'BillingStreet'],
  address: ['MailingStreet', 'Street', 'BillingStreet'],
  city: ['MailingCity', 'City', 'BillingCity'],
  town: ['MailingCity', 'City', 'BillingCity'],
  state: ['MailingState', 'State', 'BillingState'],
  province: ['MailingState', 'State', 'BillingState'],
  region: ['MailingState', 'State', 'BillingState'],
  zip: ['MailingPostalCode', 'PostalCode', 'BillingPostalCode'],
  zipcode: ['MailingPostalCode', 'PostalCode', 'BillingPostalCode'],
  postcode: ['MailingPostalCode', 'PostalCode', 'BillingPostalCode'],
  postalcode: ['MailingPostalCode', 'PostalCode', 'BillingPostalCode'],
  country: ['MailingCountry', 'Country', 'BillingCountry'],
  dob: ['Birthdate'],
  dateofbirth: ['Birthdate'],
  birthday: ['Birthdate'],
  web: ['Website'],
  url: ['Website'],
  site: ['Website'],
  homepage: ['Website'],
  notes: ['Description'],
  comments: ['Description'],
  comment: ['Description'],
  source: ['LeadSource'],
  optout: ['HasOptedOutOfEmail'],
  optedout: ['HasOptedOutOfEmail'],
  emailoptedout: ['HasOptedOutOfEmail'],
  emailoptout: ['HasOptedOutOfEmail'],
  unsubscribed: ['HasOptedOutOfEmail'],
  donotemail: ['HasOptedOutOfEmail'],
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** 7 to 15 digits with the usual punctuation: +1 (555) 010-0800, 0049 30 1234567. */
const PHONE = /^\+?[\d\s().-]+(?:\s*(?:x|ext\.?)\s*\d+)?$/i;

function isPhone(v: string): boolean {
  const digits = v.replace(/\D/g, '').length;
  return PHONE.test(v) && digits >= 7 && digits <= 15 && /[\s().+-]/.test(v);
}

/** Most non-blank sampled values (and at least one) pass the test. */
function mostly(sampled: string[], test: (v: string) => boolean): boolean {
  const values = sampled.map((v) => v.trim()).filter((v) => v !== '');
  if (values.length === 0) return false;
  return values.filter(test).length >= Math.ceil(values.length * 0.8);
}

/** The field a column most likely is by its name: API name, label, the same letters, an alias, a close spelling. */
export function proposeByName(column: string, fields: FieldInfo[]): ColumnProposal {
  const writable = fields.filter((f) => f.createable || f.updateable || f.name === 'Id');
  const byName =
    writable.find((f) => f.name === column) ??
    writable.find((f) => f.name.toLowerCase() === column.toLowerCase());
  if (byName) return { column, field: byName.name, reason: 'api name' };
  const byLabel = writable.find((f) => f.label.toLowerCase() === column.trim().toLowerCase());
  if (byLabel) return { column, field: byLabel.name, reason: 'label' };
  const c = squash(column);
  const loose = writable.find((f) => squash(f.name) === c || squash(f.label) === c);
  if (loose) return { column, field: loose.name, reason: 'loose' };
  const alias = Object.hasOwn(ALIASES, c)
    ? (ALIASES[c] as string[]).map((n) => writable.find((f) => f.name === n)).find((f) => f !== undefined)
    : undefined;
  if (alias) return { column, field: alias.name, reason: 'alias' };
  const prefixed =
    c.length >= 4
      ? writable.filter((f) => squash(f.name).startsWith(c) || squash(f.label).startsWith(c))
      : [];
  if (prefixed.length === 1) return { column, field: (prefixed[0] as FieldInfo).name, reason: 'close' };
  let best: { f: FieldInfo; d: number } | undefined;
  if (c.length <= 100) {
    for (const f of writable) {
      const d = Math.min(editDistance(c, squash(f.name)), editDistance(c, squash(f.label)));
      if (!best || d < best.d) best = { f, d };
    }
  }
  if (best && c.length >= 4 && best.d <= Math.floor(c.length / 4))
    return { column, field: best.f.name, reason: 'close' };
  return { column, field: null, reason: 'none' };
}

/** A field for a column whose name says nothing, from what its values look like: addresses → Email, numbers → Phone. */
function proposeByValues(values: string[], fields: FieldInfo[], taken: Set<string>): string | null {
  const free = (type: string, preferred: string[]): string | null => {
    const candidates = fields.filter((f) => f.type === type && f.createable && !taken.has(f.name));
    for (const name of preferred) if (candidates.some((f) => f.name === name)) return name;
    return candidates[0]?.name ?? null;
  };
  if (mostly(values, (v) => EMAIL.test(v))) return free('email', ['Email']);
  if (mostly(values, isPhone)) return free('phone', ['Phone', 'MobilePhone']);
  return null;
}

/**
 * Proposes a field for each column: by name first; a field already taken goes to the column that names it
 * best; columns left without one are matched by their sampled values.
 */
export function proposeFields(
  columns: string[],
  samples: Map<string, string[]>,
  fields: FieldInfo[],
): ColumnProposal[] {
  const rank: Record<ProposalReason, number> = {
    'api name': 0,
    label: 1,
    loose: 2,
    alias: 3,
    close: 4,
    values: 5,
    none: 6,
  };
  const proposals = columns.map((c) => proposeByName(c, fields));
  const owner = new Map<string, ColumnProposal>();
  for (const p of proposals) {
    if (!p.field) continue;
    const held = owner.get(p.field);
    if (!held || rank[p.reason] < rank[held.reason]) {
      if (held) Object.assign(held, { field: null, reason: 'none' });
      owner.set(p.field, p);
    } else Object.assign(p, { field: null, reason: 'none' });
  }
  const taken = new Set(owner.keys());
  for (const p of proposals) {
    if (p.field) continue;
    const field = proposeByValues(samples.get(p.column) ?? [], fields, taken);
    if (field) {
      Object.assign(p, { field, reason: 'values' });
      taken.add(field);
    }
  }
  return proposals;
}

/**
 * Fields that identify one record, best first: external IDs, unique fields, then idLookup fields (Email on
 * Contact and Lead). Other fields are never proposed: matching on LastName merges strangers.
 */
export function matchCandidates(object: ObjectInfo, mapped: string[]): FieldInfo[] {
  const rank = (f: FieldInfo): number =>
    f.externalId ? (f.unique ? 0 : 1) : f.unique ? 2 : f.idLookup ? 3 : 4;
  return object.fields
    .filter((f) => mapped.includes(f.name) && f.filterable && f.name !== 'Id' && rank(f) < 4)
    .sort((a, b) => rank(a) - rank(b));
}

/** Why a field can be a match key, for the wizard and the written mapping. */
export function keyKind(f: FieldInfo): string {
  return f.externalId ? 'external ID' : f.unique ? 'unique' : 'idLookup';
}
