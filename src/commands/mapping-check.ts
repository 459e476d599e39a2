import path from 'node:path';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import { readRecords } from '../input/read-records.js';
import { formatFromFile } from '../input/source.js';
import { compileMapping, type MappingProblem } from '../mapping/compile.js';
import { loadMapping } from '../mapping/load-mapping.js';
import type { Mapping } from '../mapping/types.js';
import { missingColumns, sourcesOf } from '../mapping/missing-columns.js';
import {
  blankKeysWarning,
  repeatedKeysWarning,
  scanKeys,
  sharedKeyFields,
  sharedKeysMessage,
} from '../operations/key-scan.js';
import { planMatching, problemsError } from '../operations/prepare.js';
import type { MappingCheckOptions } from './options.js';

export interface MappingCheckResult {
  mapping: string;
  object: string | null;
  checkedAgainst: 'org' | 'structure only';
  file: string | null;
  problems: MappingProblem[];
  warnings: MappingProblem[];
}

/** Checks a mapping's structure, its fields against the org when one is reachable, and its columns against FILE. */
export async function runMappingCheck(
  opts: MappingCheckOptions,
  deps: Pick<Deps, 'connect' | 'cwd' | 'io'>,
): Promise<MappingCheckResult> {
  const mappingFile = path.resolve(deps.cwd, opts.mapping);
  const mapping = loadMapping(mappingFile);
  const { first, problems, warnings } = await checkColumns(opts, mapping, deps.cwd);
  let checkedAgainst: MappingCheckResult['checkedAgainst'] = 'structure only';
  if (!opts.offline) {
    await checkAgainstOrg(opts, mapping, first, deps, problems, warnings);
    checkedAgainst = 'org';
  }
  if (problems.length > 0) throw problemsError(problems, opts.mapping, false);
  return {
    mapping: opts.mapping,
    object: mapping.object ?? null,
    checkedAgainst,
    file: opts.file ?? null,
    problems,
    warnings,
  };
}

/** The mapping's columns against FILE's first record; without FILE, the column names a built-in would shadow. */
async function checkColumns(
  opts: MappingCheckOptions,
  mapping: Mapping,
  cwd: string,
): Promise<{ first?: Record<string, unknown>; problems: MappingProblem[]; warnings: MappingProblem[] }> {
  const problems: MappingProblem[] = [];
  const warnings: MappingProblem[] = [];
  let first: Record<string, unknown> | undefined;
  if (opts.file) {
    const file = path.resolve(cwd, opts.file);
    const chunks = readRecords({ file, format: formatFromFile(file, undefined) });
    for await (const chunk of chunks) {
      first = chunk.find((r) => r.values)?.values;
      if (first) break;
    }
    await chunks.return(undefined);
    if (!first)
      warnings.push({ where: opts.file, message: 'has no records, so its columns could not be checked' });
    if (first) problems.push(...missingColumns(mapping, first));
  } else {
    // Without FILE the columns are unknown; a built-in name is the likeliest typo that reads something anyway.
    for (const s of sourcesOf(mapping)) {
      const builtin = s.column.split('.').find((part) => part in Object.prototype);
      if (builtin !== undefined)
        warnings.push({
          where: s.where,
          message: `"${builtin}" is also the name of a JavaScript built-in: only a column or key of that exact name is read (check the mapping with its FILE)`,
        });
    }
  }
  return { first, problems, warnings };
}

/** The mapping's fields and record matchers against the org, with the file's keys counted when there is one. */
async function checkAgainstOrg(
  opts: MappingCheckOptions,
  mapping: Mapping,
  first: Record<string, unknown> | undefined,
  deps: Pick<Deps, 'connect' | 'cwd'>,
  problems: MappingProblem[],
  warnings: MappingProblem[],
): Promise<void> {
  if (!mapping.object)
    throw new SfsyncError(
      'MAPPING_INVALID',
      `${opts.mapping} names no object, so it cannot be checked against the org.`,
      { hint: 'Add object: NAME to the mapping, or use --offline.' },
    );
  const client = await deps.connect({ org: opts.org, mappingApiVersion: mapping.apiVersion });
  const object = await client.describe(mapping.object);
  const operation = mapping.operation ?? 'upsert';
  const compiled = await compileMapping(mapping, object, operation, first ? Object.keys(first) : [], (name) =>
    client.describe(name),
  );
  const matching = planMatching({ operation }, mapping, compiled, false);
  problems.push(...compiled.problems, ...matching.problems);
  warnings.push(...compiled.warnings);
  const spec = matching.plan.spec;
  if (spec && problems.length === 0) {
    // The same checks a sync makes before writing, with the file's keys counted when there is one.
    const scan = opts.file
      ? await scanKeys(
          readRecords({
            file: path.resolve(deps.cwd, opts.file),
            format: formatFromFile(opts.file, undefined),
          }),
          compiled,
          spec,
          mapping.timezone,
        )
      : null;
    const shared = sharedKeyFields(spec);
    if (shared.length > 0) {
      const { message, hint } = sharedKeysMessage(object, shared, scan, opts.file ?? '');
      warnings.push({
        where: 'match',
        message: `${message} ${mapping.allowSharedKeys ? 'Allowed by match.allowSharedKeys.' : `A sync refuses it (MATCH_KEY_NOT_UNIQUE): ${hint}`}`,
      });
    }
    const repeated = scan && shared.length === 0 ? repeatedKeysWarning(scan.repeated) : null;
    if (repeated) warnings.push({ where: opts.file as string, message: repeated });
    const blank = scan
      ? blankKeysWarning(scan, operation === 'upsert' && mapping.createWhenKeyEmpty === true)
      : null;
    if (blank) warnings.push({ where: opts.file as string, message: blank });
  }
}

export function renderMappingCheck(r: MappingCheckResult): string[] {
  return [
    `${r.mapping} is valid${r.object ? ` for ${r.object}` : ''} (checked: ${r.checkedAgainst}${r.file ? `, columns of ${r.file}` : ''}).`,
    ...r.warnings.map((w) => `  warning: ${w.where}: ${w.message}`),
  ];
}
