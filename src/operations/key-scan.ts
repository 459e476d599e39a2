import { SfsyncError } from '../errors.js';
import type { InputRecord } from '../input/types.js';
import { applyMapping } from '../mapping/apply.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { FieldInfo, ObjectInfo } from '../salesforce/types.js';
import { plural, thousands } from '../core/plural.js';
import type { KeyGroup, RepeatedKeys } from '../core/sync-types.js';
import { KeyCensus } from './key-census.js';

export type { RepeatedKeys };
import { recordKeysAndTexts, type MatchSpec } from './match.js';

/** What a pass over the input found about its match keys, before anything is written. */
export interface KeyScan {
  /** The count of every key; absent when the scan was read back from an earlier run of the same file (key-tally.ts). */
  census?: KeyCensus;
  records: number;
  /** Records whose match key is blank after the mapping's transforms. */
  blank: number;
  blankLines: number[];
  repeated: RepeatedKeys;
  /** The most shared keys, for the message about match fields that do not identify a record. */
  top: TopKey[];
  /** False when the pass ended before the end of the file (stopped, or the file could not be read further). */
  complete: boolean;
}

export interface TopKey {
  key: string;
  count: number;
  firstLine: number;
}

/** The repeated keys of a run, as its summary and `--json` report them. */

export function repeatedKeysOf(census: KeyCensus): RepeatedKeys {
  return { keys: census.repeatedKeys, records: census.repeatedRecords, groups: census.firstGroups() };
}

/** A field identifies at most one record: an external ID, a unique field, or one Salesforce looks records up by. */
export function identifies(field: FieldInfo): boolean {
  return field.externalId || field.unique || field.idLookup;
}

/** The match fields that can merge strangers: with AND, none if one of them identifies; with OR, each that does not. */
export function sharedKeyFields(spec: MatchSpec): FieldInfo[] {
  if (spec.operator === 'AND' && spec.fields.some(identifies)) return [];
  return spec.fields.filter((f) => !identifies(f));
}

/** Only the match fields of a mapping: the others cost time in a count of keys and are checked by the run. */
export function keyMapping(compiled: CompiledMapping, spec: MatchSpec): CompiledMapping {
  const names = new Set(spec.fields.map((f) => f.name.toLowerCase()));
  return { ...compiled, fields: compiled.fields.filter((f) => names.has(f.target.toLowerCase())) };
}

/**
 * Counts every record's match keys (after the mapping's transforms, compared as Salesforce compares them).
 * Records that cannot be read or mapped are left to the run, which reports them; a file that stops being
 * readable ends the count there, and the run then stops at the same line.
 */
export async function scanKeys(
  chunks: AsyncIterable<InputRecord[]>,
  compiled: CompiledMapping,
  spec: MatchSpec,
  zone?: string,
  /** Ctrl-C during the pass: it ends there, and the run stops before writing. */
  stopped: () => boolean = () => false,
): Promise<KeyScan> {
  const census = new KeyCensus();
  const scan = { records: 0, blank: 0, blankLines: [] as number[], complete: false };
  const keyFields = keyMapping(compiled, spec);
  try {
    for await (const chunk of chunks) {
      if (stopped()) return summed(census, scan);
      for (const input of chunk) {
        scan.records++;
        if (!input.values || input.blank) continue;
        const mapped = applyMapping(keyFields, input.line, input.values, zone);
        if (mapped.error) continue;
        const keys = recordKeysAndTexts(spec, mapped);
        if (keys.length === 0) {
          scan.blank++;
          if (scan.blankLines.length < 5) scan.blankLines.push(input.line);
        }
        for (const [k, text] of keys) census.add(k, input.line, text);
      }
    }
    scan.complete = !stopped();
  } catch {
    // The run reads the same file and reports where it could not.
  }
  return summed(census, scan);
}

function summed(census: KeyCensus, scan: Omit<KeyScan, 'repeated' | 'top' | 'census'>): KeyScan {
  return { ...scan, census, repeated: repeatedKeysOf(census), top: census.top(5) };
}

function lines(ls: number[], total: number): string {
  return `line${ls.length === 1 ? '' : 's'} ${ls.join(', ')}${total > ls.length ? ', …' : ''}`;
}

/** "email=ada@x.test" ×3 (lines 2, 5, 9) for the first groups. */
function describeGroups(groups: KeyGroup[]): string {
  return groups.map((g) => `${g.key} ×${g.count} (${lines(g.lines, g.count)})`).join('; ');
}

const ALLOW = 'pass --allow-shared-keys, or set match: {fields: [...], allowSharedKeys: true} in the mapping';

/**
 * Refusal (or, allowed, a warning) for match fields that do not identify a record: records that share a value
 * would all update the one record it finds, merging different people into one.
 */
export function sharedKeysMessage(
  object: ObjectInfo,
  fields: FieldInfo[],
  scan: KeyScan | null,
  source: string,
): { message: string; hint: string } {
  const names = fields.map((f) => `${object.name}.${f.name}`).join(', ');
  const one = fields.length === 1;
  let counts = '';
  if (scan) {
    const top = scan.top;
    counts =
      top.length === 0
        ? ` In ${source}, no two records share a value yet.`
        : ` In ${source}, ${plural(scan.repeated.records, 'record')} share a key with another; the most shared: ${top
            .map((t) => `${t.key} ×${thousands(t.count)} (first on line ${t.firstLine})`)
            .join('; ')}.`;
  }
  const better = object.fields
    .filter((f) => identifies(f) && f.filterable && f.name !== 'Id')
    .map((f) => f.name)
    .slice(0, 5);
  return {
    message: `${names} ${one ? 'does' : 'do'} not identify a record (${one ? 'it is' : 'they are'} not an external ID, unique or idLookup field): every record that shares a value would update the same ${object.name}, merging them into one.${counts}`,
    hint: `Match on a field that identifies a record${better.length > 0 ? ` (${object.name}: ${better.join(', ')}, or Id)` : ' (an external ID, or Id)'}; if records sharing a value are meant to update one record, ${ALLOW}.`,
  };
}

export function sharedKeysError(
  object: ObjectInfo,
  fields: FieldInfo[],
  scan: KeyScan | null,
  source: string,
): SfsyncError {
  const { message, hint } = sharedKeysMessage(object, fields, scan, source);
  return new SfsyncError('MATCH_KEY_NOT_UNIQUE', `${message} Nothing was written.`, { hint });
}

/** The warning before writing about keys several records of the file carry. */
export function repeatedKeysWarning(repeated: RepeatedKeys): string | null {
  if (repeated.keys === 0) return null;
  return `${plural(repeated.keys, 'match key')} ${repeated.keys === 1 ? 'is' : 'are'} carried by more than one record (${plural(repeated.records, 'record')}): ${describeGroups(repeated.groups)}${repeated.keys > repeated.groups.length ? `; and ${thousands(repeated.keys - repeated.groups.length)} more` : ''}. They are written in file order: the first creates (or updates) the record, the later ones update that same record.`;
}

export function blankKeysWarning(scan: KeyScan, createWhenEmpty: boolean): string | null {
  if (scan.blank === 0) return null;
  const one = scan.blank === 1;
  return `${plural(scan.blank, 'record')} ${one ? 'has' : 'have'} a blank match key (${lines(scan.blankLines, scan.blank)}): ${createWhenEmpty ? `${one ? 'it is' : 'each is'} created as a new record (--create-when-key-empty)` : `${one ? 'it fails' : 'they fail'} with MATCH_KEY_EMPTY and ${one ? 'is' : 'are'} not sent (on upsert, --create-when-key-empty creates ${one ? 'it' : 'them'} instead)`}.`;
}
