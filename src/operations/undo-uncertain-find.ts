import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { FAILURE_COLUMNS, inputColumnName } from '../core/result-columns.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { BEFORE_FILE } from './before-images.js';
import { mappingHash, readJournalHeader } from './journal.js';
import { SENT_UNANSWERED } from './results.js';
import { inQueries } from './soql.js';

/** What undo learned in the org of the creates a run sent without an answer (UNCERTAIN and the like). */
export interface UncertainFound {
  /** Found by their key, created while the run ran: the run's; their Ids are now in its before-images. */
  found: Array<{ line: number; id: string }>;
  /** Their key is in no record of the org: the create did not happen (or the record is gone already). */
  absent: number[];
  /** The key field each was looked for by. */
  keys: string[];
}

/** Lines whose create image the run's before-images hold (written by the run, or by an earlier undo's find). */
export function createdLines(dir: string): Set<number> {
  const lines = new Set<number>();
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, BEFORE_FILE), 'latin1');
  } catch {
    return lines;
  }
  for (const m of text.matchAll(/"op":"create","line":(\d+)/g)) lines.add(Number(m[1]));
  return lines;
}

/**
 * Which field of the object each input column fills: the columns themselves without a mapping, or a plan step's
 * mapping (plan-inputs/STEP.mapping.json, the very one its journal hashed), plain columns only (a transformed
 * value is not the column's). Null when the run's mapping cannot be known (a mapping file the journal names only
 * by its hash).
 */
function columnFields(dir: string, mapping: string | null): Map<string, string> | null {
  if (mapping === null) return null;
  const file = path.join(path.dirname(dir), 'plan-inputs', `${path.basename(dir)}.mapping.json`);
  if (!fs.existsSync(file) || mappingHash(file) !== mapping) return new Map();
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { fields?: Record<string, unknown> };
  const out = new Map<string, string>();
  for (const [field, f] of Object.entries(doc.fields ?? {})) {
    if (typeof f === 'string') out.set(f, field);
    else if (f && typeof f === 'object') {
      const { column, transform } = f as { column?: unknown; transform?: unknown };
      if (typeof column === 'string' && (!Array.isArray(transform) || transform.length === 0))
        out.set(column, field);
    }
  }
  return out;
}

/** The uncertain rows of the run's failures.csv: each line with its input, by column name. */
async function uncertainRows(dir: string): Promise<Array<{ line: number; values: Record<string, string> }>> {
  const file = path.join(dir, 'failures.csv');
  if (!fs.existsSync(file)) return [];
  const rows: Array<{ line: number; values: Record<string, string> }> = [];
  let names: string[] | null = null;
  const source = fs.createReadStream(file);
  try {
    for await (const cells of source.pipe(parse({ bom: true, relax_column_count: true })) as AsyncIterable<
      string[]
    >) {
      if (!names) {
        if (FAILURE_COLUMNS.some((c, i) => cells[i] !== c)) return [];
        names = cells.map((c, i) => (i < FAILURE_COLUMNS.length ? '' : inputColumnName(c)));
        continue;
      }
      if (!SENT_UNANSWERED.has(cells[3] ?? '')) continue;
      const values: Record<string, string> = {};
      names.forEach((n, i) => n && (values[n] = cells[i] ?? ''));
      rows.push({ line: Number(cells[0]), values });
    }
  } catch {
    // A row cut short by a kill: the rows read are looked for.
  } finally {
    source.destroy();
  }
  return rows;
}

const TEXT = new Set(['string', 'email', 'phone', 'url', 'picklist', 'textarea']);

/** A field that names one record: an external ID, a unique field, an idLookup one (Email on Contact); not Id. */
function isKey(f: FieldInfo): boolean {
  return f.name !== 'Id' && (f.externalId || f.unique || f.idLookup);
}

/**
 * The creates of a create run sent without an answer, looked for in the org by a key the row carries: a record
 * holding it that was created after the run began is the run's (a record that held it before would have made the
 * create fail as a duplicate); two records holding it prove nothing. A key no record holds means no record was
 * created. Rows without a key, or whose mapping is unknown, stay unaccounted.
 */
export async function findUncertainCreates(
  dir: string,
  object: ObjectInfo,
  client: SalesforceClient,
): Promise<UncertainFound> {
  const none: UncertainFound = { found: [], absent: [], keys: [] };
  const header = await readJournalHeader(dir);
  if (!header || header.operation !== 'create') return none;
  const since = fs.statSync(path.join(dir, 'journal.ndjson')).birthtimeMs;
  if (!since) return none;
  const mapped = columnFields(dir, header.mapping);
  const fieldOf = (column: string): FieldInfo | undefined => {
    const name = mapped ? mapped.get(column) : column;
    return name ? object.fields.find((f) => f.name.toLowerCase() === name.toLowerCase()) : undefined;
  };
  const done = createdLines(dir);
  const byKey = new Map<FieldInfo, Map<string, Array<{ line: number; values: Record<string, string> }>>>();
  const texts = new Set<FieldInfo>();
  for (const row of await uncertainRows(dir)) {
    if (done.has(row.line)) continue;
    let key: [FieldInfo, string] | undefined;
    for (const [column, value] of Object.entries(row.values)) {
      const field = fieldOf(column);
      if (!field || value.trim() === '') continue;
      if (TEXT.has(field.type) && field.createable) texts.add(field);
      if (!key && isKey(field)) key = [field, value.trim().toLowerCase()];
    }
    if (!key) continue;
    const [field, k] = key;
    const values =
      byKey.get(field) ?? new Map<string, Array<{ line: number; values: Record<string, string> }>>();
    values.set(k, [...(values.get(k) ?? []), row]);
    byKey.set(field, values);
  }
  const result: UncertainFound = { found: [], absent: [], keys: [...byKey.keys()].map((f) => f.name) };
  const select = ['Id', 'CreatedDate', ...[...texts].map((f) => f.name)];
  // What the row sent, as the record holds it: the text fields the row fills (case and edge spaces aside).
  const same = (r: Record<string, unknown>, values: Record<string, string>): boolean =>
    Object.entries(values).every(([column, v]) => {
      const f = fieldOf(column);
      if (!f || !texts.has(f) || v.trim() === '') return true;
      return (
        String(r[f.name] ?? '')
          .trim()
          .toLowerCase() === v.trim().toLowerCase()
      );
    });
  for (const [field, values] of byKey) {
    const held = new Map<string, Array<Record<string, unknown>>>();
    const fields = [...new Set([...select, field.name])];
    for (const q of inQueries(object.name, fields, field, [...values.keys()]))
      for await (const r of client.query(q)) {
        const k = String(r[field.name] ?? '').toLowerCase();
        held.set(k, [...(held.get(k) ?? []), r]);
      }
    for (const [k, rows] of values) {
      const records = held.get(k) ?? [];
      const [row] = rows;
      const [record] = records;
      if (records.length === 0) result.absent.push(...rows.map((x) => x.line));
      // One row, one record holding what it sent, made after the run began (CreatedDate has whole seconds: one
      // made in the run's first second is not proved, and stays listed).
      else if (
        row &&
        record &&
        rows.length === 1 &&
        records.length === 1 &&
        Date.parse(String(record.CreatedDate)) >= since &&
        same(record, row.values)
      )
        result.found.push({ line: row.line, id: String(record.Id) });
    }
  }
  return result;
}

/** The found records go into the run's before-images, as the run would have written them had it heard back. */
export function recordFound(dir: string, found: UncertainFound['found']): void {
  if (found.length === 0) return;
  const file = path.join(dir, BEFORE_FILE);
  // A last image cut short by a kill (readers skip it) is dropped, so that the lines added read.
  const size = fs.statSync(file).size;
  const tail = Buffer.alloc(Math.min(size, 65_536));
  const fd = fs.openSync(file, 'r+');
  try {
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const end = tail.lastIndexOf(10);
    if (end < tail.length - 1) fs.ftruncateSync(fd, size - tail.length + end + 1);
  } finally {
    fs.closeSync(fd);
  }
  const lines = found.map(
    (f) => `${JSON.stringify({ op: 'create', line: f.line, id: f.id, found: true })}\n`,
  );
  fs.appendFileSync(file, lines.join(''));
}
