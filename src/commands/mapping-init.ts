import fs from 'node:fs';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { sampleColumns } from '../input/sample-columns.js';
import { keyKind, matchCandidates, proposeFields, type ColumnProposal } from '../mapping/propose-field.js';
import { proposeValues } from '../mapping/propose-values.js';
import { noKeyNote, proposalYaml } from './mapping-init-yaml.js';
import type { Transform } from '../mapping/types.js';
import { inferObject } from '../operations/infer-object.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import type { Prompter } from '../ui/prompt.js';
import { isRequiredOnCreate } from '../salesforce/types.js';
import type { MappingInitOptions } from './options.js';

export interface InitColumn extends ColumnProposal {
  /** How the values become the field's, from a sample of them (trim, number, boolean; date format). */
  transform?: Transform[];
  format?: string;
  note?: string;
}

export interface MappingInitResult {
  file: string;
  object: string;
  output: string;
  operation: 'create' | 'update' | 'upsert' | 'delete';
  match: string[];
  /** AND when the user picked several fields that identify a record only together. */
  matchOperator?: 'AND';
  /** Why nothing is matched on, and how to pick a key, when no mapped field identifies a record. */
  matchNote: string | null;
  columns: InitColumn[];
  missingRequired: string[];
  /** How many records the value proposals were made from. */
  sampled: number;
}

/** Records read to propose fields by value and value conversions. */
export const SAMPLE_SIZE = 200;

/**
 * The wizard's last questions: the operation, then the match key among the fields that identify a record, or
 * several mapped fields that identify one only together (matched with AND).
 */
async function askMatch(
  prompt: Prompter,
  proposed: MappingInitResult['operation'],
  candidates: FieldInfo[],
  mapped: FieldInfo[],
): Promise<{ operation: MappingInitResult['operation']; match: string[]; matchOperator?: 'AND' }> {
  const operation = await prompt.select(
    'Operation',
    [
      { value: 'upsert', name: 'upsert: update matches, create the rest' },
      { value: 'create', name: 'create: always new records' },
      { value: 'update', name: 'update: only existing records' },
      { value: 'delete', name: 'delete: the matching records' },
    ],
    { default: proposed },
  );
  if (operation === 'create') return { operation, match: [] };
  const key = await prompt.select('Match existing records on', [
    ...candidates.map((f) => ({ value: f.name, name: `${f.name} (${keyKind(f)})` })),
    { value: '', name: 'several fields that together identify a record' },
  ]);
  if (key) return { operation, match: [key] };
  const usable = mapped.filter((f) => f.filterable);
  for (let attempt = 1; ; attempt++) {
    const typed = await prompt.input(
      `Fields that together identify a record, comma-separated (mapped: ${usable.map((f) => f.name).join(', ')})`,
    );
    const names = typed
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const fields = names.map((n) => usable.find((f) => f.name.toLowerCase() === n.toLowerCase()));
    if (names.length >= 1 && fields.every((f) => f !== undefined))
      return { operation, match: fields.map((f) => f.name), matchOperator: 'AND' };
    if (attempt === 3)
      throw new SfsyncError('MAPPING_INVALID', `"${typed}" names no mapped, filterable field to match on.`, {
        hint: `Run "sfsync mapping init" again and name fields among: ${usable.map((f) => f.name).join(', ')}.`,
      });
  }
}

/** On a terminal: the field of each column, the proposal first. */
async function askFields(prompt: Deps['prompt'], proposals: InitColumn[], object: ObjectInfo): Promise<void> {
  for (const p of proposals) {
    const choices = [
      ...(p.field ? [{ value: p.field, name: `${p.field} (${p.reason})` }] : []),
      { value: '', name: 'leave this column out' },
      ...object.fields
        .filter((f) => (f.createable || f.updateable) && f.name !== p.field)
        .map((f) => ({ value: f.name, name: `${f.name} — ${f.label}` })),
    ];
    const picked = await prompt.select(`Column "${p.column}" goes to`, choices, {
      default: p.field ?? '',
    });
    p.reason = !picked ? 'none' : picked === p.field ? p.reason : 'api name';
    p.field = picked || null;
  }
}

/**
 * Proposes a mapping from a file's columns and the object's fields, asks about each choice on a terminal
 * (unless --yes), and writes it as commented YAML. Only fields that identify a record are proposed as match keys.
 */
export async function runMappingInit(
  opts: MappingInitOptions,
  deps: Pick<Deps, 'connect' | 'cwd' | 'io' | 'prompt'>,
): Promise<MappingInitResult> {
  const output = path.resolve(deps.cwd, opts.output ?? `${opts.file.replace(/\.[^.]+$/, '')}.mapping.yaml`);
  if (fs.existsSync(output) && !opts.force) {
    throw new SfsyncError('FILE_EXISTS', `${output} already exists; mapping init did not change it.`, {
      hint: 'Pass --force to overwrite it, or --output FILE to write the proposal elsewhere.',
    });
  }
  const sample = await sampleColumns(path.resolve(deps.cwd, opts.file), SAMPLE_SIZE);
  if (sample.columns.length === 0)
    throw new SfsyncError('INPUT_EMPTY', `${opts.file} has no records to read columns from.`);
  const client = await deps.connect({ org: opts.org });
  const objectName = opts.object ?? inferObject(opts.file, await client.describeGlobal());
  const object = await client.describe(objectName);
  const interactive = deps.io.canPrompt && !opts.yes && !opts.json;
  const proposals: InitColumn[] = proposeFields(sample.columns, sample.values, object.fields);
  if (interactive) await askFields(deps.prompt, proposals, object);
  for (const p of proposals) {
    const field = object.fields.find((f) => f.name === p.field);
    if (!field) continue;
    const values = proposeValues(field, sample.values.get(p.column) ?? []);
    if (values.transform.length > 0) p.transform = values.transform;
    if (values.format) p.format = values.format;
    if (values.note) p.note = values.note;
  }
  const mapped = proposals.filter((p) => p.field).map((p) => p.field as string);
  if (interactive) {
    // A preview of the first records as they would be sent, before the last questions.
    deps.io.err('First records as they would be sent:');
    for (const record of sample.first) {
      const preview = Object.fromEntries(
        proposals.flatMap((p) => (p.field ? [[p.field, record[p.column]] as [string, unknown]] : [])),
      );
      deps.io.err(`  ${JSON.stringify(preview)}`);
    }
    for (const p of proposals.filter((c) => c.note)) deps.io.err(`  ${p.field}: ${p.note}`);
  }
  const candidates = matchCandidates(object, mapped);
  const matchNote = candidates.length === 0 ? noKeyNote(object) : null;
  let operation: MappingInitResult['operation'] = candidates.length > 0 ? 'upsert' : 'create';
  let match = candidates.slice(0, 1).map((f) => f.name);
  let matchOperator: 'AND' | undefined;
  if (interactive) {
    if (matchNote) deps.io.err(matchNote);
    const mappedFields = object.fields.filter((f) => mapped.includes(f.name));
    ({ operation, match, matchOperator } = await askMatch(deps.prompt, operation, candidates, mappedFields));
  }
  if (operation === 'create') match = [];
  const covered = new Set(mapped.map((m) => m.toLowerCase()));
  const missingRequired = object.fields
    .filter((f) => isRequiredOnCreate(f) && !covered.has(f.name.toLowerCase()))
    .map((f) => f.name);
  const result: MappingInitResult = {
    file: opts.file,
    object: object.name,
    output,
    operation,
    match,
    ...(matchOperator && operation !== 'create' ? { matchOperator } : {}),
    matchNote,
    columns: proposals,
    missingRequired,
    sampled: sample.records,
  };
  fs.writeFileSync(output, proposalYaml(result));
  return result;
}

export function renderMappingInit(r: MappingInitResult): string[] {
  const lines = [
    `Wrote ${r.output}: ${r.operation} ${r.object}${r.match.length ? ` matched on ${r.match.join(', ')}` : ''}.`,
  ];
  for (const c of r.columns) {
    const how = [...(c.transform ?? []), ...(c.format ? [`format ${c.format}`] : [])].join(', ');
    lines.push(
      `  ${c.column} → ${c.field ?? '(left out)'}${c.field ? `  (${c.reason}${how ? `; ${how}` : ''})` : ''}`,
    );
    if (c.note) lines.push(`      ${c.note}`);
  }
  if (r.matchNote) lines.push(`  ${r.matchNote}`);
  if (r.missingRequired.length > 0)
    lines.push(`  still needed to create records: ${r.missingRequired.join(', ')}`);
  lines.push(`Next: sfsync mapping check ${path.basename(r.output)} ${r.file}`);
  return lines;
}
