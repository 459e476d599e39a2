import path from 'node:path';
import YAML from 'yaml';
import type { InitColumn, MappingInitResult } from '../commands/mapping-init.js';
import type { ObjectInfo } from '../salesforce/types.js';

/** A field's entry in the mapping: the column alone, or the column with its transforms and format. */
function fieldEntry(c: InitColumn): string | Record<string, unknown> {
  if (!c.transform?.length && !c.format) return c.column;
  return {
    column: c.column,
    ...(c.transform?.length ? { transform: c.transform } : {}),
    ...(c.format ? { format: c.format } : {}),
  };
}

/** The proposal as commented YAML: notes on the fields they concern, left-out columns at the end. */
export function proposalYaml(r: MappingInitResult): string {
  const mapped = r.columns.filter((c) => c.field);
  const fields = Object.fromEntries(mapped.map((c) => [c.field as string, fieldEntry(c)]));
  const doc = new YAML.Document({
    object: r.object,
    operation: r.operation,
    ...(r.match.length > 0 ? { match: r.match } : {}),
    ...(r.matchOperator ? { matchOperator: r.matchOperator } : {}),
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

/** Why no match key is proposed, and how to have one. */
export function noKeyNote(object: ObjectInfo): string {
  const keys = object.fields
    .filter((f) => f.filterable && f.name !== 'Id' && (f.externalId || f.unique || f.idLookup))
    .map((f) => f.name);
  return `No mapped column identifies a ${object.name} (an external ID, unique or idLookup field${keys.length ? ` such as ${keys.slice(0, 3).join(', ')}` : ''}), so this mapping creates records. To update or upsert, map a column to such a field (or mark a field as External ID in Salesforce) and set match: [Field].`;
}
