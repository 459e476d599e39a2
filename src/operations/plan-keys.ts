import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import { readPath } from '../mapping/apply.js';
import { applyTransforms, coerceValue } from '../mapping/coerce.js';
import type { PlanReference, PlanStep } from '../mapping/plan-types.js';
import type { FieldSource } from '../mapping/types.js';
import type { FieldInfo } from '../salesforce/types.js';
import { KeyMap } from './plan-key-map.js';
import { csvField } from '../core/csv-quote.js';
import { rowPrint } from './plan-created.js';
import { resultFiles, SENT_UNANSWERED } from './results.js';
import { matchKey } from './soql.js';

/** A dry run's record to be created, in the key maps of later steps (and in their payloads.ndjson). */
export function placeholder(step: string, line: number): string {
  return `(created by ${step} line ${line})`;
}

/**
 * A dry run's later row of a key repeated in its file names the record the first would create `(created by line N)`:
 * the same placeholder as that line's, so both rows are one record (their key no clash).
 */
function named(step: string, id: string): string {
  const m = /^\(created by line (\d+)\)$/.exec(id);
  return m ? placeholder(step, Number(m[1])) : id;
}

/**
 * Line → Id (or a dry run's placeholder) for the records the step wrote or found, starting from those an earlier run
 * created (`seed`); failed lines → the line.
 */
export async function outcomesOf(
  step: string,
  dir: string | undefined,
  dryRun: boolean,
  seed?: ReadonlyMap<number, string>,
  unsure?: Set<number>,
): Promise<Map<number, string | number>> {
  const out = new Map<number, string | number>(seed ?? []);
  if (dir === undefined) return out;
  const files = resultFiles(dir, dryRun);
  for (const [file, failed] of [
    [files.success, false],
    [files.failures, true],
  ] as const) {
    if (!fs.existsSync(file)) continue;
    const rows = fs.createReadStream(file).pipe(parse({ relax_column_count: true, from_line: 2 }));
    for await (const cells of rows as AsyncIterable<string[]>) {
      const line = Number(cells[0]);
      if (failed) out.set(line, line);
      if (failed && SENT_UNANSWERED.has(cells[3] ?? '')) unsure?.add(line);
      else if (cells[2]) out.set(line, named(step, cells[2]));
      else if (cells[1] === 'would create') out.set(line, placeholder(step, line));
    }
  }
  return out;
}

/** Beside a create step's ledger: the rows it sent without learning whether they were created (plan-uncertain.ts). */
export function uncertainLedger(ledger: string): string {
  return ledger.replace(/\.created\.csv$/, '.uncertain.csv');
}

/** Where the key's value comes from in the step's records: its mapping's source, or the column of its name. */
export function keySource(step: PlanStep, key: string): FieldSource | undefined {
  const fields = step.mapping.fields;
  if (!fields) return { column: key, transform: [] };
  const name = Object.keys(fields).find((f) => f.toLowerCase() === key.toLowerCase());
  return name ? fields[name] : undefined;
}

export function keyOf(
  values: Record<string, unknown>,
  source: FieldSource,
  field: FieldInfo,
  zone?: string,
): string | null {
  const raw = source.column !== undefined ? readPath(values, source.column) : source.value;
  const value = applyTransforms(raw, source.transform);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return null;
  const coerced = coerceValue(field, value, source, zone);
  return 'error' in coerced ? null : matchKey(field, coerced.value);
}

/** A create step's records created by an earlier run (line → Id), and the ledger this run writes (plan-created.ts). */
export interface ScanMore {
  seed?: ReadonlyMap<number, string>;
  ledger?: string;
}

export interface StepScan {
  /** Key maps by key field (lower case). */
  maps: Map<string, KeyMap>;
  /** Rows written to the self-reference pass's input. */
  selfRows: number;
}

/**
 * Reads a finished step back (its input joined to its result files by line), into a compact key → Id map for
 * each key later steps refer to it by. With self-references, also writes the second pass's input: the Id of
 * each record written, and the values of its self-reference columns.
 */
export async function scanStep(
  step: PlanStep,
  dir: string | undefined,
  dryRun: boolean,
  keys: FieldInfo[],
  self?: { refs: PlanReference[]; file: string },
  more: ScanMore = {},
): Promise<StepScan> {
  const unsure = new Set<number>();
  const outcomes = await outcomesOf(step.name, dir, dryRun, more.seed, unsure);
  const maps = new Map<string, KeyMap>(keys.map((k) => [k.name.toLowerCase(), new KeyMap()]));
  const sources = keys.map((k) => ({
    field: k,
    source: keySource(step, k.name),
    map: maps.get(k.name.toLowerCase()) as KeyMap,
  }));
  const fd = self ? fs.openSync(self.file, 'w', 0o600) : undefined;
  if (fd !== undefined && self)
    fs.writeSync(fd, `${['source_line', 'Id', ...self.refs.map((_r, i) => `ref_${i}`)].join(',')}\n`);
  const ledger = more.ledger ? fs.openSync(more.ledger, 'w', 0o600) : undefined;
  if (ledger !== undefined) fs.writeSync(ledger, 'print,Id\n');
  const unsureFd = more.ledger ? fs.openSync(uncertainLedger(more.ledger), 'w', 0o600) : undefined;
  if (unsureFd !== undefined) fs.writeSync(unsureFd, 'print,line\n');
  let selfRows = 0;
  try {
    const format = formatFromFile(step.file, step.format);
    for await (const chunk of readRecords({ file: step.file, format })) {
      let text = '';
      let created = '';
      for (const r of chunk) {
        const outcome = outcomes.get(r.line);
        if (!r.values || outcome === undefined) continue;
        if (ledger !== undefined && typeof outcome === 'string')
          created += `${rowPrint(r.values)},${outcome}\n`;
        if (unsureFd !== undefined && unsure.has(r.line))
          fs.writeSync(unsureFd, `${rowPrint(r.values)},${r.line}\n`);
        for (const { field, source, map } of sources) {
          const k = source ? keyOf(r.values, source, field, step.mapping.timezone) : null;
          if (k === null) continue;
          if (typeof outcome === 'string' || !map.found(k)) map.set(k, outcome, r.line);
        }
        if (!self || typeof outcome !== 'string') continue;
        const cells = self.refs.map((ref) => readPath(r.values, ref.column));
        if (cells.every((c) => c === undefined || c === null || String(c).trim() === '')) continue;
        text += `${[r.line, outcome, ...cells.map((c) => csvField(c === undefined || c === null ? '' : String(c)))].join(',')}\n`;
        selfRows++;
      }
      if (fd !== undefined && text) fs.writeSync(fd, text);
      if (ledger !== undefined && created) fs.writeSync(ledger, created);
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    if (ledger !== undefined) fs.closeSync(ledger);
    if (unsureFd !== undefined) fs.closeSync(unsureFd);
  }
  return { maps, selfRows };
}

/** The second pass's input file, beside the step's results folder. */
export function selfInput(resultsDir: string, step: string): string {
  return path.join(resultsDir, 'plan-inputs', `${step}.self.csv`);
}
