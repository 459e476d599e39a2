import { csvField } from '../core/csv-quote.js';
import type { SaveResult } from '../salesforce/client.js';

/** A Bulk API 2.0 CSV cell: null clears the field (`#N/A`), a missing value leaves it as it is (empty). */
function cell(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return '#N/A';
  return typeof value === 'string' ? value : String(value);
}

/** Bulk uploads quote as every CSV sfsync writes does. */
export const quote = csvField;

export function columnsOf(records: Array<Record<string, unknown>>): string[] {
  const columns = new Set<string>();
  for (const r of records) {
    for (const k in r) {
      const v = r[k];
      // A parent by external ID becomes a relationship column: Account.External_Id__c.
      if (v !== null && typeof v === 'object') for (const key in v) columns.add(`${k}.${key}`);
      else columns.add(k);
    }
  }
  return [...columns];
}

function valueAt(record: Record<string, unknown>, column: string): unknown {
  const dot = column.indexOf('.');
  if (dot < 0) return record[column];
  const parent = record[column.slice(0, dot)];
  return parent !== null && typeof parent === 'object'
    ? (parent as Record<string, unknown>)[column.slice(dot + 1)]
    : undefined;
}

/** A record as the line of a job's CSV with these columns (without its newline). */
export function csvLineOf(columns: string[], record: Record<string, unknown>): string {
  return columns.map((c) => quote(cell(valueAt(record, c)))).join(',');
}

/** The uploaded values a result row repeats, as the CSV line they were uploaded as. */
export function resultLine(values: string[]): string {
  return values.map(quote).join(',');
}

/**
 * The record a row of a job's results repeats, as it was sent: the uploaded columns' values, `#N/A` as null, an
 * empty cell left out (Bulk ignores it), `Account.External_Id__c` as a parent reference. `at`: where each of the
 * job's columns is in the row.
 */
export function recordOfRow(
  columns: readonly string[],
  row: readonly string[],
  at: readonly number[],
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let k = 0; k < columns.length; k++) {
    const column = columns[k] as string;
    const i = at[k] as number;
    const text = i < 0 ? '' : (row[i] ?? '');
    if (text === '') continue;
    const value = text === '#N/A' ? null : text;
    const dot = column.indexOf('.');
    if (dot < 0) record[column] = value;
    else {
      const key = column.slice(0, dot);
      const parent = (record[key] ??= {}) as Record<string, unknown>;
      parent[column.slice(dot + 1)] = value;
    }
  }
  return record;
}

/** `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --` → its code, message and fields. */
export function parseBulkError(text: string): SaveResult['errors'][number] {
  const body = text.replace(/\s*--\s*$/, '');
  const first = body.indexOf(':');
  const last = body.lastIndexOf(':');
  if (first < 0) return { statusCode: 'UNKNOWN_EXCEPTION', message: body, fields: [] };
  const statusCode = body.slice(0, first);
  const message = last > first ? body.slice(first + 1, last) : body.slice(first + 1);
  const fields =
    last > first
      ? body
          .slice(last + 1)
          .split(',')
          .filter(Boolean)
      : [];
  return { statusCode, message, fields };
}

/**
 * Why a record cannot go in a Bulk job as it is, if it cannot: Bulk API 2.0 reads a cell holding `#N/A` as "clear
 * the field" where REST stores the text, so the same input would mean something else on each API.
 */
function refusal(columns: string[], record: Record<string, unknown>): SaveResult | undefined {
  const field = columns.find((c) => valueAt(record, c) === '#N/A');
  if (field === undefined) return undefined;
  return {
    success: false,
    errors: [
      {
        statusCode: 'BULK_NA_TEXT',
        message: `${field} holds the text "#N/A", which Bulk API 2.0 reads as "clear the field" (REST stores the text): not sent.`,
        fields: [field],
      },
    ],
  };
}

/** A record whose values cannot be written as CSV: it fails alone, before anything of it is sent. */
function unwritable(err: unknown): SaveResult {
  return {
    success: false,
    errors: [
      {
        statusCode: 'BULK_CSV_UNWRITABLE',
        message: `Its values cannot be written as a line of a Bulk job's CSV (${err instanceof Error ? err.message : String(err)}): not sent.`,
        fields: [],
      },
    ],
  };
}

/**
 * Writes records as lines of a job with these columns, the same lines `csvLineOf` gives, with the columns parsed
 * once instead of for every cell. A record that cannot go in the job gets its failure instead of a line.
 */
export function lineWriter(columns: string[]): (record: Record<string, unknown>) => string | SaveResult {
  const keys = columns.map((c) => (c.includes('.') ? c.slice(0, c.indexOf('.')) : c));
  const subs = columns.map((c) => (c.includes('.') ? c.slice(c.indexOf('.') + 1) : undefined));
  const n = columns.length;
  return (record) => {
    let line = '';
    try {
      for (let c = 0; c < n; c++) {
        let v = record[keys[c] as string];
        const sub = subs[c];
        if (sub !== undefined)
          v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[sub] : undefined;
        if (v === '#N/A') return refusal(columns, record) as SaveResult;
        const text = quote(cell(v));
        line = c === 0 ? text : `${line},${text}`;
      }
    } catch (err) {
      // A refusal says more than the error of a value met before it.
      return refusal(columns, record) ?? unwritable(err);
    }
    return line;
  };
}
