import type { SyncOptions } from '../core/sync-options.js';
import { readRecords } from '../input/read-records.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { Mapping } from '../mapping/types.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { KeyCensus } from './key-census.js';
import {
  blankKeysWarning,
  repeatedKeysOf,
  repeatedKeysWarning,
  scanKeys,
  sharedKeyFields,
  sharedKeysError,
  sharedKeysMessage,
  type KeyScan,
  type RepeatedKeys,
} from './key-scan.js';
import type { MatchSpec } from './match.js';

export interface KeyCheck {
  /** What the pass over the file found; null for standard input. */
  repeated: RepeatedKeys | null;
  /** The file's key counts, kept for a dry run only (it remembers the creates whose key comes again). */
  keyCounts: KeyCensus | undefined;
  /** Standard input cannot be read twice: its keys are counted during the run. */
  counting: KeyCensus | undefined;
  createWhenKeyEmpty: boolean;
  /** Kept in the result's warnings. */
  warnings: string[];
  /** Said before writing only: the summary reports them by other means (repeatedKeys, MATCH_KEY_EMPTY). */
  notices: string[];
}

export interface KeyCheckInput {
  mapping: Mapping;
  spec: MatchSpec | null;
  compiled: CompiledMapping;
  object: ObjectInfo;
  offline: boolean;
  /** The resolved path, or `-`. */
  file: string;
  format: 'csv' | 'ndjson';
  stopped: () => boolean;
}

/** Whether checkKeys may refuse the run (match fields that can merge strangers, not allowed): then nothing may precede it. */
export function mayRefuse(
  opts: SyncOptions,
  spec: MatchSpec | null,
  offline: boolean,
  mapping: Mapping,
): boolean {
  if (!spec || offline) return false;
  return sharedKeyFields(spec).length > 0 && !(opts.allowSharedKeys ?? mapping.allowSharedKeys ?? false);
}

/**
 * Before writing: match fields that cannot merge strangers (or --allow-shared-keys), and a count of the file's
 * keys (one more pass over it, in a compact table) to say which repeat and which are blank.
 */
export async function checkKeys(opts: SyncOptions, input: KeyCheckInput): Promise<KeyCheck> {
  const { mapping, spec, compiled, object, offline, file } = input;
  const createWhenKeyEmpty = opts.createWhenKeyEmpty ?? mapping.createWhenKeyEmpty ?? false;
  const check: KeyCheck = {
    repeated: null,
    keyCounts: undefined,
    counting: undefined,
    createWhenKeyEmpty,
    warnings: [],
    notices: [],
  };
  if (!spec) return check;
  const source = file === '-' ? 'standard input' : opts.file;
  let scan: KeyScan | null = null;
  if (file === '-') check.counting = new KeyCensus();
  else
    scan = await scanKeys(
      readRecords({ file, format: input.format, delimiter: opts.delimiter, encoding: opts.encoding }),
      compiled,
      spec,
      mapping.timezone,
      input.stopped,
    );
  const shared = sharedKeyFields(spec);
  if (shared.length > 0 && offline)
    check.warnings.push(
      `offline, sfsync cannot tell whether ${shared.map((f) => f.name).join(', ')} identifies a record: a run against the org refuses a match field that is not an external ID, unique or idLookup field (unless --allow-shared-keys)`,
    );
  else if (shared.length > 0) {
    if (!(opts.allowSharedKeys ?? mapping.allowSharedKeys ?? false))
      throw sharedKeysError(object, shared, scan, source);
    check.warnings.push(
      `${sharedKeysMessage(object, shared, scan, source).message} Allowed by ${opts.allowSharedKeys ? '--allow-shared-keys' : 'match.allowSharedKeys in the mapping'}.`,
    );
  }
  if (scan) {
    check.repeated = repeatedKeysOf(scan.census);
    if (opts.dryRun) check.keyCounts = scan.census;
    const repeated = repeatedKeysWarning(check.repeated);
    if (repeated && shared.length === 0) check.notices.push(repeated);
    const blank = blankKeysWarning(scan, createWhenKeyEmpty && opts.operation === 'upsert');
    if (blank) check.notices.push(blank);
  }
  return check;
}
