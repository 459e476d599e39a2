import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { plural } from '../core/plural.js';
import { SfsyncError } from '../errors.js';
import type { PlanStep } from '../mapping/plan-types.js';
import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import { ledgerFile, outsideRows, rowPrint, type EarlierRun } from './plan-created.js';
import { uncertainLedger } from './plan-keys.js';
import { SENT_UNANSWERED } from './results.js';

/** A step's records sent without an answer, from its summary.json (none: nothing, to keep the summary short). */
export function unsureIn(dir: string): { uncertain?: number } {
  try {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as {
      failuresByCode?: Array<{ code: string; count: number }>;
    };
    let n = 0;
    for (const g of summary.failuresByCode ?? []) if (SENT_UNANSWERED.has(g.code)) n += g.count;
    return n > 0 ? { uncertain: n } : {};
  } catch {
    return {};
  }
}

/** A create step's rows the run sent without learning whether they were created (UNCERTAIN and the like). */
export interface Uncertain {
  step: string;
  file: string;
  count: number;
  /** The first few of their lines in the file as it is now. */
  lines: number[];
}

async function readPrints(file: string): Promise<Map<string, number>> {
  const prints = new Map<string, number>();
  const rows = fs.createReadStream(file).pipe(parse({ relax_column_count: true, from_line: 2 }));
  for await (const [print] of rows as AsyncIterable<string[]>)
    if (print) prints.set(print, (prints.get(print) ?? 0) + 1);
  return prints;
}

/** The rows of the step's file as it is now that the last run left uncertain (by fingerprint, wherever they stand). */
async function stillInFile(step: PlanStep, prints: Map<string, number>): Promise<Uncertain | null> {
  const found: Uncertain = { step: step.name, file: step.fileAsWritten, count: 0, lines: [] };
  const outside = outsideRows(step);
  const format = formatFromFile(step.file, step.format);
  for await (const chunk of readRecords({ file: step.file, format }))
    for (const r of chunk) {
      if (!r.values || outside?.(r)) continue;
      const print = rowPrint(r.values);
      const left = prints.get(print) ?? 0;
      if (left === 0) continue;
      prints.set(print, left - 1);
      found.count++;
      if (found.lines.length < 5) found.lines.push(r.line);
    }
  return found.count > 0 ? found : null;
}

/** The create steps of the plan's last finished run with rows of unknown outcome still in their files. */
async function uncertainSteps(steps: PlanStep[], last: EarlierRun): Promise<Uncertain[]> {
  const out: Uncertain[] = [];
  for (const step of steps) {
    const file = uncertainLedger(ledgerFile(last.dir, step.name));
    if (step.operation !== 'create' || !fs.existsSync(file)) continue;
    const prints = await readPrints(file);
    const found = prints.size > 0 ? await stillInFile(step, prints) : null;
    if (found) out.push(found);
  }
  return out;
}

/**
 * A new run of a plan whose last finished run left create rows UNCERTAIN (sent, their answer lost, a --resume could
 * not tell whether the org created them) is refused, as a create of a failures file holding them is: the new run
 * cannot find those records, so it would create them a second time. Checked before connecting. `--restart` creates
 * everything again on purpose.
 */
export async function refuseUncertain(
  steps: PlanStep[],
  runs: EarlierRun[],
  opts: { plan: string; restart?: boolean },
  cwd: string,
): Promise<void> {
  const last = runs.find((r) => r.finished);
  if (!last || opts.restart) return;
  const found = await uncertainSteps(steps, last);
  if (found.length === 0) return;
  const rel = path.relative(cwd, last.dir);
  const shown = rel && !rel.startsWith('..') ? rel : last.dir;
  const one = found.length === 1 ? (found[0] as Uncertain).step : 'STEP';
  const listed = found
    .map(
      (u) =>
        `${u.step}: ${plural(u.count, 'row')} of ${u.file} (line${u.count === 1 ? '' : 's'} ${u.lines.join(', ')}${u.count > u.lines.length ? ', …' : ''})`,
    )
    .join('; ');
  throw new SfsyncError(
    'UNCERTAIN_ROWS',
    `The last run of ${opts.plan} (${shown}) sent creates without learning whether the org created them (UNCERTAIN), and the files still have them: ${listed}. Those records may exist: a new run would create them a second time.`,
    {
      hint: `Look for them in the org (their rows are in ${shown}/${one}/failures.csv, error_code UNCERTAIN; for example sfsync export --object OBJECT --where "CreatedDate = TODAY"), and remove from the file the rows whose records exist; then run the plan again (the rows left are sent). If the org has none of them, delete ${shown}/plan-inputs/${one}.uncertain.csv to send them; --restart creates every row again.`,
    },
  );
}
