import fs from 'node:fs';
import YAML from 'yaml';
import type { OrgSchema } from './metadata.js';
import type { ObjectData } from './store.js';
import type { RecordError, Row } from './values.js';

/**
 * One duplicate rule with its matching rule, as an admin sets it up in Setup > Duplicate Management. The
 * matching is exact and case-insensitive on every listed field (a blank value matches nothing, Salesforce's
 * default "NullNotAllowed"); the fuzzy matching methods of real matching rules are not modelled.
 */
export interface DuplicateRuleSpec {
  /** The rule's developer name, e.g. Standard_Contact_Duplicate_Rule. */
  name: string;
  object: string;
  /** The matching rule's fields: a record matches another when all of them are equal. */
  fields: string[];
  /** Inactive rules never run (default true). */
  active?: boolean;
  /**
   * `block`: the save is refused, whatever the client says. `alert` (Action "Allow" with "Alert"): the API refuses
   * the save unless the client acknowledges the alert with `Sforce-Duplicate-Rule-Header: allowSave=true`.
   * `report` (Action "Allow" without alert): the save goes through. Default `block`.
   */
  action?: 'block' | 'alert' | 'report';
  /** Run on create (default true) and on edit (default true), as the rule's "Action On Create/Edit". */
  onCreate?: boolean;
  onEdit?: boolean;
  /** The alert text (default "Use one of these records?", Salesforce's standard rules' text). */
  message?: string;
}

/** A duplicate rule that cannot be set up: malformed, or naming an object or field the org lacks. */
export class DuplicateRuleError extends Error {}

/** The rules of a `--duplicate-rules` file (JSON or YAML): a list, or an object with a `rules` list. */
export function readDuplicateRulesFile(file: string): DuplicateRuleSpec[] {
  const text = fs.readFileSync(file, 'utf8');
  const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  const rules = Array.isArray(parsed) ? parsed : (parsed as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules))
    throw new DuplicateRuleError('expected a list of duplicate rules (or "rules:" with one)');
  return rules as DuplicateRuleSpec[];
}

/** The rules the org enforces; a test or `sfsync emulator --duplicate-rules FILE` sets them. */
export class DuplicateRules {
  private rules: DuplicateRuleSpec[] = [];

  constructor(
    private readonly schema: OrgSchema,
    private readonly baseUrl: () => string = () => '',
  ) {}

  /** Replaces the rules; throws, naming the rule, when one is malformed or names an unknown object or field. */
  set(rules: DuplicateRuleSpec[]): DuplicateRuleSpec[] {
    if (!Array.isArray(rules)) throw new DuplicateRuleError('expected a list of duplicate rules');
    this.rules = rules.map((r, i) => checkRule(this.schema, r, i));
    return this.rules;
  }

  list(): DuplicateRuleSpec[] {
    return this.rules;
  }

  /**
   * The DUPLICATES_DETECTED error of the first active rule this row trips, or null. `selfId` is the record being
   * edited (never its own duplicate); `allowSave` is the client's acknowledgement of alerts [doc REST "Duplicate
   * Rule Header": allowSave applies when an alert is enabled]. The row is compared with the records saved before
   * it, earlier rows of the same call included [unverified]. The `duplicateResult` shape follows DuplicateResult
   * and salesforce-api.md 2.7 [obs]; that collections carry it on the error item under this key, and the
   * matchEngine and rule names, are [unverified].
   */
  check(
    object: ObjectData,
    row: Row,
    selfId: string | null,
    allowSave: boolean,
    version = '67.0',
  ): RecordError | null {
    for (const rule of this.rules) {
      if (rule.active === false || rule.object.toLowerCase() !== object.meta.name.toLowerCase()) continue;
      if (selfId ? rule.onEdit === false : rule.onCreate === false) continue;
      const action = rule.action ?? 'block';
      if (action === 'report' || (action === 'alert' && allowSave)) continue;
      const ids = matches(object, rule, row, selfId);
      if (ids.length === 0) continue;
      const message = rule.message ?? 'Use one of these records?';
      return {
        statusCode: 'DUPLICATES_DETECTED',
        message,
        fields: [],
        duplicateResult: {
          allowSave: action === 'alert',
          duplicateRule: rule.name,
          duplicateRuleEntityType: object.meta.name,
          errorMessage: message,
          matchResults: [
            {
              entityType: object.meta.name,
              errors: [],
              matchEngine: 'ExactMatchEngine',
              matchRecords: ids.map((id) => ({
                additionalInformation: [],
                fieldDiffs: [],
                matchConfidence: 100.0,
                record: {
                  attributes: {
                    type: object.meta.name,
                    url: `${this.baseUrl()}/services/data/v${version}/sobjects/${object.meta.name}/${id}`,
                  },
                  Id: id,
                },
              })),
              rule: `${rule.name}_Matching_Rule`,
              size: ids.length,
              success: true,
            },
          ],
        },
      };
    }
    return null;
  }
}

function normal(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value).trim().toLowerCase();
  return s === '' ? null : s;
}

/** Live records equal to the row on every field of the rule (at most 100, as a matching rule reports). */
function matches(object: ObjectData, rule: DuplicateRuleSpec, row: Row, selfId: string | null): string[] {
  const wanted = rule.fields.map((f) => {
    const field = object.meta.fieldByLower.get(f.toLowerCase());
    return { name: field?.name ?? f, value: normal(row[field?.name ?? f]) };
  });
  if (wanted.some((w) => w.value === null)) return [];
  const out: string[] = [];
  for (const [id, other] of object.live) {
    if (id === selfId) continue;
    if (wanted.every((w) => normal(other[w.name]) === w.value)) out.push(id);
    if (out.length >= 100) break;
  }
  return out;
}

function checkRule(schema: OrgSchema, rule: DuplicateRuleSpec, i: number): DuplicateRuleSpec {
  const where = `duplicate rule ${i + 1}${typeof rule?.name === 'string' ? ` (${rule.name})` : ''}`;
  if (rule === null || typeof rule !== 'object') throw new DuplicateRuleError(`${where}: expected an object`);
  if (typeof rule.name !== 'string' || rule.name === '')
    throw new DuplicateRuleError(`${where}: "name" is required`);
  if (typeof rule.object !== 'string' || rule.object === '')
    throw new DuplicateRuleError(`${where}: "object" is required`);
  if (
    !Array.isArray(rule.fields) ||
    rule.fields.length === 0 ||
    rule.fields.some((f) => typeof f !== 'string')
  )
    throw new DuplicateRuleError(`${where}: "fields" must be a list of field names`);
  if (rule.action !== undefined && !['block', 'alert', 'report'].includes(rule.action))
    throw new DuplicateRuleError(`${where}: "action" must be block, alert or report`);
  const meta = schema.get(rule.object);
  if (!meta) throw new DuplicateRuleError(`${where}: the org has no object ${rule.object}`);
  const unknown = rule.fields.find((f) => !meta.fieldByLower.has(f.toLowerCase()));
  if (unknown) throw new DuplicateRuleError(`${where}: ${meta.name} has no field ${unknown}`);
  return { ...rule, object: meta.name };
}

/** `Sforce-Duplicate-Rule-Header: allowSave=true; includeRecordDetails=true` → whether alerts are acknowledged. */
export function allowSaveOf(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(';') : (header ?? '');
  return /(?:^|[;,\s])allowSave\s*=\s*true\b/i.test(text);
}
