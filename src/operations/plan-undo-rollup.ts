import type { SalesforceClient } from '../salesforce/client.js';
import { createdBy } from './plan-undo-keep.js';
import { BeforeImagesFile } from './undo-source.js';

/**
 * Children whose creation writes their parent: Salesforce gives an opportunity the price book of its first line
 * item and sums their prices into its Amount [doc Object Reference, OpportunityLineItem]. A parent a plan created,
 * whose line items a later step of the same plan created, was changed by the plan itself, not by someone else.
 */
const WRITES_PARENT: Record<string, string> = { opportunitylineitem: 'OpportunityId' };
const PER_QUERY = 200;

/**
 * Adds to `touched` the parents the step's created records wrote (read with queryAll: an undo that resumes may
 * already have deleted them), so the undo of the step that created those parents does not take that write for
 * someone else's change.
 */
export async function parentsWritten(
  client: SalesforceClient,
  dir: string,
  touched: Set<string>,
): Promise<void> {
  let object: string;
  try {
    object = new BeforeImagesFile(dir).header.object;
  } catch {
    return;
  }
  const field = WRITES_PARENT[object.toLowerCase()];
  if (!field) return;
  const ids = [...createdBy(dir)];
  for (let at = 0; at < ids.length; at += PER_QUERY) {
    const list = ids
      .slice(at, at + PER_QUERY)
      .map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`)
      .join(',');
    for await (const row of client.query(`SELECT ${field} FROM ${object} WHERE Id IN (${list})`, {
      all: true,
    }))
      if (typeof row[field] === 'string') touched.add(row[field].slice(0, 15));
  }
}
