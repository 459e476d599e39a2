import type { ObjectData, OrgStore } from './store.js';
import { recordError, type RecordError, type Row } from './values.js';

/**
 * Object-specific rules of a new record beyond what describe says, for the objects of more-objects.json. The
 * sources and their confidence are in the shared metadata's more-objects.README.md ("Business rules"): codes marked
 * verified there are Salesforce's; messages marked unverified are its usual wording.
 */
export function newRecordRuleError(store: OrgStore, object: ObjectData, row: Row): RecordError | null {
  switch (object.meta.name) {
    case 'CampaignMember':
      return campaignMember(store, object, row);
    case 'PricebookEntry':
      return pricebookEntry(store, object, row);
    case 'OpportunityLineItem':
      return opportunityLineItem(store, row);
    default:
      return null;
  }
}

function liveRows(store: OrgStore, object: ObjectData, field: string, value: string): Row[] {
  const f = object.meta.fieldByLower.get(field.toLowerCase());
  if (!f) return [];
  return store.lookup(object, f, value).map((id) => object.live.get(id) as Row);
}

/** One member per campaign and person [verified: DUPLICATE_VALUE "Already a campaign member."]. */
function campaignMember(store: OrgStore, object: ObjectData, row: Row): RecordError | null {
  if (row.ContactId == null && row.LeadId == null)
    return recordError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [ContactId, LeadId]', [
      'ContactId',
      'LeadId',
    ]);
  // With both, Salesforce keeps the contact [doc Object Reference, CampaignMember].
  if (row.ContactId != null) delete row.LeadId;
  const person = row.ContactId != null ? 'ContactId' : 'LeadId';
  const taken = liveRows(store, object, 'CampaignId', row.CampaignId as string).some(
    (m) => m[person] === row[person],
  );
  return taken ? recordError('DUPLICATE_VALUE', 'Already a campaign member.', [person]) : null;
}

function standardPricebookId(store: OrgStore): string | undefined {
  const books = store.object('Pricebook2');
  for (const [id, book] of books?.live ?? []) if (book.IsStandard === true) return id;
  return undefined;
}

/** A product's standard price comes first; one entry per product and price book. */
function pricebookEntry(store: OrgStore, object: ObjectData, row: Row): RecordError | null {
  const standard = standardPricebookId(store);
  const entries = liveRows(store, object, 'Product2Id', row.Product2Id as string);
  if (entries.some((e) => e.Pricebook2Id === row.Pricebook2Id)) {
    return recordError('DUPLICATE_VALUE', 'This price definition already exists in this price book', [
      'Pricebook2Id',
    ]);
  }
  if (row.Pricebook2Id === standard) {
    if (row.UseStandardPrice === true)
      return recordError('FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: UseStandardPrice', [
        'UseStandardPrice',
      ]);
    return null;
  }
  if (!entries.some((e) => e.Pricebook2Id === standard)) {
    // Code verified (SOAP StatusCode); message unverified.
    return recordError('STANDARD_PRICE_NOT_DEFINED', 'No standard price defined for this product', []);
  }
  return null;
}

const NO_ENTRY = recordError(
  'FIELD_INTEGRITY_EXCEPTION',
  'field integrity exception: PricebookEntryId, unknown (versions 3.0 and higher must specify pricebook entry id; others must specify product id)',
  ['PricebookEntryId', 'unknown'],
);

/**
 * The entry a line item is priced by, in its opportunity's price book: the opportunity has one price book, and every
 * line item's entry is in it [doc Object Reference, OpportunityLineItem: "the API automatically sets the price book
 * on the opportunity" when it has none]. With Product2Id alone, the product's entry in that price book. The
 * messages are Salesforce's usual wording [unverified].
 */
function lineItemEntry(store: OrgStore, row: Row): { error: RecordError } | { entry?: Row } {
  const opportunity = typeof row.OpportunityId === 'string' ? store.find(row.OpportunityId)?.row : undefined;
  const book = opportunity?.Pricebook2Id ?? null;
  if (row.PricebookEntryId == null) {
    const entries = store.object('PricebookEntry');
    const field = entries?.meta.fieldByLower.get('product2id');
    const ids = entries && field ? store.lookup(entries, field, row.Product2Id as string) : [];
    const entry = ids.map((id) => entries?.live.get(id)).find((e) => e && e.Pricebook2Id === book);
    if (!entry || book === null) return { error: NO_ENTRY };
    row.PricebookEntryId = entry.Id ?? null;
    return { entry };
  }
  const entry = store.find(row.PricebookEntryId as string)?.row;
  if (!entry) return {};
  const integrity = (why: string): { error: RecordError } => ({
    error: recordError('FIELD_INTEGRITY_EXCEPTION', `field integrity exception: PricebookEntryId (${why})`, [
      'PricebookEntryId',
    ]),
  });
  if (entry.IsActive !== true) return integrity('pricebook entry is inactive');
  if (book !== null && book !== entry.Pricebook2Id)
    return integrity('pricebook entry is in a different pricebook than the one assigned to the opportunity');
  return { entry };
}

/** What a new record changes elsewhere once it is saved: a line item gives its opportunity its price book. */
export function afterCreate(store: OrgStore, object: ObjectData, row: Row): void {
  if (object.meta.name !== 'OpportunityLineItem' || typeof row.OpportunityId !== 'string') return;
  const opportunity = store.find(row.OpportunityId)?.row;
  const entry = typeof row.PricebookEntryId === 'string' ? store.find(row.PricebookEntryId)?.row : undefined;
  if (opportunity && opportunity.Pricebook2Id == null && entry?.Pricebook2Id)
    store.update(row.OpportunityId, { Pricebook2Id: entry.Pricebook2Id });
}

/** Records Salesforce refuses to delete: the standard price book is the org's, never deleted [unverified code]. */
export function deleteRuleError(object: ObjectData, row: Row): RecordError | null {
  if (object.meta.name === 'Pricebook2' && row.IsStandard === true)
    return recordError('DELETE_FAILED', 'Cannot delete the standard price book', []);
  return null;
}

/** A line item names its price book entry (or product) and exactly one of UnitPrice and TotalPrice. */
function opportunityLineItem(store: OrgStore, row: Row): RecordError | null {
  // Verified text (help article 000383141).
  if (row.PricebookEntryId == null && row.Product2Id == null) return NO_ENTRY;
  if (row.UnitPrice != null && row.TotalPrice != null) {
    return recordError(
      'FIELD_INTEGRITY_EXCEPTION',
      'field integrity exception: TotalPrice (only one of unit price or total price may be specified)',
      ['TotalPrice'],
    );
  }
  // One of the two is required on insert [Object Reference, OpportunityLineItem.TotalPrice: "you can't set both
  // TotalPrice and UnitPrice to null"]; the message is the usual wording [unverified].
  if (row.UnitPrice == null && row.TotalPrice == null)
    return recordError(
      'FIELD_INTEGRITY_EXCEPTION',
      'field integrity exception: TotalPrice (must specify either TotalPrice or UnitPrice)',
      ['TotalPrice'],
    );
  const found = lineItemEntry(store, row);
  if ('error' in found) return found.error;
  const { entry } = found;
  if (entry) {
    row.Product2Id = entry.Product2Id ?? null;
    row.ListPrice = entry.UnitPrice ?? null;
  }
  const quantity = typeof row.Quantity === 'number' ? row.Quantity : null;
  if (quantity !== null && typeof row.UnitPrice === 'number') row.TotalPrice = row.UnitPrice * quantity;
  else if (quantity && typeof row.TotalPrice === 'number') row.UnitPrice = row.TotalPrice / quantity;
  return null;
}
