import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import type { InputRecord } from '../input/types.js';
import { readPath } from '../mapping/apply.js';
import type { PlanStep } from '../mapping/plan-types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { inQueries } from './soql.js';

/**
 * A create step's ledger in a plan run's folder (plan-inputs/STEP.created.csv): each record of its file that this
 * run or an earlier one created, by the fingerprint of its row, with its Id. The next run of the plan does not
 * create those rows again (fixed or new rows, and those that failed, are sent), whatever their lines are now.
 */
export function ledgerFile(runDir: string, step: string): string {
  return path.join(runDir, 'plan-inputs', `${step}.created.csv`);
}

/** The lines of the step's file (as this run reads it) created by an earlier run, with their Ids. */
function beforeFile(runDir: string, step: string): string {
  return path.join(runDir, 'plan-inputs', `${step}.before.csv`);
}

/** Whether a record is outside the step's section of its file (`rows:`); a row that could not be read is not. */
export function outsideRows(step: PlanStep): ((r: InputRecord) => boolean) | undefined {
  const rows = step.rows;
  if (!rows) return undefined;
  return (r) => {
    if (!r.values) return false;
    const v = readPath(r.values, rows.column);
    return !rows.values.includes(v === undefined || v === null ? '' : String(v));
  };
}

/** A row's fingerprint: the same values under the same columns, wherever the row stands in the file. */
export function rowPrint(values: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(values)).digest('base64url').slice(0, 22);
}

/** A create step some of whose records an earlier run of the plan created (and the org still has). */
export interface CreatedBefore {
  /** The step's folder in the plan's last finished run. */
  dir: string;
  /** Records of the file as it is now. */
  total: number;
  /** Of them, those created before: not sent again. */
  lines: number;
  /** Records the ledger names that the org no longer has (deleted or undone since): created again. */
  gone: number;
}

/** An earlier (not dry) run of the same plan file, and whether it ran to the end. */
export interface EarlierRun {
  dir: string;
  started: string;
  finished: boolean;
  /** Each step's results folder and how it ended, from plan-summary.json. */
  steps: Array<{ step: string; pass: string; results: string; ended: string }>;
}

async function readCsv(file: string, each: (cells: string[]) => void): Promise<void> {
  const rows = fs.createReadStream(file).pipe(parse({ relax_column_count: true, from_line: 2 }));
  for await (const cells of rows as AsyncIterable<string[]>) each(cells);
}

/** The ledger's Ids the org still has (15-character forms): a query per few hundred. */
async function stillThere(ids: string[], object: ObjectInfo, client: SalesforceClient): Promise<Set<string>> {
  const idField = object.fields.find((f) => f.name === 'Id');
  const found = new Set<string>();
  if (!idField) return found;
  for (let i = 0; i < ids.length; i += 2000)
    for (const q of inQueries(object.name, ['Id'], idField, ids.slice(i, i + 2000)))
      for await (const row of client.query(q)) found.add(String(row.Id).slice(0, 15));
  return found;
}

/**
 * For one create step: the rows of its file that the plan's last finished run's ledger holds and the org still
 * has, written to this run's before file (line,Id; a row given twice is taken once per record created).
 */
async function matchLedger(
  step: PlanStep,
  ledger: string,
  runDir: string,
  org: { client: SalesforceClient; object: ObjectInfo },
): Promise<Omit<CreatedBefore, 'dir'>> {
  const byPrint = new Map<string, string[]>();
  const ids: string[] = [];
  await readCsv(ledger, ([print, id]) => {
    if (!print || !id) return;
    ids.push(id);
    const seen = byPrint.get(print);
    if (seen) seen.push(id);
    else byPrint.set(print, [id]);
  });
  const there = await stillThere(ids, org.object, org.client);
  const outside = outsideRows(step);
  const fd = fs.openSync(beforeFile(runDir, step.name), 'w', 0o600);
  let total = 0;
  let lines = 0;
  try {
    fs.writeSync(fd, 'line,Id\n');
    const format = formatFromFile(step.file, step.format);
    for await (const chunk of readRecords({ file: step.file, format })) {
      let text = '';
      for (const r of chunk) {
        if (outside?.(r)) continue;
        total++;
        const ids = r.values ? byPrint.get(rowPrint(r.values)) : undefined;
        let id = ids?.shift();
        while (id !== undefined && !there.has(id.slice(0, 15))) id = ids?.shift();
        if (id === undefined) continue;
        text += `${r.line},${id}\n`;
        lines++;
      }
      if (text) fs.writeSync(fd, text);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { total, lines, gone: ids.length - there.size };
}

/**
 * The create steps whose records the plan's last finished run created (by its ledgers), for the rows of their
 * files as they are now: those rows are not created again; the others (fixed, new, failed before) are sent.
 */
export async function createdBefore(
  steps: PlanStep[],
  runs: EarlierRun[],
  runDir: string,
  org: { client: SalesforceClient; objects: Map<string, ObjectInfo> },
): Promise<Map<string, CreatedBefore>> {
  const found = new Map<string, CreatedBefore>();
  const last = runs.find((r) => r.finished);
  if (!last) return found;
  for (const step of steps) {
    const ledger = ledgerFile(last.dir, step.name);
    const object = org.objects.get(step.name);
    if (step.operation !== 'create' || !object || !fs.existsSync(ledger)) continue;
    const entry = last.steps.find((s) => s.step === step.name && s.pass === 'records');
    const match = await matchLedger(step, ledger, runDir, { client: org.client, object });
    if (match.lines > 0)
      found.set(step.name, { dir: entry?.results ?? path.join(last.dir, step.name), ...match });
  }
  return found;
}

/** The lines of a step created before, with their Ids, as this run decided when it started. */
export async function readBefore(runDir: string, step: string): Promise<Map<number, string>> {
  const lines = new Map<number, string>();
  const file = beforeFile(runDir, step);
  if (fs.existsSync(file))
    await readCsv(file, ([line, id]) => {
      if (id) lines.set(Number(line), id);
    });
  return lines;
}

const CREATED_FILE = path.join('plan-inputs', 'created-before.json');

/** The run's create steps taken as created before, kept in its folder for --resume. */
export function saveCreated(dir: string, created: Map<string, CreatedBefore>): void {
  fs.writeFileSync(
    path.join(dir, CREATED_FILE),
    `${JSON.stringify(Object.fromEntries(created), null, 2)}\n`,
    { mode: 0o600 },
  );
}

export function readCreated(dir: string): Map<string, CreatedBefore> {
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(dir, CREATED_FILE), 'utf8')) as Record<
      string,
      CreatedBefore
    >;
    return new Map(Object.entries(saved));
  } catch {
    return new Map();
  }
}
