import { SfsyncError } from '../errors.js';
import type { SalesforceClient } from '../salesforce/client.js';
import { soqlString } from './soql.js';

/** What --assignment-rule asks for, ready for each API. */
export interface AssignmentChoice {
  /** The Sforce-Auto-Assign header of REST writes (TRUE, FALSE or a rule Id). */
  header: string;
  /** The assignmentRuleId of Bulk jobs; none when no rule is to run. */
  ruleId?: string;
  /** Said in the summary: what the run asked of Salesforce. */
  note: string;
}

const OBJECTS = new Set(['Lead', 'Case', 'Account']);
const RULE_ID = /^01Q[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$/;

/** `default`, `none` or a rule Id; anything else is refused before the run starts. */
export function checkAssignmentRule(value: string): string {
  if (value === 'default' || value === 'none' || RULE_ID.test(value)) return value;
  throw new SfsyncError(
    'USAGE',
    `--assignment-rule ${value}: expected default, none, or an assignment rule Id (15 or 18 characters starting with 01Q).`,
    {
      hint: `Find a rule's Id with: sfsync export "SELECT Id, Name, SobjectType, Active FROM AssignmentRule"`,
    },
  );
}

/**
 * Turns --assignment-rule into what each API takes. REST runs the active rule unless told otherwise; Bulk API 2.0
 * runs none unless the job names one, and has no "the active rule" setting, so `default` looks the active rule up.
 */
export async function chooseAssignment(
  value: string | undefined,
  object: string,
  api: 'rest' | 'bulk',
  client: SalesforceClient | null,
): Promise<AssignmentChoice | null> {
  if (value === undefined) return null;
  if (!OBJECTS.has(object))
    throw new SfsyncError(
      'USAGE',
      `--assignment-rule applies to Lead and Case (and Account territory rules), not to ${object}.`,
      { hint: `Run without --assignment-rule for ${object}.` },
    );
  if (value === 'none')
    return { header: 'FALSE', note: 'no assignment rule ran (Sforce-Auto-Assign: FALSE on REST)' };
  if (value !== 'default')
    return { header: value, ruleId: value, note: `assignment rule ${value} ran on the records saved` };
  if (api === 'rest' || !client)
    return { header: 'TRUE', note: `the active ${object} assignment rule ran (Sforce-Auto-Assign: TRUE)` };
  let ruleId: string | undefined;
  for await (const row of client.query(
    `SELECT Id FROM AssignmentRule WHERE SobjectType = ${soqlString(object)} AND Active = true LIMIT 1`,
  ))
    ruleId = row.Id as string;
  return ruleId
    ? {
        header: 'TRUE',
        ruleId,
        note: `the active ${object} assignment rule (${ruleId}) ran in each Bulk job`,
      }
    : { header: 'TRUE', note: `no active ${object} assignment rule: Bulk jobs ran none` };
}
