import { SfsyncError } from '../errors.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';

/**
 * Exports of at least this many rows go through a Bulk API 2.0 query job when --api is auto: REST pages hold 2,000
 * rows a call, a Bulk job reads 100,000 rows a call after a few calls to open and poll it.
 */
export const AUTO_BULK_EXPORT_ROWS = 10_000;

export type ExportFormat = 'csv' | 'ndjson';

/** Where exported rows go: the columns once, then one row at a time, in column order. */
export interface ExportSink {
  begin(columns: string[]): void;
  row(values: unknown[]): void;
}

export interface ExportSpec {
  soql: string;
  api: 'rest' | 'bulk' | 'auto';
  /** Deleted and archived rows too (queryAll). */
  allRows: boolean;
  /** NDJSON keeps the types of values (numbers, booleans, null) and child records; CSV is text. */
  format: ExportFormat;
}

export interface ExportOutcome {
  object: string;
  api: 'rest' | 'bulk';
  jobId: string | null;
  records: number;
  columns: string[];
}

/** One item of a SELECT list: a field path, an aggregate or function with its result name, or a child subquery. */
interface SelectItem {
  text: string;
  /** The key Salesforce gives it in a REST record (a path for fields). */
  key: string;
  kind: 'field' | 'expression' | 'subquery';
}

/** The top-level parts of a SOQL query: its SELECT items and its FROM object. */
export function parseSelect(soql: string): { items: SelectItem[]; object: string } {
  const text = soql.trim();
  if (!/^select\s/i.test(text))
    throw new SfsyncError('USAGE', `Not a SOQL query: "${clip(text)}".`, {
      hint: 'Pass a query that starts with SELECT, or use --object NAME [--fields ...] [--where ...].',
    });
  // The top-level FROM: outside parentheses (subqueries) and quotes.
  let depth = 0;
  let quoted = false;
  let from = -1;
  for (let i = 6; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /\s/.test(c ?? '') && /^\sfrom\s/i.test(text.slice(i, i + 6))) {
      from = i;
      break;
    }
  }
  const object = from < 0 ? undefined : /^\s+from\s+([A-Za-z]\w*)/i.exec(text.slice(from))?.[1];
  if (!object)
    throw new SfsyncError('USAGE', `The query has no FROM object: "${clip(text)}".`, {
      hint: 'Write it as SELECT field, ... FROM Object [WHERE ...].',
    });
  const list: string[] = [];
  let start = 6;
  depth = 0;
  for (let i = 6; i <= from; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if ((c === ',' && depth === 0) || i === from) {
      list.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  let unnamed = 0;
  const items = list.map((item): SelectItem => {
    if (item === '')
      throw new SfsyncError('USAGE', `The query's SELECT list has an empty item: "${clip(text)}".`);
    if (/^typeof\s/i.test(item))
      throw new SfsyncError('USAGE', 'TYPEOF cannot be exported as columns.', {
        hint: 'Select the polymorphic fields by path instead (What.Name, What.Type).',
      });
    if (item.startsWith('(')) {
      const rel = /\bfrom\s+([A-Za-z]\w*)/i.exec(item)?.[1] ?? item;
      return { text: item, key: rel, kind: 'subquery' };
    }
    if (/^count\s*\(\s*\)$/i.test(item))
      throw new SfsyncError('USAGE', 'SELECT COUNT() answers a number, not rows to export.', {
        hint: 'Use COUNT(Id) (one row with the count), or select the fields of the records.',
      });
    const call = /^([A-Za-z]\w*)\s*\(([^()]*)\)\s*([A-Za-z]\w*)?$/.exec(item);
    if (call) {
      const [, fn = '', inner = '', alias] = call;
      // toLabel, format and convertCurrency answer under the field's own name; aggregates as expr0, expr1, ...
      const named = ['tolabel', 'format', 'convertcurrency'].includes(fn.toLowerCase());
      return {
        text: item,
        key: alias ?? (named ? inner.trim() : `expr${unnamed++}`),
        kind: named && !alias ? 'field' : 'expression',
      };
    }
    if (!/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(item))
      throw new SfsyncError('USAGE', `Cannot export the SELECT item "${clip(item)}" as a column.`, {
        hint: 'Select fields (Name, Account.Name), aggregates (COUNT(Id) n) or child subqueries.',
      });
    return { text: item, key: item, kind: 'field' };
  });
  return { items, object };
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * A field path spelled as the API names are (`account.name` → `Account.Name`), following relationships through
 * describe (each object described once); a part describe does not know is left as written.
 */
async function canonicalPath(
  path: string,
  object: ObjectInfo,
  describe: (name: string) => Promise<ObjectInfo | null>,
): Promise<string> {
  const parts = path.split('.');
  const out: string[] = [];
  let current: ObjectInfo | null = object;
  for (const [i, part] of parts.entries()) {
    const lower = part.toLowerCase();
    if (!current) {
      out.push(part);
      continue;
    }
    if (i === parts.length - 1) {
      out.push(current.fields.find((f) => f.name.toLowerCase() === lower)?.name ?? part);
      break;
    }
    const rel: FieldInfo | undefined = current.fields.find(
      (f) => f.relationshipName?.toLowerCase() === lower,
    );
    out.push(rel?.relationshipName ?? part);
    const target: string | undefined = rel?.referenceTo.length === 1 ? rel.referenceTo[0] : undefined;
    current = target ? await describe(target) : null;
  }
  return out.join('.');
}

/**
 * A REST record as flat columns: relationship records become `Account.Name` keys (lower-cased for lookup, as
 * SOQL names are case-insensitive); child subquery results are kept as lists of flat records.
 */
function flatten(
  record: Record<string, unknown>,
  prefix = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    const name = `${prefix}${key}`.toLowerCase();
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      if ('attributes' in v) flatten(v, `${prefix}${key}.`, out);
      else if (Array.isArray(v.records) && 'totalSize' in v)
        out.set(
          name,
          (v.records as Array<Record<string, unknown>>).map((r) => Object.fromEntries(flattenNamed(r))),
        );
      else out.set(name, value);
    } else out.set(name, value);
  }
  return out;
}

/** A flat record with its keys as Salesforce spelled them (for child records in NDJSON). */
function flattenNamed(record: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    if (value !== null && typeof value === 'object' && 'attributes' in value)
      out.push(...flattenNamed(value, `${prefix}${key}.`));
    else out.push([`${prefix}${key}`, value]);
  }
  return out;
}

/** A Bulk CSV cell as the value REST would have given, from the field's type (NDJSON keeps types). */
function typedCell(cell: string, field: FieldInfo | undefined): unknown {
  if (cell === '') return null;
  switch (field?.type) {
    case 'boolean':
      return cell === 'true';
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return Number.isFinite(Number(cell)) ? Number(cell) : cell;
    default:
      return cell;
  }
}

/** A query the chosen format or API cannot carry is refused; returns whether a Bulk query job can run it. */
function checkExportable(spec: ExportSpec, items: ReturnType<typeof parseSelect>['items']): boolean {
  const subqueries = items.filter((i) => i.kind === 'subquery');
  if (subqueries.length > 0 && spec.format === 'csv')
    throw new SfsyncError(
      'USAGE',
      `Child subqueries (${subqueries.map((s) => s.key).join(', ')}) cannot be flattened into CSV columns.`,
      {
        hint: 'Use --format ndjson (each record carries its child records), or export the children on their own.',
      },
    );
  // Bulk API 2.0 query jobs take neither aggregates, child subqueries nor GROUP BY.
  const bulkable = items.every((i) => i.kind === 'field') && !/\bgroup\s+by\b/i.test(spec.soql);
  if (spec.api === 'bulk' && !bulkable)
    throw new SfsyncError(
      'USAGE',
      'A Bulk API 2.0 query job cannot run this query (aggregate functions, child subqueries or GROUP BY).',
      { hint: 'Leave out --api bulk (REST pages run it), or select plain fields.' },
    );
  return bulkable;
}

/** The export as one Bulk API 2.0 query job; `counted` carries what REST paging had counted before it gave way. */
async function bulkExport(
  spec: ExportSpec,
  client: SalesforceClient,
  sink: ExportSink,
  described: ObjectInfo,
  columns: string[],
  counted: { records: number; total: number | null },
  onRows?: (rows: number, total: number | null) => void,
): Promise<ExportOutcome> {
  let { records } = counted;
  const { total } = counted;
  const byName = new Map(described.fields.map((f) => [f.name.toLowerCase(), f]));
  let fields: Array<FieldInfo | undefined> = [];
  let begun = false;
  const { jobId } = await client.bulkQuery(
    spec.soql,
    (header, row) => {
      if (!begun) {
        fields = header.map((h) => byName.get(h.toLowerCase()));
        sink.begin(header);
        begun = true;
      }
      sink.row(spec.format === 'csv' ? row : row.map((cell, i) => typedCell(cell, fields[i])));
      records++;
      if (records % 10_000 === 0) onRows?.(records, total);
    },
    undefined,
    { all: spec.allRows },
  );
  if (!begun) sink.begin(columns);
  onRows?.(records, total ?? records);
  return { object: described.name, api: 'bulk', jobId, records, columns };
}

/**
 * Runs one export: REST paging, or a Bulk API 2.0 query job (forced, or chosen by --api auto once the first REST
 * page tells how many rows there are). Rows go to the sink one at a time, so memory stays flat.
 */
export async function runExport(
  spec: ExportSpec,
  client: SalesforceClient,
  sink: ExportSink,
  onRows?: (rows: number, total: number | null) => void,
): Promise<ExportOutcome> {
  const { items, object: named } = parseSelect(spec.soql);
  const described = await client.describe(named);
  const bulkable = checkExportable(spec, items);
  const parents = new Map<string, Promise<ObjectInfo | null>>();
  const describe = (name: string): Promise<ObjectInfo | null> => {
    let d = parents.get(name);
    if (!d) {
      d = client.describe(name).catch(() => null);
      parents.set(name, d);
    }
    return d;
  };
  const columns: string[] = [];
  for (const i of items)
    columns.push(i.kind === 'field' ? await canonicalPath(i.key, described, describe) : i.key);
  let records = 0;
  let total: number | null = null;
  if (spec.api !== 'bulk') {
    let tooBig = false;
    let begun = false;
    for await (const record of client.query(spec.soql, {
      all: spec.allRows,
      onTotal: (n) => {
        total = n;
        tooBig = spec.api === 'auto' && bulkable && n >= AUTO_BULK_EXPORT_ROWS;
      },
    })) {
      if (tooBig) break;
      const flat = flatten(record);
      if (!begun) {
        sink.begin(columns);
        begun = true;
      }
      sink.row(items.map((i) => flat.get(i.key.toLowerCase()) ?? null));
      records++;
      if (records % 2000 === 0) onRows?.(records, total);
    }
    if (!tooBig) {
      if (!begun) sink.begin(columns);
      onRows?.(records, total);
      return { object: described.name, api: 'rest', jobId: null, records, columns };
    }
  }
  return bulkExport(spec, client, sink, described, columns, { records, total }, onRows);
}

/** The SOQL of `--object X [--fields ...] [--where ...] [--limit N]`: every plain field unless --fields names them. */
export function objectQuery(
  object: ObjectInfo,
  options: { fields?: string[]; where?: string; limit?: number },
): string {
  const fields =
    options.fields ??
    object.fields
      // Compound fields (addresses, geolocations) come as their parts; base64 bodies do not belong in a row.
      .filter((f) => !['address', 'location', 'base64'].includes(f.type))
      .map((f) => f.name);
  const where = options.where ? ` WHERE ${options.where.replace(/^\s*where\s+/i, '')}` : '';
  const limit = options.limit === undefined ? '' : ` LIMIT ${options.limit}`;
  return `SELECT ${fields.join(', ')} FROM ${object.name}${where}${limit}`;
}
