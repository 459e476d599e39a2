import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import { editDistance } from '../mapping/did-you-mean.js';
import { inferObject } from '../operations/infer-object.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { isRequiredOnCreate } from '../salesforce/types.js';
import type { MappingInitOptions } from './options.js';

export interface ColumnProposal {
  column: string;
  field: string | null;
  /** How the field was found: exact API name, label, loose spelling, close spelling. */
  reason: 'api name' | 'label' | 'loose' | 'close' | 'none';
}

export interface MappingInitResult {
  file: string;
  object: string;
  output: string;
  operation: 'create' | 'update' | 'upsert' | 'delete';
  match: string[];
  columns: ColumnProposal[];
  missingRequired: string[];
}

const squash = (s: string): string =>
  s
    .toLowerCase()
    .replace(/__c$/, '')
    .replace(/[^a-z0-9]/g, '');

/** The field a column most likely is: its API name, its label, the same letters, or a close spelling. */
export function proposeField(column: string, fields: FieldInfo[]): ColumnProposal {
  const writable = fields.filter((f) => f.createable || f.updateable || f.name === 'Id');
  const byName =
    writable.find((f) => f.name === column) ??
    writable.find((f) => f.name.toLowerCase() === column.toLowerCase());
  if (byName) return { column, field: byName.name, reason: 'api name' };
  const byLabel = writable.find((f) => f.label.toLowerCase() === column.trim().toLowerCase());
  if (byLabel) return { column, field: byLabel.name, reason: 'label' };
  const c = squash(column);
  const loose = writable.find((f) => squash(f.name) === c || squash(f.label) === c);
  if (loose) return { column, field: loose.name, reason: 'loose' };
  const prefixed =
    c.length >= 4
      ? writable.filter((f) => squash(f.name).startsWith(c) || squash(f.label).startsWith(c))
      : [];
  if (prefixed.length === 1) return { column, field: (prefixed[0] as FieldInfo).name, reason: 'close' };
  let best: { f: FieldInfo; d: number } | undefined;
  for (const f of writable) {
    const d = Math.min(editDistance(c, squash(f.name)), editDistance(c, squash(f.label)));
    if (!best || d < best.d) best = { f, d };
  }
  if (best && c.length >= 4 && best.d <= Math.floor(c.length / 4))
    return { column, field: best.f.name, reason: 'close' };
  return { column, field: null, reason: 'none' };
}

/** Record matchers to suggest, best first: external IDs, then idLookup fields, then other unique filterable ones. */
export function matchCandidates(object: ObjectInfo, mapped: string[]): FieldInfo[] {
  const fields = object.fields.filter((f) => mapped.includes(f.name) && f.filterable && f.name !== 'Id');
  const rank = (f: FieldInfo): number => (f.externalId ? 0 : f.idLookup ? 1 : f.unique ? 2 : 3);
  return fields.sort((a, b) => rank(a) - rank(b));
}

function commentedYaml(r: MappingInitResult, fields: Record<string, string>): string {
  const doc = new YAML.Document({ object: r.object, operation: r.operation, match: r.match, fields });
  doc.commentBefore = ` Mapping for ${path.basename(r.file)} → ${r.object}, proposed by "sfsync mapping init".\n Format: schemas/mapping.schema.json in the sfsync package. Fields: "sfsync describe ${r.object}".\n Check it with: sfsync mapping check ${path.basename(r.output)} ${path.basename(r.file)}`;
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

/**
 * Proposes a mapping from a file's columns and the object's fields, asks about each choice on a terminal
 * (unless --yes), and writes it as commented YAML.
 */
export async function runMappingInit(
  opts: MappingInitOptions,
  deps: Pick<Deps, 'connect' | 'cwd' | 'io' | 'prompt'>,
): Promise<MappingInitResult> {
  const file = path.resolve(deps.cwd, opts.file);
  const chunks = readRecords({ file, format: formatFromFile(file, undefined) });
  let columns: string[] = [];
  const samples: Array<Record<string, unknown>> = [];
  for await (const chunk of chunks) {
    for (const r of chunk) if (r.values && samples.length < 3) samples.push(r.values);
    if (samples.length > 0) {
      columns = Object.keys(samples[0] as Record<string, unknown>);
      break;
    }
  }
  await chunks.return(undefined);
  if (columns.length === 0)
    throw new SfsyncError('INPUT_EMPTY', `${opts.file} has no records to read columns from.`);
  const client = await deps.connect({ org: opts.org });
  const objectName = opts.object ?? inferObject(opts.file, await client.describeGlobal());
  const object = await client.describe(objectName);
  const interactive = deps.io.canPrompt && !opts.yes && !opts.json;
  const proposals = columns.map((c) => proposeField(c, object.fields));
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
  const mapped = proposals.filter((p) => p.field).map((p) => p.field as string);
  if (interactive) {
    // A preview of the first records as they would be sent, before the last questions.
    deps.io.err('First records as they would be sent:');
    for (const sample of samples) {
      const preview = Object.fromEntries(
        proposals.filter((p) => p.field).map((p) => [p.field, sample[p.column]]),
      );
      deps.io.err(`  ${JSON.stringify(preview)}`);
    }
  }
  const candidates = matchCandidates(object, mapped);
  let operation: MappingInitResult['operation'] = candidates.length > 0 ? 'upsert' : 'create';
  let match = candidates.slice(0, 1).map((f) => f.name);
  if (interactive) {
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
    if (operation !== 'create' && candidates.length > 0) {
      const key = await deps.prompt.select(
        'Match existing records on',
        candidates.map((f) => ({
          value: f.name,
          name: `${f.name}${f.externalId ? ' (external ID)' : f.idLookup ? ' (indexed)' : ''}`,
        })),
      );
      match = [key];
    }
  }
  if (operation === 'create') match = [];
  const covered = new Set(mapped.map((m) => m.toLowerCase()));
  const missingRequired = object.fields
    .filter((f) => isRequiredOnCreate(f) && !covered.has(f.name.toLowerCase()))
    .map((f) => f.name);
  const output = path.resolve(deps.cwd, opts.output ?? `${opts.file.replace(/\.[^.]+$/, '')}.mapping.yaml`);
  const result: MappingInitResult = {
    file: opts.file,
    object: object.name,
    output,
    operation,
    match,
    columns: proposals,
    missingRequired,
  };
  const fields: Record<string, string> = {};
  for (const p of proposals) if (p.field) fields[p.field] = p.column;
  if (fs.existsSync(output) && !opts.yes) {
    throw new SfsyncError('FILE_EXISTS', `${output} already exists.`, {
      hint: 'Pass --output FILE, or --yes to overwrite it.',
    });
  }
  fs.writeFileSync(output, commentedYaml(result, fields));
  return result;
}

export function renderMappingInit(r: MappingInitResult): string[] {
  const lines = [
    `Wrote ${r.output}: ${r.operation} ${r.object}${r.match.length ? ` matched on ${r.match.join(', ')}` : ''}.`,
  ];
  for (const c of r.columns)
    lines.push(`  ${c.column} → ${c.field ?? '(left out)'}${c.field ? `  (${c.reason})` : ''}`);
  if (r.missingRequired.length > 0)
    lines.push(`  still needed to create records: ${r.missingRequired.join(', ')}`);
  lines.push(`Next: sfsync mapping check ${path.basename(r.output)} ${r.file}`);
  return lines;
}
