import { SfsyncError } from '../errors.js';
import { compositeSteps } from './plan-composite.js';
import { polySteps } from './plan-poly.js';
import type { Plan, PlanStep } from './plan-types.js';

/**
 * The steps in an order where every step comes after the steps it refers to, keeping the plan's order where it
 * is free to; a cycle is refused with its steps named. A step referring to itself is not a cycle: its
 * self-references are set in a second pass over its records.
 */
export function planOrder(plan: Plan): PlanStep[] {
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const parents = (s: PlanStep): string[] => [
    ...new Set([
      ...s.references.filter((r) => r.step !== s.name).map((r) => r.step),
      ...s.polymorphic.flatMap(polySteps),
      ...(s.composites ?? []).flatMap(compositeSteps),
    ]),
  ];
  const done = new Set<string>();
  const visiting: string[] = [];
  const order: PlanStep[] = [];
  const visit = (s: PlanStep): void => {
    if (done.has(s.name)) return;
    const at = visiting.indexOf(s.name);
    if (at >= 0) {
      const cycle = [...visiting.slice(at), s.name];
      throw new SfsyncError(
        'PLAN_CYCLE',
        `${plan.file}:${s.line}: the steps refer to each other in a cycle: ${cycle.join(' → ')}`,
        {
          hint: 'Load one side without the reference, then set it with an update step that comes last (a step may refer to itself: that is loaded in two passes).',
        },
      );
    }
    visiting.push(s.name);
    for (const p of parents(s)) visit(byName.get(p) as PlanStep);
    visiting.pop();
    done.add(s.name);
    order.push(s);
  };
  plan.steps.forEach(visit);
  return order;
}

/** The references a step sets in its own pass, and those (to itself) set in the second one. */
export function splitSelf(step: PlanStep): { first: PlanStep['references']; self: PlanStep['references'] } {
  return {
    first: step.references.filter((r) => r.step !== step.name),
    self: step.references.filter((r) => r.step === step.name),
  };
}
