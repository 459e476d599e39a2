import type { PlanStep, PolyReference, PolyTarget } from '../mapping/plan-types.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import type { PlanProblem } from './plan-check.js';
import { keySource } from './plan-keys.js';

/** One target of a polymorphic reference, checked: the object searched and its key fields. */
export interface CheckedTarget {
  kind: PolyTarget['kind'];
  /** For a step target: the step whose records resolve from memory first. */
  step?: string;
  object: string;
  keys: FieldInfo[];
}

export interface CheckedPoly {
  ref: PolyReference;
  targets: CheckedTarget[];
}

/**
 * The target key a polymorphic field is compiled as a lookup of, which types its values before they are searched:
 * the widest text key, so a queue name is not refused as an invalid email, nor a username as too long for a name.
 */
export function compileAs(poly: CheckedPoly): { object: string; field: string } | undefined {
  const keys = poly.targets.flatMap((t) => t.keys.map((k) => ({ object: t.object, k })));
  const text = keys.filter(({ k }) => k.type === 'string' || k.type === 'textarea');
  const best = (text.length > 0 ? text : keys).sort((a, b) => b.k.length - a.k.length)[0];
  return best && { object: best.object, field: best.k.name };
}

const LABEL: Record<PolyTarget['kind'], (t: PolyTarget) => string> = {
  step: (t) => `step "${t.name}"`,
  object: (t) => t.name,
  user: () => 'users',
  queue: () => 'queues',
};

async function targetObject(
  t: PolyTarget,
  objects: Map<string, ObjectInfo>,
  client: SalesforceClient,
  problem: (message: string) => void,
): Promise<ObjectInfo | undefined> {
  if (t.kind === 'step') return objects.get(t.name);
  try {
    return await client.describe(t.name);
  } catch (err) {
    problem((err as Error).message);
    return undefined;
  }
}

/**
 * The polymorphic references of a step against the org: the field is a reference to each target's object, each key
 * is a searchable field of it, and a step target maps the key (whose key map the run then keeps, in `keys`).
 */
export async function checkPolymorphic(
  step: PlanStep,
  object: ObjectInfo,
  steps: Map<string, PlanStep>,
  objects: Map<string, ObjectInfo>,
  client: SalesforceClient,
  keys: Map<string, FieldInfo[]>,
  problems: PlanProblem[],
): Promise<CheckedPoly[]> {
  const checked: CheckedPoly[] = [];
  for (const ref of step.polymorphic) {
    const problem = (message: string): void => {
      problems.push({ step: step.name, line: ref.line, where: ref.field, message });
    };
    const field = object.fields.find((f) => f.name.toLowerCase() === ref.field.toLowerCase());
    if (!field || field.type !== 'reference') {
      problem(`${step.object} has no reference field ${ref.field}`);
      continue;
    }
    const targets: CheckedTarget[] = [];
    for (const t of ref.targets) {
      const target = await targetObject(t, objects, client, problem);
      if (!target) continue;
      if (!field.referenceTo.some((n) => n.toLowerCase() === target.name.toLowerCase())) {
        problem(
          `${field.name} refers to ${field.referenceTo.join(' or ')}, not to ${target.name} (${LABEL[t.kind](t)})`,
        );
        continue;
      }
      const found: FieldInfo[] = [];
      for (const k of t.keys) {
        const key = target.fields.find((f) => f.name.toLowerCase() === k.toLowerCase());
        if (!key) problem(`${target.name} has no field ${k} (${LABEL[t.kind](t)})`);
        else if (!key.filterable) problem(`${target.name}.${key.name} cannot be searched (not filterable)`);
        else if (t.kind === 'step' && !keySource(steps.get(t.name) as PlanStep, k))
          problem(`step "${t.name}" does not map ${k}, so its records cannot be found by it`);
        else found.push(key);
      }
      if (t.kind === 'step')
        for (const key of found) {
          const list = keys.get(t.name) ?? [];
          if (!list.some((k) => k.name === key.name)) list.push(key);
          keys.set(t.name, list);
        }
      targets.push({
        kind: t.kind,
        step: t.kind === 'step' ? t.name : undefined,
        object: target.name,
        keys: found,
      });
    }
    checked.push({ ref, targets });
  }
  return checked;
}
