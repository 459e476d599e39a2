import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { csvField } from '../core/csv-quote.js';
import type { PlanReference, PlanStep } from '../mapping/plan-types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { KeyCensus } from './key-census.js';
import { keyOf } from './plan-keys.js';
import { isClash } from './plan-key-map.js';
import type { PlanStepResult } from './plan-run.js';
import { clashLines, type PlanMemory } from './plan-references.js';
import { emptyCounts, type Counts } from './results.js';
import { inQueries, matchKey } from './soql.js';

/** A row of the second pass: its Ids to set, the keys left to the org, and why it would fail. */
interface Pending {
  row: Record<string, string>;
  id: string;
  want: Array<[string, string]>;
  /** Keys the run does not have, looked up in the org as the real pass does: [ref, key field, key, as written]. */
  ask: Array<[PlanReference, FieldInfo, string, string]>;
  sure: boolean;
  failure?: { code: string; status: string; message: string; field: string; ids?: string[] };
}

const isPlaceholder = (id: string): boolean => id.startsWith('(');
/** An Id as its 15 characters; a placeholder whole. */
const idKey = (id: string): string => (isPlaceholder(id) ? id : id.slice(0, 15));
type Org = { client: SalesforceClient; object: ObjectInfo };

/** The org's Ids of these key values (matched as the real lookup matches): key → Ids. */
async function lookUp(org: Org, field: FieldInfo, values: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const q of inQueries(org.object.name, ['Id', field.name], field, [...new Set(values)]))
    for await (const row of org.client.query(q)) {
      const k = matchKey(field, row[field.name]);
      if (k !== null) found.set(k, [...(found.get(k) ?? []), String(row.Id)]);
    }
  return found;
}

/** Fills the org's answers in: a key found once is the Id to set, none fails the row as the real pass would. */
async function resolveInOrg(batch: Pending[], org: Org): Promise<void> {
  const byField = new Map<FieldInfo, string[]>();
  for (const p of batch) for (const [, f, v] of p.ask) byField.set(f, [...(byField.get(f) ?? []), v]);
  const answers = new Map<FieldInfo, Map<string, string[]>>();
  for (const [f, values] of byField) answers.set(f, await lookUp(org, f, values));
  for (const p of batch)
    for (const [ref, f, v, raw] of p.ask) {
      if (p.failure) break;
      const ids = answers.get(f)?.get(v) ?? [];
      if (ids.length === 1) p.want.push([ref.field, ids[0] as string]);
      else
        p.failure = {
          code: ids.length === 0 ? 'LOOKUP_NOT_FOUND' : 'LOOKUP_AMBIGUOUS',
          status: ids.length === 0 ? '' : '300',
          message:
            ids.length === 0
              ? `${ref.field}: no ${org.object.name} has ${f.name} = ${raw}`
              : `${ref.field}: ${ids.length} ${org.object.name} records have ${f.name} = ${raw}`,
          field: ref.field,
          ids: ids.length > 1 ? ids : undefined,
        };
    }
}

/** Records whose self-references already hold the Ids they would get are unchanged (not sent), as in a real run. */
async function countKnown(known: Pending[], refs: PlanReference[], org: Org, counts: Counts): Promise<void> {
  const idField = org.object.fields.find((f) => f.name === 'Id');
  if (known.length === 0 || !idField) return;
  const current = new Map<string, Record<string, unknown>>();
  const select = ['Id', ...new Set(refs.map((r) => r.field))];
  for (const q of inQueries(
    org.object.name,
    select,
    idField,
    known.map((k) => k.id),
  ))
    for await (const row of org.client.query(q)) current.set(String(row.Id).slice(0, 15), row);
  for (const k of known) {
    const row = current.get(k.id.slice(0, 15));
    const same =
      row !== undefined && k.want.every(([f, id]) => String(row[f] ?? '').slice(0, 15) === id.slice(0, 15));
    counts[same ? 'unchanged' : 'updated']++;
  }
}

/** The pass's predicted failures, as a dry run's rejected.csv (the second pass's input columns after them). */
class Rejected {
  private readonly fd: number;
  private line = 1;
  constructor(dir: string, refs: PlanReference[]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(path.join(dir, 'rejected.csv'), 'w', 0o600);
    const head = ['line', 'outcome', 'status', 'error_code', 'error_message', 'error_fields', 'matched_ids'];
    fs.writeSync(
      this.fd,
      `${[...head, 'source_line', 'Id', ...refs.map((_r, i) => `ref_${i}`)].join(',')}\n`,
    );
  }
  /** Every row counts a line of the pass's input (line 1 its header), failed or not. */
  next(): number {
    return ++this.line;
  }
  write(line: number, p: Pending, refs: PlanReference[]): void {
    const f = p.failure;
    if (!f) return;
    const cells = [String(line), 'failed', f.status, f.code, f.message, f.field, (f.ids ?? []).join(';')];
    const input = [p.row.source_line ?? '', p.row.Id ?? '', ...refs.map((_r, i) => p.row[`ref_${i}`] ?? '')];
    fs.writeSync(this.fd, `${[...cells, ...input].map((c) => csvField(c)).join(',')}\n`);
  }
  close(): void {
    fs.closeSync(this.fd);
  }
}

/**
 * Rows of the pass that update one record again (a key repeated in the step's file): the first sets its
 * references, a later one setting the same is unchanged, as in the real pass. Ids are counted first (KeyCensus,
 * compact); only those repeated keep what they were set to.
 */
async function repeatedIds(file: string): Promise<{ again: (p: Pending, refs: PlanReference[]) => boolean }> {
  const census = new KeyCensus();
  let line = 1;
  const rows = fs.createReadStream(file).pipe(parse({ columns: true }));
  for await (const row of rows as AsyncIterable<Record<string, string>>)
    census.add(idKey(String(row.Id)), ++line);
  const set = new Map<string, string>();
  return {
    again: (p, refs) => {
      const id = idKey(p.id);
      if (census.count(id) < 2) return false;
      const wants = JSON.stringify(refs.map((_r, i) => p.row[`ref_${i}`] ?? ''));
      const before = set.get(id);
      set.set(id, wants);
      return before === wants;
    },
  };
}

/** A row of the second pass, its references read from the run's key maps (the org's left to ask). */
function pendingOf(
  row: Record<string, string>,
  step: PlanStep,
  refs: PlanReference[],
  memory: PlanMemory,
  keys: FieldInfo[],
  files: Map<string, string>,
): Pending {
  const p: Pending = { row, id: String(row.Id), want: [], ask: [], sure: !isPlaceholder(String(row.Id)) };
  refs.forEach((r, i) => {
    const field = keys.find((k) => k.name.toLowerCase() === r.key.toLowerCase());
    const k = field ? keyOf(row, { column: `ref_${i}`, transform: r.transform }, field) : null;
    if (k === null || !field || p.failure) return;
    const hit = memory.get(step.name, r.key)?.get(k);
    const value = row[`ref_${i}`] ?? '';
    const file = files.get(step.name) ?? step.name;
    if (typeof hit === 'number')
      p.failure = {
        code: 'PARENT_FAILED',
        status: '',
        message: `${r.field}: the ${step.name} record with ${r.key} = ${value} (${file} line ${hit}) failed, so this record was not sent`,
        field: r.field,
      };
    else if (isClash(hit))
      p.failure = {
        code: 'LOOKUP_AMBIGUOUS',
        status: '300',
        message: `${r.field}: ${value} names ${hit.ids.length} ${step.name} records (${clashLines(hit, step.name, files)}); not written: make the key unique, or refer by another key`,
        field: r.field,
      };
    else if (typeof hit === 'string' && !isPlaceholder(hit)) p.want.push([r.field, hit]);
    else if (typeof hit === 'string') p.sure = false;
    else p.ask.push([r, field, k, value]);
  });
  return p;
}

/**
 * A dry run's second pass over a step, counted rather than run (records the plan would create do not exist yet):
 * a record whose self-reference would fail fails (PARENT_FAILED, LOOKUP_AMBIGUOUS, or a key neither the run nor the
 * org has: LOOKUP_NOT_FOUND), written to the pass's rejected.csv; one that exists and already refers to the records
 * it would is unchanged (read from the org, a query per 200); the others would be updated.
 */
export async function predictSelf(
  step: PlanStep,
  refs: PlanReference[],
  file: string,
  dir: string,
  memory: PlanMemory,
  keys: FieldInfo[],
  org: Org,
  files: Map<string, string> = new Map(),
): Promise<PlanStepResult> {
  const counts = emptyCounts();
  const repeats = await repeatedIds(file);
  const rejected = new Rejected(dir, refs);
  let batch: Array<[number, Pending]> = [];
  const flush = async (): Promise<void> => {
    await resolveInOrg(
      batch.map(([, p]) => p),
      org,
    );
    const known: Pending[] = [];
    for (const [line, p] of batch) {
      if (p.failure) {
        counts.failed++;
        rejected.write(line, p, refs);
      } else if (repeats.again(p, refs)) counts.unchanged++;
      else if (!p.sure) counts.updated++;
      else known.push(p);
    }
    await countKnown(known, refs, org, counts);
    batch = [];
  };
  try {
    const rows = fs.createReadStream(file).pipe(parse({ columns: true }));
    for await (const row of rows as AsyncIterable<Record<string, string>>) {
      counts.total++;
      batch.push([rejected.next(), pendingOf(row, step, refs, memory, keys, files)]);
      if (batch.length >= 200) await flush();
    }
    await flush();
  } finally {
    rejected.close();
  }
  return {
    step: step.name,
    pass: 'self-references',
    object: step.object,
    operation: 'update',
    results: dir,
    counts,
    ended: 'predicted',
  };
}
