import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import type { PlanStep } from '../mapping/plan-types.js';
import { selfInput } from './plan-keys.js';
import type { PlanRun, PlanStepResult } from './plan-run.js';
import { readPrior } from './prior-results.js';
import { resultFiles } from './results.js';

/** The step's file as the user names it: relative to where sfsync runs, when it is below. */
function shownFile(run: PlanRun, step: PlanStep): string {
  const rel = path.relative(run.ports.cwd, step.file);
  return rel && !rel.startsWith('..') ? rel : step.file;
}

/** The second pass's input: its line N is the record of the step's file at source line `lines[N - 2]`. */
async function sourceLines(file: string): Promise<number[]> {
  const lines: number[] = [];
  const rows = fs.createReadStream(file).pipe(parse({ relax_column_count: true, from_line: 2 }));
  for await (const cells of rows as AsyncIterable<string[]>) lines.push(Number(cells[0]));
  return lines;
}

/**
 * Where a second pass (self-references) stopped, in the lines of the step's own file: its input is a file of
 * sfsync's (plan-inputs/STEP.self.csv, a row per record with a self-reference), whose line numbers mean nothing
 * to the user. Said as a single run's line ledger says it (sync-settle.ts): every record up to a line has its
 * outcome; the first without one; the highest with one.
 */
async function selfStop(run: PlanRun, step: PlanStep, entry: PlanStepResult, upTo: number): Promise<string> {
  const file = shownFile(run, step);
  const source = await sourceLines(selfInput(run.dir, step.name));
  const files = resultFiles(entry.results, false);
  const { done } = await readPrior(files.success, files.failures);
  const at = (line: number): number => source[line - 2] ?? line;
  let highest = 0;
  for (const line of done) highest = Math.max(highest, line);
  let open: number | undefined;
  for (let line = Math.max(2, upTo + 1); line < source.length + 2 && open === undefined; line++)
    if (!done.has(line)) open = line;
  const head = `The plan stopped in step ${step.name} (self-references, the second pass over ${file})`;
  const before = upTo >= 2 ? `every record up to line ${at(upTo)} of ${file} has its outcome` : '';
  if (open === undefined) return `${head}: ${before || 'no record had its outcome'}.`;
  const from = `from line ${at(open)} of ${file}`;
  if (highest < open)
    return `${head}: ${before ? `${before}; ` : ''}${from} no record has an outcome (the resume sends them).`;
  return `${head}: ${before ? `${before}; ` : ''}${from} some have no outcome (the resume sends them), though lines up to ${at(highest)} have one.`;
}

/**
 * The plan's own line on where it stopped, for the step in flight: which step and file the lines are of. The
 * step's message (a single run's) names its own input's lines, which for a second pass are sfsync's file's: its
 * "The run stopped ..." clause is then replaced by this one.
 */
export async function planStopMessage(run: PlanRun, message: string): Promise<string> {
  const entry = run.steps[run.steps.length - 1];
  if (!entry || entry.ended !== 'stopped') return message;
  const step = run.checked.plan.steps.find((s) => s.name === entry.step);
  if (!step) return message;
  const lines = message.split('\n');
  const at = lines.findIndex((l) => l.startsWith('The run stopped '));
  if (entry.pass === 'records') {
    const line = `The plan stopped in step ${step.name}, reading ${shownFile(run, step)} (the lines above are that file's).`;
    return [
      ...lines.slice(0, at < 0 ? lines.length : at + 1),
      line,
      ...lines.slice(at < 0 ? lines.length : at + 1),
    ].join('\n');
  }
  const upTo = /^The run stopped after input line (\d+)/.exec(lines[at] ?? '')?.[1];
  const plan = await selfStop(run, step, entry, upTo ? Number(upTo) : 0);
  if (at < 0) return [...lines, plan].join('\n');
  // The counts and the folder stay; the lines of sfsync's own file give way to the step file's.
  const rest = (lines[at] ?? '').replace(
    /^The run stopped .*?: (?=[\d,]+ records? written)/,
    'The second pass: ',
  );
  return [...lines.slice(0, at), plan, rest, ...lines.slice(at + 1)].join('\n');
}
