import type { BulkJobSpec, SalesforceClient, SaveResult } from '../salesforce/client.js';
import type { RecordWriter } from './writer.js';

export interface BulkJobReport {
  id: string;
  operation: BulkJobSpec['operation'];
  object: string;
  records: number;
  state: string;
  errorMessage?: string;
}

/** A Bulk API 2.0 CSV cell: null clears the field (`#N/A`), a missing value leaves it as it is (empty). */
function cell(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return '#N/A';
  return typeof value === 'string' ? value : String(value);
}

function quote(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function columnsOf(records: Array<Record<string, unknown>>): string[] {
  const columns = new Set<string>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      // A parent by external ID becomes a relationship column: Account.External_Id__c.
      if (v !== null && typeof v === 'object') for (const key of Object.keys(v)) columns.add(`${k}.${key}`);
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
 * Writes through Bulk API 2.0: the records become one CSV per job (split to stay under the upload limit), each
 * job is run step by step, and Salesforce's unordered results are joined back to the records by their values.
 */
export class BulkWriter implements RecordWriter {
  readonly jobs: BulkJobReport[] = [];

  constructor(
    private readonly client: SalesforceClient,
    private readonly maxUploadBytes: number,
    private readonly onJob: (job: BulkJobReport) => void = () => {},
  ) {}

  create(object: string, records: Array<Record<string, unknown>>): Promise<SaveResult[]> {
    return this.run({ object, operation: 'insert' }, records);
  }
  update(object: string, records: Array<Record<string, unknown> & { Id: string }>): Promise<SaveResult[]> {
    return this.run({ object, operation: 'update' }, records);
  }
  upsert(object: string, field: string, records: Array<Record<string, unknown>>): Promise<SaveResult[]> {
    return this.run({ object, operation: 'upsert', externalIdFieldName: field }, records);
  }
  delete(object: string, ids: string[]): Promise<SaveResult[]> {
    return this.run(
      { object, operation: 'delete' },
      ids.map((Id) => ({ Id })),
    );
  }

  private async run(spec: BulkJobSpec, records: Array<Record<string, unknown>>): Promise<SaveResult[]> {
    const columns = columnsOf(records);
    const header = `${columns.map(quote).join(',')}\n`;
    const rows = records.map((r) => columns.map((c) => cell(valueAt(r, c))));
    const results: Array<SaveResult | undefined> = new Array(records.length);
    let start = 0;
    while (start < rows.length) {
      let size = Buffer.byteLength(header);
      let end = start;
      const lines: string[] = [];
      while (end < rows.length) {
        const line = `${(rows[end] as string[]).map(quote).join(',')}\n`;
        const bytes = Buffer.byteLength(line);
        if (lines.length > 0 && size + bytes > this.maxUploadBytes) break;
        lines.push(line);
        size += bytes;
        end++;
      }
      await this.runJob(spec, header + lines.join(''), columns, rows, start, end, results);
      start = end;
    }
    return results.map(
      (r) =>
        r ?? {
          success: false,
          errors: [
            {
              statusCode: 'BULK_RESULT_MISSING',
              message: 'The Bulk API job returned no result for this record.',
              fields: [],
            },
          ],
        },
    );
  }

  private async runJob(
    spec: BulkJobSpec,
    csv: string,
    columns: string[],
    rows: string[][],
    start: number,
    end: number,
    results: Array<SaveResult | undefined>,
  ): Promise<void> {
    const report: BulkJobReport = {
      id: '',
      operation: spec.operation,
      object: spec.object,
      records: end - start,
      state: 'Open',
    };
    const outcome = await this.client.bulkIngest(spec, csv, (id) => {
      report.id = id;
      this.jobs.push(report);
      this.onJob(report);
    });
    report.state = outcome.state;
    report.errorMessage = outcome.errorMessage;
    // Results come back in any order; a row is known by the values it was uploaded with.
    const byValues = new Map<string, number[]>();
    for (let i = start; i < end; i++) {
      const key = JSON.stringify(rows[i]);
      const list = byValues.get(key) ?? [];
      list.push(i);
      byValues.set(key, list);
    }
    const take = (row: Record<string, string>): number | undefined =>
      byValues.get(JSON.stringify(columns.map((c) => row[c] ?? '')))?.shift();
    for (const row of outcome.successful) {
      const i = take(row);
      if (i !== undefined)
        results[i] = { id: row.sf__Id, success: true, created: row.sf__Created === 'true', errors: [] };
    }
    for (const row of outcome.failed) {
      const i = take(row);
      if (i !== undefined)
        results[i] = {
          id: row.sf__Id || undefined,
          success: false,
          errors: [parseBulkError(row.sf__Error ?? '')],
        };
    }
    const notDone =
      outcome.state === 'Failed'
        ? {
            statusCode: 'BULK_JOB_FAILED',
            message: `Bulk job ${outcome.jobId} failed: ${outcome.errorMessage ?? 'no reason given'}`,
            fields: [],
          }
        : {
            statusCode: 'NOT_PROCESSED',
            message: `Bulk job ${outcome.jobId} ended ${outcome.state} before processing this record.`,
            fields: [],
          };
    for (let i = start; i < end; i++) if (!results[i]) results[i] = { success: false, errors: [notDone] };
  }
}
