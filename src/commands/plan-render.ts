import { thousands } from '../core/plural.js';
import type { PlanResult } from '../operations/plan-run.js';

/** Skipped records sent without an answer: they may exist, and a new run would not know them. */
function uncertainLines(r: PlanResult): string[] {
  const unsure = r.steps.filter((s) => (s.uncertain ?? 0) > 0);
  if (unsure.length === 0) return [];
  const list = unsure.map((s) => `${s.step} ${thousands(s.uncertain ?? 0)}`).join(', ');
  return [
    `  uncertain (of the skipped): ${list}: sent without an answer, they may exist; check them in the org (error_code UNCERTAIN in the step's failures.csv)`,
  ];
}

/** The plan's table: one row per step and pass, then the totals and the results folder. */
export function renderPlan(r: PlanResult): string[] {
  const would = r.dryRun ? 'would be ' : '';
  const head = ['step', 'object', 'operation', 'created', 'updated', 'unchanged', 'failed', 'skipped'];
  const rows = r.steps.map((s) => [
    `${s.step}${s.pass === 'self-references' ? ' (self-references)' : ''}${s.ended === 'completed' ? '' : ` (${s.ended})`}`,
    s.object,
    s.operation,
    ...[s.counts.created, s.counts.updated, s.counts.unchanged, s.counts.failed, s.counts.skipped].map((n) =>
      thousands(n ?? 0),
    ),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd();
  const c = r.counts;
  return [
    `${r.ended === 'stopped' ? 'Stopped' : r.dryRun ? 'Dry run' : 'Done'}: plan ${r.plan} (${r.order.join(' → ')})`,
    line(head),
    ...rows.map(line),
    `  total: ${thousands(c.created)} ${would}created, ${thousands(c.updated)} ${would}updated, ${thousands(c.unchanged)} unchanged, ${thousands(c.failed)} ${r.dryRun ? 'rejected' : 'failed'}, ${thousands(c.skipped)} skipped`,
    ...uncertainLines(r),
    `  results: ${r.results} (plan-summary.json; a folder per step)`,
  ];
}
