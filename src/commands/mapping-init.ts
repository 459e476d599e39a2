import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { sampleColumns } from '../input/sample-columns.js';
import { keyKind, matchCandidates, proposeFields, type ColumnProposal } from '../mapping/propose-field.js';
import { proposeValues } from '../mapping/propose-values.js';
import type { Transform } from '../mapping/types.js';
import { inferObject } from '../operations/infer-object.js';
import type { ObjectInfo } from '../salesforce/types.js';
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
  /** Why nothing is matched on, and how to pick a key, when no mapped field identifies a record. */
  matchNote: string | null;
  columns: InitColumn[];
  missingRequired: string[];
  /** How many records the value proposals were made from. */
  sampled: number;
}

/** Records read to propose fields by value and value conversions. */
export const SAMPLE_SIZE = 200;

/** A field's entry in the mapping: the column alone, or the column with its transforms and format. */
function fieldEntry(c: InitColumn): string | Record<string, unknown> {
  if (!c.transform?.length && !c.format) return c.column;
  return {
    column: c.column,
    ...(c.transform?.length ? { transform: c.transform } : {}),
    ...(c.format ? { format: c.format } : {}),
  };
}

function commentedYaml(r: MappingInitResult): string {
  const mapped = r.columns.filter((c) => c.field);
  const fields = Object.fromEntries(mapped.map((c) => [c.field as string, fieldEntry(c)]));
  const doc = new YAML.Document({
    object: r.object,
    operation: r.operation,
    ...(r.match.length > 0 ? { match: r.match } : {}),
    fields,
  });
  doc.commentBefore = ` Mapping for ${path.basename(r.file)} → ${r.object}, proposed by "sfsync mapping init".\n Format: schemas/mapping.schema.json in the sfsync package. Fields: "sfsync describe ${r.object}".\n Check it with: sfsync mapping check ${path.basename(r.output)} ${path.basename(r.file)}`;
  if (r.matchNote) {
    const pair = (doc.contents as YAML.YAMLMap).items.find(
      (p) => YAML.isScalar(p.key) && p.key.value === 'operation',
    );
    if (pair && YAML.isScalar(pair.key)) pair.key.commentBefore = ` ${r.matchNote}`;
  }
  const fieldsNode = doc.get('fields', true) as YAML.YAMLMap | undefined;
  for (const item of fieldsNode?.items ?? []) {
    const column = mapped.find((c) => YAML.isScalar(item.key) && c.field === item.key.value);
    if (column?.note && YAML.isScalar(item.key)) item.key.commentBefore = ` ${column.note}`;
  }
  const unmapped = r.columns.filter((c) => !c.field).map((c) => c.column);
  const notes = [
    unmapped.length > 0 ? ` Columns left out (no field found): ${unmapped.join(', ')}` : '',
    r.missingRequired.length > 0
      ? ` Required to create a ${r.object} and not mapped yet: ${r.missingRequired.join(', ')}`
      : '',
  ].filter(Boolean);
  if (notes.length > 0) doc.comment = notes.join('\n');
  return doc.toString();
}

function noKeyNote(object: ObjectInfo): string {
  const keys = object.fields
    .filter((f) => f.filterable && f.name !== 'Id' && (f.externalId || f.unique || f.idLookup))
    .map((f) => f.name);
  return `No mapped column identifies a ${object.name} (an external ID, unique or idLookup field${keys.length ? ` such as ${keys.slice(0, 3).join(', ')}` : ''}), so this mapping creates records. To update or upsert, map a column to such a field (or mark a field as External ID in Salesforce) and set match: [Field].`;
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
  if (interactive) {
    for (const p of proposals) {
      const choices = [
        ...(p.field ? [{ value: p.field, name: `${p.field} (${p.reason})` }] : []),
        { value: '', name: 'leave this column out' },
        ...object.fields
          .filter((f) => (f.createable || f.updateable) && f.name !== p.field)
          .map((f) => ({ value: f.name, name: `${f.name} — ${f.label}` })),
      ];
      const picked = await deps.prompt.select(`Column "${p.column}" goes to`, choices, {
        default: p.field ?? '',
      });
      p.reason = !picked ? 'none' : picked === p.field ? p.reason : 'api name';
      p.field = picked || null;
    }
  }
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
        proposals.filter((p) => p.field).map((p) => [p.field, record[p.column]]),
      );
      deps.io.err(`  ${JSON.stringify(preview)}`);
    }
    for (const p of proposals.filter((c) => c.note)) deps.io.err(`  ${p.field}: ${p.note}`);
  }
  const candidates = matchCandidates(object, mapped);
  const matchNote = candidates.length === 0 ? noKeyNote(object) : null;
  let operation: MappingInitResult['operation'] = candidates.length > 0 ? 'upsert' : 'create';
  let match = candidates.slice(0, 1).map((f) => f.name);
  if (interactive && matchNote) deps.io.err(matchNote);
  if (interactive && candidates.length > 0) {
    operation = await deps.prompt.select(
      'Operation',
      [
        { value: 'upsert', name: 'upsert: update matches, create the rest' },
        { value: 'create', name: 'create: always new records' },
        { value: 'update', name: 'update: only existing records' },
        { value: 'delete', name: 'delete: the matching records' },
      ],
      { default: operation },
    );
    if (operation !== 'create') {
      const key = await deps.prompt.select(
        'Match existing records on',
        candidates.map((f) => ({ value: f.name, name: `${f.name} (${keyKind(f)})` })),
      );
      match = [key];
    }
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
    matchNote,
    columns: proposals,
    missingRequired,
    sampled: sample.records,
  };
  fs.writeFileSync(output, commentedYaml(result));
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
