import fs from 'node:fs';
import { parse } from 'csv-parse';
import type { SalesforceClient } from '../salesforce/client.js';
import { BeforeImagesFile } from './undo-source.js';
import { undoFiles, type UndoProblem } from './undo-results.js';

/** A record an undo of a plan left as it is, that refers to the record kept. */
interface Holder {
  object: string;
  id: string;
  step: string;
}

/**
 * The records an undo of a plan must not delete: those that records it could not take back (conflicts, failures)
 * refer to. Salesforce deletes an account's contacts, opportunities and activities with it, a contact's campaign
 * memberships and activities, an opportunity's line items; other lookups are cleared. So deleting the parent of a
 * record left as it is would delete or change that record: the parent is kept, and reported.
 *
 * Memory: one entry per reference of a record left, not per record of the plan.
 */
export class KeptParents {
  private readonly byId = new Map<string, Holder>();

  get size(): number {
    return this.byId.size;
  }

  keep(id: string): UndoProblem | undefined {
    const holder = this.byId.get(id.slice(0, 15));
    if (!holder) return undefined;
    return {
      code: 'CHILD_NOT_REMOVED',
      message: `Not deleted: ${holder.object} ${holder.id}, which the undo of step ${holder.step} left as it is, refers to it, and Salesforce deletes or changes a record's children with it. Take that record back first (its reason is in ${holder.step}/failures.csv), then undo the plan again.`,
    };
  }

  /** Reads the references of the records a step's undo left, and keeps the records they point to. */
  async add(client: SalesforceClient, object: string, step: string, ids: Iterable<string>): Promise<void> {
    const unique = [...new Set([...ids].map((id) => id.replace(/[^A-Za-z0-9]/g, '')).filter(Boolean))];
    if (unique.length === 0) return;
    const info = await client.describe(object);
    const refs = info.fields
      .filter((f) => f.type === 'reference' && (f.createable || f.updateable))
      .map((f) => f.name);
    if (refs.length === 0) return;
    for (let at = 0; at < unique.length; at += 200) {
      const chunk = unique.slice(at, at + 200);
      const soql = `SELECT Id, ${refs.join(', ')} FROM ${info.name} WHERE Id IN (${chunk.map((id) => `'${id}'`).join(',')})`;
      for await (const row of client.query(soql)) {
        for (const f of refs) {
          const value = row[f];
          if (typeof value === 'string' && value !== '' && !this.byId.has(value.slice(0, 15)))
            this.byId.set(value.slice(0, 15), { object: info.name, id: String(row.Id), step });
        }
      }
    }
  }
}

/** The Ids of the records a step's undo left as they are (its failures.csv: conflicts, failures, skips). */
export async function leftIds(dir: string): Promise<string[]> {
  const file = undoFiles(dir).failures;
  if (!fs.existsSync(file)) return [];
  const ids: string[] = [];
  const rows = fs.createReadStream(file).pipe(parse({ columns: true, relax_column_count: true }));
  for await (const row of rows as AsyncIterable<Record<string, string>>) if (row.id) ids.push(row.id);
  return ids;
}

/**
 * The records a step's updates touched, from its before-images: for a resumed undo of a plan, whose steps taken
 * back before it stopped must still count as the plan's own changes to the records earlier steps created.
 */
export function touchedBy(dir: string, into: Set<string>): void {
  for (const { entry } of new BeforeImagesFile(dir).newestFirst())
    if (entry.op === 'update') into.add(entry.id.slice(0, 15));
}

/** The records a step created (from its before-images): its second pass's updates of them need no setting back. */
export function createdBy(dir: string): Set<string> {
  const ids = new Set<string>();
  for (const { entry } of new BeforeImagesFile(dir).newestFirst())
    if (entry.op === 'create') ids.add(entry.id.slice(0, 15));
  return ids;
}
