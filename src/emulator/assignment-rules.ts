import fs from 'node:fs';
import YAML from 'yaml';
import { to18 } from './ids.js';
import type { FieldDescribe, ObjectMeta, OrgSchema } from './metadata.js';
import type { ObjectData, OrgStore } from './store.js';
import type { Row } from './values.js';

/**
 * A Lead or Case assignment rule as an admin sets it up in Setup > Assignment Rules: entries tried in order, the
 * first whose criteria all hold decides the new owner (a queue, or a user). Criteria are exact, case-insensitive
 * field comparisons; the formula criteria of real rules are not modelled.
 */
export interface AssignmentRuleSpec {
  name: string;
  object: 'Lead' | 'Case';
  /** At most one rule per object is active: the one `Sforce-Auto-Assign: TRUE` runs (default true). */
  active?: boolean;
  /** The rule's Id (01Q…); one is given when absent. */
  id?: string;
  entries: Array<{
    /** Field → value; every one must equal the record's (case-insensitive). No criteria: every record. */
    when?: Record<string, string>;
    /** The queue (a Group of Type Queue, created with the rule when the org has none of that name). */
    queue?: string;
    /** Or a user's Id. */
    ownerId?: string;
  }>;
}

/**
 * What the caller asked: run the object's active rule (REST's default, `Sforce-Auto-Assign: TRUE`), none
 * (`FALSE`; a Bulk job without `assignmentRuleId`), or one rule by Id (active or not).
 */
export type AutoAssign =
  { kind: 'active' } | { kind: 'none' } | { kind: 'rule'; id: string; onUpdate?: boolean };

export class AssignmentRuleError extends Error {}

/** The `Sforce-Auto-Assign` header: absent or TRUE runs the active rule [doc REST API "Assignment Rule Header"]. */
export function autoAssignOf(header: string | string[] | undefined): AutoAssign {
  const text = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  if (text === '' || /^true$/i.test(text)) return { kind: 'active' };
  if (/^false$/i.test(text)) return { kind: 'none' };
  return { kind: 'rule', id: text };
}

const QUEUE_PREFIX = '00G5g00000';
const RULE_PREFIX = '01Q5g00000';

/** The rules of the org; a test or `sfsync emulator --assignment-rules FILE` sets them. */
export class AssignmentRules {
  private rules: Array<AssignmentRuleSpec & { id: string; owners: string[] }> = [];

  constructor(private readonly store: OrgStore) {}

  /** Replaces the rules (and their AssignmentRule rows); throws, naming the rule, when one is malformed. */
  set(rules: AssignmentRuleSpec[]): AssignmentRuleSpec[] {
    if (!Array.isArray(rules)) throw new AssignmentRuleError('expected a list of assignment rules');
    const checked = rules.map((r, i) => this.check(r, i));
    const ruleObject = this.store.object('AssignmentRule') as ObjectData;
    for (const id of [...ruleObject.live.keys()]) this.store.purge(id);
    this.rules = checked.map((rule, i) => {
      const id = rule.id
        ? to18(rule.id.slice(0, 15))
        : to18(`${RULE_PREFIX}R${String(i + 1).padStart(4, '0')}`);
      this.store.seed('AssignmentRule', {
        Id: id,
        Name: rule.name,
        SobjectType: rule.object,
        Active: rule.active !== false,
      });
      return { ...rule, id, owners: rule.entries.map((e) => e.ownerId ?? this.queueId(e.queue as string)) };
    });
    return this.list();
  }

  list(): AssignmentRuleSpec[] {
    return this.rules.map(({ owners: _o, ...rule }) => rule);
  }

  /**
   * Sets the row's OwnerId as the asked rule decides. `creating` matters for a rule given by Id, which REST applies
   * to created records only [doc]; the active rule runs on updates too.
   */
  apply(object: ObjectData, row: Row, ask: AutoAssign | undefined, creating: boolean): void {
    if (!ask || ask.kind === 'none') return;
    const name = object.meta.name;
    if (name !== 'Lead' && name !== 'Case') return;
    const rule =
      ask.kind === 'active'
        ? this.rules.find((r) => r.object === name && r.active !== false)
        : creating || ask.onUpdate
          ? this.rules.find((r) => r.id.slice(0, 15) === ask.id.slice(0, 15) && r.object === name)
          : undefined;
    if (!rule) return;
    const at = rule.entries.findIndex((e) =>
      Object.entries(e.when ?? {}).every(([field, value]) => {
        const f = object.meta.fieldByLower.get(field.toLowerCase());
        const v = f ? row[f.name] : undefined;
        return v !== undefined && v !== null && String(v).toLowerCase() === String(value).toLowerCase();
      }),
    );
    if (at >= 0) row.OwnerId = rule.owners[at] as string;
  }

  /** Whether an Id names a rule of this org (a Bulk job's assignmentRuleId). */
  has(id: string): boolean {
    return this.rules.some((r) => r.id.slice(0, 15) === id.slice(0, 15));
  }

  private queueId(queue: string): string {
    const groups = this.store.object('Group') as ObjectData;
    for (const [id, row] of groups.live)
      if (row.Type === 'Queue' && (row.DeveloperName === queue || row.Name === queue)) return id;
    const id = to18(`${QUEUE_PREFIX}Q${String(groups.live.size + 1).padStart(4, '0')}`);
    this.store.seed('Group', {
      Id: id,
      Name: queue,
      DeveloperName: queue.replace(/\W+/g, '_'),
      Type: 'Queue',
      OwnerId: this.store.userId,
      DoesSendEmailToMembers: false,
      DoesIncludeBosses: false,
    });
    return id;
  }

  private check(rule: AssignmentRuleSpec, i: number): AssignmentRuleSpec {
    const where = `assignment rule ${i + 1}${typeof rule?.name === 'string' ? ` (${rule.name})` : ''}`;
    const fail = (m: string): never => {
      throw new AssignmentRuleError(`${where}: ${m}`);
    };
    if (rule === null || typeof rule !== 'object') fail('expected an object');
    if (typeof rule.name !== 'string' || rule.name === '') fail('"name" is required');
    const meta = this.store.schema.get(String(rule.object));
    if (!meta || (meta.name !== 'Lead' && meta.name !== 'Case'))
      fail('"object" must be Lead or Case (assignment rules exist for these two)');
    if (rule.id !== undefined && !/^01Q[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$/.test(rule.id))
      fail('"id" must be a 15- or 18-character Id starting with 01Q');
    if (!Array.isArray(rule.entries) || rule.entries.length === 0) fail('"entries" must be a non-empty list');
    rule.entries.forEach((e, j) => {
      if (!e || (typeof e.queue !== 'string' && typeof e.ownerId !== 'string'))
        fail(`entry ${j + 1}: give "queue" (a queue name) or "ownerId" (a user Id)`);
      for (const field of Object.keys(e.when ?? {}))
        if (!meta?.fieldByLower.has(field.toLowerCase()))
          fail(`entry ${j + 1}: ${meta?.name} has no field ${field}`);
    });
    return { ...rule, object: (meta as ObjectMeta).name as 'Lead' | 'Case' };
  }
}

/** Reads a rules file: a YAML or JSON list, or an object with `rules`. */
export function readAssignmentRulesFile(file: string): AssignmentRuleSpec[] {
  const text = fs.readFileSync(file, 'utf8');
  const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) throw new AssignmentRuleError('expected a list of rules (or {rules: [...]})');
  return rules as AssignmentRuleSpec[];
}

/**
 * The AssignmentRule object (read-only in Salesforce: rules are set up in Setup), so clients can query a rule's Id
 * to give a Bulk job [doc Object Reference "AssignmentRule"]. Its describe is built from RecordType's fields, the
 * nearest recorded object; AssignmentRule's own describe is not recorded [unverified: flags and lengths].
 */
export function assignmentRuleObject(schema: OrgSchema): ObjectMeta {
  const template = schema.require('RecordType');
  const pick = (name: string, as?: Partial<FieldDescribe>): FieldDescribe => ({
    ...structuredClone(template.fieldByLower.get(name.toLowerCase()) as FieldDescribe),
    createable: false,
    updateable: false,
    ...as,
  });
  const sobjectType = pick('SobjectType');
  sobjectType.picklistValues = ['Case', 'Lead'].map((value) => ({
    active: true,
    defaultValue: false,
    label: value,
    validFor: null,
    value,
  }));
  const fields = [
    pick('Id'),
    pick('Name'),
    sobjectType,
    pick('IsActive', { name: 'Active', label: 'Active' }),
    ...['CreatedById', 'CreatedDate', 'LastModifiedById', 'LastModifiedDate', 'SystemModstamp'].map((n) =>
      pick(n),
    ),
  ];
  return {
    name: 'AssignmentRule',
    label: 'Assignment Rule',
    labelPlural: 'Assignment Rules',
    keyPrefix: '01Q',
    custom: false,
    flags: { ...template.flags, createable: false, updateable: false, deletable: false },
    recordTypeInfos: [],
    fields,
    fieldByLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    relationshipByLower: new Map(
      fields.filter((f) => f.relationshipName).map((f) => [(f.relationshipName as string).toLowerCase(), f]),
    ),
  };
}
