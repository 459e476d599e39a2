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

/** A line item names its price book entry (or product) and exactly one of UnitPrice and TotalPrice. */
function opportunityLineItem(store: OrgStore, row: Row): RecordError | null {
  if (row.PricebookEntryId == null && row.Product2Id == null) {
    // Verified text (help article 000383141).
    return recordError(
      'FIELD_INTEGRITY_EXCEPTION',
      'field integrity exception: PricebookEntryId, unknown (versions 3.0 and higher must specify pricebook entry id; others must specify product id)',
      ['PricebookEntryId', 'unknown'],
    );
  }
  if (row.UnitPrice != null && row.TotalPrice != null) {
    return recordError(
      'FIELD_INTEGRITY_EXCEPTION',
      'field integrity exception: TotalPrice (only one of unit price or total price may be specified)',
      ['TotalPrice'],
    );
  }
  const entry = typeof row.PricebookEntryId === 'string' ? store.find(row.PricebookEntryId)?.row : undefined;
  if (entry) {
    row.Product2Id = entry.Product2Id ?? null;
    row.ListPrice = entry.UnitPrice ?? null;
    if (row.UnitPrice == null && row.TotalPrice == null) row.UnitPrice = entry.UnitPrice ?? null;
  }
  const quantity = typeof row.Quantity === 'number' ? row.Quantity : null;
  if (quantity !== null && typeof row.UnitPrice === 'number') row.TotalPrice = row.UnitPrice * quantity;
  else if (quantity && typeof row.TotalPrice === 'number') row.UnitPrice = row.TotalPrice / quantity;
  return null;
}
