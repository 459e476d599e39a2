import type { PolyReference, PolyTarget } from './plan-types.js';
import { checkKeys, isObject, type Where } from './plan-where.js';
import { TRANSFORMS, type Transform } from './types.js';

const POLY_KEYS = ['steps', 'objects', 'users', 'queues', 'key', 'column', 'transform'];

/** Whether a mapping entry is a polymorphic reference (rather than `{step, key}` or a plain field). */
export function isPolySpec(spec: unknown): spec is Record<string, unknown> {
  return isObject(spec) && ['steps', 'objects', 'users', 'queues'].some((k) => k in spec);
}

function names(
  where: Where,
  at: Array<string | number>,
  v: unknown,
  what: string,
  example: string,
): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || list.some((n) => typeof n !== 'string' || n.trim() === ''))
    throw where.error(at, `${what} must be a name or a list of names`, `For example ${example}`);
  return (list as string[]).map((n) => n.trim());
}

/**
 * `{steps: [contacts, leads], key: Email, column: email}`, `{objects: [Account, Opportunity], key: Name, column: x}`,
 * `{users: [Username, Email], queues: DeveloperName, column: owner}`; steps and objects may be combined (the
 * objects are then searched in the org only), as may users and queues.
 */
export function readPoly(
  where: Where,
  at: Array<string | number>,
  label: string,
  field: string,
  spec: Record<string, unknown>,
): PolyReference {
  const what = `${label}: ${field}`;
  checkKeys(where, at, spec, POLY_KEYS, what);
  const example = `${field}: {steps: [contacts, leads], key: Email, column: email}`;
  if (typeof spec.column !== 'string' || spec.column.trim() === '')
    throw where.error([...at, 'column'], `${what} needs column`, `For example ${example}`);
  const bySteps = spec.steps !== undefined || spec.objects !== undefined;
  if (bySteps && spec.key === undefined)
    throw where.error(
      [...at, 'key'],
      `${what} needs key (the field its steps or objects are found by)`,
      example,
    );
  if (!bySteps && spec.key !== undefined)
    throw where.error(
      [...at, 'key'],
      `${what}: key goes with steps or objects; users and queues name their own fields`,
      `For example ${field}: {users: [Username, Email], queues: DeveloperName, column: owner}`,
    );
  const keys = bySteps ? names(where, [...at, 'key'], spec.key, `${what}: key`, 'key: Email') : [];
  const targets: PolyTarget[] = [];
  const add = (k: 'steps' | 'objects' | 'users' | 'queues', kind: PolyTarget['kind'], ex: string): void => {
    if (spec[k] === undefined) return;
    const list = names(where, [...at, k], spec[k], `${what}: ${k}`, ex);
    if (kind === 'user' || kind === 'queue')
      targets.push({ kind, name: kind === 'user' ? 'User' : 'Group', keys: list });
    else for (const name of list) targets.push({ kind, name, keys });
  };
  add('steps', 'step', 'steps: [contacts, leads]');
  add('objects', 'object', 'objects: [Account, Opportunity]');
  add('users', 'user', 'users: [Username, Email]');
  add('queues', 'queue', 'queues: [DeveloperName, Name]');
  const list =
    spec.transform === undefined ? [] : Array.isArray(spec.transform) ? spec.transform : [spec.transform];
  for (const t of list)
    if (!TRANSFORMS.includes(t as Transform))
      throw where.error(
        [...at, 'transform'],
        `${what}: unknown transform "${String(t)}"`,
        `Transforms: ${TRANSFORMS.join(', ')}.`,
      );
  return {
    field,
    column: spec.column.trim(),
    transform: list as Transform[],
    targets,
    line: where.line(at),
  };
}

/** The steps a polymorphic reference reads records of (they run first). */
export function polySteps(ref: PolyReference): string[] {
  return ref.targets.filter((t) => t.kind === 'step').map((t) => t.name);
}
