import type { SyncOptions } from '../core/sync-options.js';
import { readRecords } from '../input/read-records.js';
import type { CompiledMapping } from '../mapping/compile.js';
import type { Mapping } from '../mapping/types.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { KeyCensus } from './key-census.js';
import type { FileIdentity } from './journal.js';
import {
  blankKeysWarning,
  keyMapping,
  repeatedKeysWarning,
  scanKeys,
  sharedKeyFields,
  sharedKeysError,
  sharedKeysMessage,
  type KeyScan,
  type RepeatedKeys,
} from './key-scan.js';
import { findTally, saveTally, tallyParams, type TallyKey } from './key-tally.js';
import type { MatchSpec } from './match.js';

export interface KeyCheck {
  /** What the pass over the file found; null for standard input. */
  repeated: RepeatedKeys | null;
  /** The file's key counts, kept for a dry run only (it remembers the creates whose key comes again). */
  keyCounts: KeyCensus | undefined;
  /** Standard input cannot be read twice: its keys are counted during the run. */
  counting: KeyCensus | undefined;
  /** The whole file was counted and no key is on more than one record. */
  unique: boolean;
  createWhenKeyEmpty: boolean;
  /** Kept in the result's warnings. */
  warnings: string[];
  /** Said before writing only: the summary reports them by other means (repeatedKeys, MATCH_KEY_EMPTY). */
  notices: string[];
  /** Saves the count in the run's folder, for a later run of the same file to read back (key-tally.ts). */
  keep?: (dir: string) => void;
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
  /** The file's size and hash (read once for the run); absent for standard input. */
  identity?: () => Promise<FileIdentity>;
  /** The folders where earlier runs may have left their count (run-folder.ts, resultsRoots). */
  roots: string[];
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
  const { mapping, spec, object, offline, file } = input;
  const createWhenKeyEmpty = opts.createWhenKeyEmpty ?? mapping.createWhenKeyEmpty ?? false;
  const check: KeyCheck = {
    repeated: null,
    keyCounts: undefined,
    counting: undefined,
    unique: false,
    createWhenKeyEmpty,
    warnings: [],
    notices: [],
  };
  if (!spec) return check;
  const source = file === '-' ? 'standard input' : opts.file;
  let scan: KeyScan | null = null;
  if (file === '-') check.counting = new KeyCensus();
  else scan = await countKeys(opts, input, spec, check);
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
    check.repeated = scan.repeated;
    check.unique = scan.complete && scan.repeated.keys === 0;
    if (opts.dryRun) check.keyCounts = scan.census;
    const repeated = repeatedKeysWarning(check.repeated);
    if (repeated && shared.length === 0) check.notices.push(repeated);
    const blank = blankKeysWarning(scan, createWhenKeyEmpty && opts.operation === 'upsert');
    if (blank) check.notices.push(blank);
  }
  return check;
}

/**
 * The pass over the file that counts its keys, or the count an earlier run saved for the same bytes and match. A dry
 * run keeps every key's count (it predicts the creates a repeated key makes), which is never saved: it always reads.
 */
async function countKeys(
  opts: SyncOptions,
  input: KeyCheckInput,
  spec: MatchSpec,
  check: KeyCheck,
): Promise<KeyScan> {
  const { compiled, file, format } = input;
  const key = opts.dryRun ? null : await tallyKey(opts, input, spec);
  const saved = key && findTally(input.roots, key);
  if (saved) return saved;
  const scan = await scanKeys(
    readRecords({ file, format, delimiter: opts.delimiter, encoding: opts.encoding }),
    compiled,
    spec,
    input.mapping.timezone,
    input.stopped,
  );
  if (key && scan.complete) check.keep = (dir) => saveTally(dir, key, scan);
  return scan;
}

/** What a saved count must match: these bytes, read the same way, with the same match. */
async function tallyKey(opts: SyncOptions, input: KeyCheckInput, spec: MatchSpec): Promise<TallyKey | null> {
  if (!input.identity) return null;
  const { sha256, size } = await input.identity();
  const keys = keyMapping(input.compiled, spec);
  const params = tallyParams({
    format: input.format,
    delimiter: opts.delimiter ?? null,
    encoding: opts.encoding ?? null,
    zone: input.mapping.timezone ?? null,
    spec,
    fields: keys.fields,
    operation: keys.operation ?? null,
    onlyKeys: keys.onlyKeys ? [...keys.onlyKeys] : null,
    object: keys.object,
  });
  return { sha256, size, params };
}
