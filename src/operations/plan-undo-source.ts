import fs from 'node:fs';
import path from 'node:path';
import { SfsyncError } from '../errors.js';
import { loadPlan } from '../mapping/plan-load.js';
import { planOrder } from '../mapping/plan-order.js';
import { BEFORE_FILE } from './before-images.js';
import { readPlanUndoHeader } from './plan-undo-journal.js';

/** A step's results folder in a plan-shaped folder: `accounts`, `accounts.self` (its second pass). */
export interface PlanUndoStep {
  name: string;
  dir: string;
}

/**
 * A folder holding several runs, one per step, that are taken back together: a plan's results (plan.json), or the
 * results of an undo of a plan (undo-plan.ndjson), which can be undone in turn.
 */
export interface PlanUndoSource {
  dir: string;
  kind: 'plan' | 'plan-undo';
  /** The steps that wrote records, in the order they ran (an undo takes them back in the reverse order). */
  steps: PlanUndoStep[];
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The order a plan's steps ran in: plan-summary.json's (written when the plan ends or stops, listing every step),
 * else the plan file's, computed again as the run did.
 */
function planStepOrder(dir: string, planFile: unknown): string[] {
  const order = readJson(path.join(dir, 'plan-summary.json'))?.order;
  if (Array.isArray(order) && order.every((s) => typeof s === 'string')) return order;
  try {
    if (typeof planFile === 'string') return planOrder(loadPlan(planFile)).map((s) => s.name);
  } catch {
    // Said below: the folder alone cannot tell the order.
  }
  throw new SfsyncError(
    'UNDO_NOT_POSSIBLE',
    `${dir}: the plan stopped without its plan-summary.json, and its plan file (${String(planFile)}) no longer reads, so the order its steps ran in is not known.`,
    {
      hint: `Put the plan file back where it was, or undo the steps one at a time, the last first: sfsync undo ${path.join(dir, '<step>')}`,
    },
  );
}

/** The steps of the folder that wrote records (a before.ndjson), in the order they ran. */
function withImages(dir: string, names: string[]): PlanUndoStep[] {
  return names
    .map((name) => ({ name, dir: path.join(dir, name) }))
    .filter((s) => fs.existsSync(path.join(s.dir, BEFORE_FILE)));
}

/** The folder as a plan's, or null when it holds a single run (or nothing sfsync wrote). */
export function readPlanUndoSource(dir: string): PlanUndoSource | null {
  const plan = readJson(path.join(dir, 'plan.json'));
  if (plan) {
    if (plan.dryRun === true)
      throw new SfsyncError(
        'UNDO_NOT_POSSIBLE',
        `${dir} holds a dry run of a plan: it wrote nothing, so there is nothing to undo.`,
        { hint: 'Pass the results folder of the plan run that wrote (sfsync run PLAN printed it).' },
      );
    const names = planStepOrder(dir, plan.plan).flatMap((step) => [step, `${step}.self`]);
    return { dir, kind: 'plan', steps: withImages(dir, names) };
  }
  const header = readPlanUndoHeader(dir);
  if (!header) return null;
  return { dir, kind: 'plan-undo', steps: withImages(dir, header.steps) };
}
