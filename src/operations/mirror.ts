import type { BeforeImages } from './before-images.js';
import type { MirrorReport, MissingCounts } from '../core/sync-types.js';
import fs from 'node:fs';
import path from 'node:path';
import { plural } from '../core/plural.js';
import { SfsyncError } from '../errors.js';
import type { InputRecord } from '../input/types.js';
import { applyMapping } from '../mapping/apply.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { SalesforceClient, SaveResult } from '../salesforce/client.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { KeyCensus } from './key-census.js';
import { recordKeys, type MatchSpec } from './match.js';
import { csvField } from '../core/csv-quote.js';
import { openResultFile } from './results.js';
import { matchKey } from './soql.js';

/** What happens to a record in the scope whose key the file does not carry (--missing). */
export interface MissingAction {
  verb: 'delete' | 'clear' | 'deactivate';
  /** clear: the field set to null; deactivate: the field set to `value`. */
  field?: string;
  value?: string;
}

/** --max-delete: a count, or a share of the records in the scope. */
export type DeleteLimit = { count: number } | { percent: number };

export interface MirrorPlan {
  action: MissingAction;
  /** The SOQL condition that bounds what may be touched, starting with WHERE. */
  scope: string;
  limit: DeleteLimit;
}

export type { MirrorReport };

const PAST = { delete: 'deleted', clear: 'cleared', deactivate: 'deactivated' } as const;
const CHUNK = 200;

/** `25`, `25%` or `2.5%` → a limit; anything else is refused. */
export function parseDeleteLimit(text: string): DeleteLimit {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (m && m[2] === '%' && Number(m[1]) <= 100) return { percent: Number(m[1]) };
  if (m && m[2] === '' && Number.isInteger(Number(m[1]))) return { count: Number(m[1]) };
  throw new SfsyncError(
    'USAGE',
    `--max-delete ${text}: expected a count (e.g. 50) or a percentage of the scope (e.g. 5%).`,
    {
      hint: 'Give --max-delete 50 or --max-delete 5%; without it, at most 10% of the records in the scope may go.',
    },
  );
}

/** `delete`, `clear FIELD` or `deactivate FIELD=VALUE`. */
export function parseMissing(words: string[]): MissingAction {
  const [verb, arg, ...rest] = words;
  const usage = (why: string): SfsyncError =>
    new SfsyncError('USAGE', `--missing ${words.join(' ')}: ${why}`, {
      hint: 'Use --missing delete, --missing clear FIELD, or --missing deactivate FIELD=VALUE (e.g. --missing deactivate Active__c=false).',
    });
  if (rest.length > 0) throw usage('too many words.');
  if (verb === 'delete' && arg === undefined) return { verb };
  if (verb === 'clear' && arg && !arg.includes('=')) return { verb, field: arg };
  if (verb === 'deactivate' && arg && /^[^=]+=/.test(arg)) {
    const at = arg.indexOf('=');
    return { verb, field: arg.slice(0, at), value: arg.slice(at + 1) };
  }
  throw usage('expected delete, clear FIELD, or deactivate FIELD=VALUE.');
}

/** The field --missing sets, checked against the object: it must exist and be updateable (and nillable to clear). */
export function missingField(action: MissingAction, object: ObjectInfo): FieldInfo | null {
  if (!action.field) return null;
  const field = object.fields.find((f) => f.name.toLowerCase() === action.field?.toLowerCase());
  const fail = (why: string): never => {
    throw new SfsyncError('USAGE', `--missing ${action.verb} ${action.field}: ${why}`, {
      hint: `See the fields with: sfsync describe ${object.name}`,
    });
  };
  if (!field) return fail(`${object.name} has no field ${action.field}.`);
  if (!field.updateable) return fail(`${object.name}.${field.name} cannot be updated.`);
  if (action.verb === 'clear' && !field.nillable)
    return fail(`${object.name}.${field.name} cannot be blank.`);
  return field;
}

function typed(field: FieldInfo, value: string | undefined): unknown {
  if (value === undefined) return null;
  if (field.type === 'boolean') return /^(true|1|yes)$/i.test(value);
  if (['int', 'double', 'currency', 'percent'].includes(field.type) && value.trim() !== '')
    return Number(value);
  return value === '' ? null : value;
}

/**
 * The keys of every record of the file, as matching compares them; records whose key cannot be read (a value the
 * mapping refuses) are counted, since the records they name cannot be told apart from the missing ones.
 */
export async function fileKeys(
  chunks: AsyncIterable<InputRecord[]>,
  compiled: CompiledMapping,
  spec: MatchSpec,
  zone?: string,
): Promise<{ census: KeyCensus; unreadable: number[]; unreadableCount: number }> {
  const census = new KeyCensus();
  const unreadable: number[] = [];
  let unreadableCount = 0;
  const names = new Set(spec.fields.map((f) => f.name.toLowerCase()));
  const keyFields = { ...compiled, fields: compiled.fields.filter((f) => names.has(f.target.toLowerCase())) };
  for await (const chunk of chunks)
    for (const input of chunk) {
      if (input.blank) continue; // skipped, naming no record
      const mapped = input.values ? applyMapping(keyFields, input.line, input.values, zone) : null;
      if (!mapped || mapped.error) {
        unreadableCount++;
        if (unreadable.length < 5) unreadable.push(input.line);
        continue;
      }
      for (const k of recordKeys(spec, mapped)) census.add(k, input.line);
    }
  return { census, unreadable, unreadableCount };
}

/** A row's keys, made as `recordKeys` makes a file record's, so the two compare. */
function rowKeys(spec: MatchSpec, row: Record<string, unknown>): string[] {
  const parts = spec.fields.map((f) => {
    const k = matchKey(f, row[f.name]);
    return k === null ? null : `${f.name}=${k}`;
  });
  if (spec.operator === 'AND') return parts.every((p) => p !== null) ? [parts.join('&')] : [];
  return parts.filter((p): p is string => p !== null);
}

function shown(spec: MatchSpec, row: Record<string, unknown>): string {
  return spec.fields
    .map((f) => `${f.name}=${row[f.name] === null || row[f.name] === undefined ? '' : String(row[f.name])}`)
    .join('&');
}

/**
 * After the upsert: the records of the scope whose key the file does not carry are deleted (or cleared, or
 * deactivated), unless more would go than the limit allows. The dry run and the brake list them in
 * would-<verb>.csv; a real run writes every one with its outcome in <verb>d.csv.
 */
export async function mirror(
  client: SalesforceClient,
  object: ObjectInfo,
  spec: MatchSpec,
  plan: MirrorPlan,
  census: KeyCensus,
  dir: string,
  dryRun: boolean,
  images?: BeforeImages,
): Promise<MirrorReport> {
  const field = missingField(plan.action, object);
  const select = ['Id', ...spec.fields.map((f) => f.name).filter((n) => n !== 'Id')];
  const soql = `SELECT ${select.join(', ')} FROM ${object.name} ${plan.scope}`;
  let inScope = 0;
  let unkeyed = 0;
  const gone: Array<{ id: string; key: string }> = [];
  try {
    for await (const row of client.query(soql)) {
      inScope++;
      const keys = rowKeys(spec, row);
      if (keys.length === 0) {
        unkeyed++;
        continue;
      }
      if (keys.some((k) => census.count(k) > 0)) continue;
      gone.push({ id: row.Id as string, key: shown(spec, row) });
    }
  } catch (err) {
    const e = err as SfsyncError;
    throw new SfsyncError(e.code ?? 'SCOPE_INVALID', `--scope "${plan.scope}": ${e.message}`, {
      hint: 'Give --scope a SOQL WHERE clause on this object, e.g. --scope "WHERE Region__c = \'EMEA\'"; the upsert itself is done.',
      cause: err,
    });
  }
  const limit = 'count' in plan.limit ? plan.limit.count : Math.floor((inScope * plan.limit.percent) / 100);
  const report: MirrorReport = {
    action: plan.action.verb,
    ...(field ? { field: field.name } : {}),
    scope: plan.scope,
    inScope,
    missing: gone.length,
    unkeyed,
    limit,
    done: 0,
    failed: 0,
    stopped: !dryRun && gone.length > limit,
    file: '',
  };
  const verb = plan.action.verb;
  if (dryRun || report.stopped) {
    report.file = path.join(dir, `would-${verb}.csv`);
    writeList(report.file, gone);
    return report;
  }
  report.file = path.join(dir, `${PAST[verb]}.csv`);
  await apply(client, object, field, plan.action, gone, report, images);
  return report;
}

/** would-delete.csv: the records the dry run or the brake found missing. */
function writeList(file: string, gone: Array<{ id: string; key: string }>): void {
  const fd = openResultFile(file);
  try {
    fs.writeSync(fd, 'id,key\n');
    for (const g of gone) fs.writeSync(fd, `${csvField(g.id)},${csvField(g.key)}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Deletes (or sets the field of) the missing records, 200 a call, each with its outcome in `report.file`. */
async function apply(
  client: SalesforceClient,
  object: ObjectInfo,
  field: FieldInfo | null,
  action: MissingAction,
  gone: Array<{ id: string; key: string }>,
  report: MirrorReport,
  images?: BeforeImages,
): Promise<void> {
  const verb = action.verb;
  const fd = openResultFile(report.file);
  try {
    fs.writeSync(fd, 'id,key,outcome,error_code,error_message\n');
    for (let i = 0; i < gone.length; i += CHUNK) {
      const chunk = gone.slice(i, i + CHUNK);
      const payloads = field
        ? chunk.map((g) => ({ Id: g.id, [field.name]: typed(field, action.value) }))
        : [];
      // On disk before the write (line 0: a mirror's records come from the org, not from a line of the file).
      const call =
        verb === 'delete'
          ? await images?.deletes(chunk.map((g) => ({ line: 0, id: g.id })))
          : await images?.updates(payloads.map((payload) => ({ line: 0, id: payload.Id, payload })));
      const results: SaveResult[] =
        verb === 'delete'
          ? await client.delete(chunk.map((g) => g.id))
          : await client.update(object.name, payloads);
      images?.written(call);
      chunk.forEach((g, j) => {
        const r = results[j];
        const e = r?.errors[0];
        if (r?.success) report.done++;
        else report.failed++;
        fs.writeSync(
          fd,
          `${csvField(g.id)},${csvField(g.key)},${r?.success ? PAST[verb] : 'failed'},${csvField(e?.statusCode ?? (r?.success ? '' : 'UNKNOWN'))},${csvField(e?.message ?? '')}\n`,
        );
      });
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The brake: the run stops before touching anything, with the list and what to do. */
export function brakeError(report: MirrorReport, plan: MirrorPlan): SfsyncError {
  const share =
    report.inScope > 0
      ? ` (${((report.missing * 100) / report.inScope).toFixed(1)}% of the ${report.inScope} in the scope)`
      : '';
  return new SfsyncError(
    'MAX_DELETE_EXCEEDED',
    `${plural(report.missing, 'record')} in the scope ${report.missing === 1 ? 'is' : 'are'} missing from the file${share}, more than --max-delete allows (${report.limit}${'percent' in plan.limit ? `, ${plan.limit.percent}% of the scope` : ''}). Nothing was ${PAST[report.action]}; the upsert itself is done. The records are listed in ${report.file}.`,
    {
      hint: `Check ${report.file}: if they should go, run again with --max-delete ${report.missing} (or a larger percentage); if not, narrow --scope or fix the file.`,
    },
  );
}

/** The summary lines of the mirror step. */
/** The mirror's part of the run's counts: what it did (a dry run: what it would do) to records not in the file. */
export function missingCounts(r: MirrorReport, dryRun: boolean): MissingCounts {
  const done = dryRun ? r.missing : r.done;
  const counts = { [PAST[r.action]]: done, failed: r.failed };
  return counts as unknown as MissingCounts;
}

export function renderMirror(r: MirrorReport, dryRun: boolean): string[] {
  const what = r.field ? `${r.action} (${r.field})` : r.action;
  const head = `  mirror (${what} missing, ${r.scope}): ${plural(r.inScope, 'record')} in scope, ${r.missing} missing from the file (limit ${r.limit})${r.unkeyed ? `; ${r.unkeyed} with a blank key left alone` : ''}`;
  if (dryRun)
    return [
      head,
      `    would ${r.action} ${r.missing}: listed in ${r.file}`,
      ...(r.missing > r.limit
        ? [
            `    the real run would stop here (MAX_DELETE_EXCEEDED): ${r.missing} is over the limit of ${r.limit}; raise --max-delete if they should go`,
          ]
        : []),
    ];
  if (r.stopped) return [head, `    stopped by --max-delete: nothing ${PAST[r.action]}; listed in ${r.file}`];
  return [head, `    ${r.done} ${PAST[r.action]}${r.failed ? `, ${r.failed} failed` : ''}: ${r.file}`];
}
