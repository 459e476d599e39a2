import { plural, thousands } from '../core/plural.js';
import { unaccountedLines } from '../operations/undo-unaccounted.js';
import type { PlanUndoResult } from './undo-plan.js';

const COLUMNS = [
  ['deleted', 'deleted'],
  ['updated', 'set back'],
  ['undeleted', 'undeleted'],
  ['created', 'created again'],
  ['unchanged', 'unchanged'],
  ['conflict', 'conflict'],
  ['failed', 'failed'],
  ['skipped', 'skipped'],
] as const;

const n = thousands;

/** The plan's undo as a table (a row per step, in the order taken back), what is left, and where the results are. */
export function renderPlanUndo(r: PlanUndoResult): string[] {
  const verb =
    r.ended === 'interrupted'
      ? `Stopped by ${r.signal ?? 'SIGINT'}`
      : r.ended === 'fatal'
        ? 'Stopped'
        : r.dryRun
          ? 'Dry run'
          : 'Done';
  const what = r.source.kind === 'plan' ? 'plan' : 'undo of a plan';
  const lines = [
    `${verb}: undo of the ${what} in ${r.source.dir} (${r.steps.map((s) => s.step).join(' → ')})`,
  ];
  const width = Math.max(
    4,
    ...r.steps.map((s) => s.step.length + (s.ended === 'completed' ? 0 : s.ended.length + 3)),
  );
  const objWidth = Math.max(6, ...r.steps.map((s) => s.object.length));
  const head = [
    'step'.padEnd(width),
    'object'.padEnd(objWidth),
    'undid'.padEnd(9),
    ...COLUMNS.map(([, h]) => h),
  ];
  lines.push(`  ${head.join('  ')}`);
  for (const s of r.steps) {
    const name = s.ended === 'completed' ? s.step : `${s.step} (${s.ended})`;
    const cells = COLUMNS.map(([k, h]) => n(s.counts[k]).padStart(h.length));
    lines.push(
      `  ${[name.padEnd(width), s.object.padEnd(objWidth), s.operation.padEnd(9), ...cells].join('  ')}`,
    );
  }
  const would = r.dryRun ? 'would be ' : '';
  const c = r.counts;
  lines.push(
    `  total: ${n(c.total)} of ${plural(r.source.entries, 'write')}: ${n(c.deleted)} ${would}deleted, ${n(c.updated)} ${would}set back, ${n(c.undeleted)} ${would}undeleted, ${n(c.created)} ${would}created again, ${n(c.unchanged)} unchanged, ${n(c.conflict)} conflicts, ${n(c.failed)} failed, ${n(c.skipped)} skipped`,
    `  ${plural(r.apiCalls, 'API call')}`,
  );
  if (r.left.length > 0) {
    lines.push(`  Left as they are:`);
    for (const l of r.left)
      lines.push(
        `    ${l.step}: ${plural(l.records, 'record')}${l.codes.length > 0 ? ` (${l.codes.join(', ')})` : ' (not reached)'}`,
      );
    for (const s of r.steps)
      for (const g of s.failuresByCode.filter((f) => f.code !== 'CONFLICT'))
        lines.push(
          `    ${s.step} ${g.code}: ${plural(g.count, 'record')} (${g.lines.length === 1 ? 'line' : 'lines'} ${g.lines.join(', ')}): ${g.message}`,
        );
    const conflicts = r.steps.filter((s) => s.counts.conflict > 0).map((s) => s.step);
    if (conflicts.length > 0)
      lines.push(
        `    Conflicts (${conflicts.join(', ')}): changed since the plan ran, left as they are (--force takes them back anyway); each is in its step's failures.csv`,
      );
  }
  for (const s of r.steps)
    if (s.unaccounted) lines.push(`  ${s.step}:`, ...unaccountedLines(s.unaccounted, s.object, '    '));
  lines.push(
    r.results ? `  results: ${r.results.dir} (summary.json; a folder per step)` : '  results: none (dry run)',
  );
  return lines;
}
