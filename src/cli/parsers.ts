import { InvalidArgumentError, type Command } from 'commander';
import type { CommonOptions } from '../commands/options.js';
import { DEFAULT_API_VERSION, normalizeApiVersion } from '../core/api-version.js';

/** Flag values commander hands over as they are parsed: a bad one is a usage error naming the flag. */
export function intParser(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

export function listParser(value: string, previous: string[] | undefined): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new InvalidArgumentError('Expected field names separated by commas.');
  return [...(previous ?? []), ...items];
}

export function upperChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    const v = value.toUpperCase() as T;
    if (!choices.includes(v)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    return v;
  };
}

const DELIMITERS: Record<string, string> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\t': '\t',
  '\\t': '\t',
  tab: '\t',
  '|': '|',
  pipe: '|',
};

export function delimiterParser(value: string): string {
  const d = DELIMITERS[value.toLowerCase()];
  if (d === undefined) throw new InvalidArgumentError('Allowed: , ; | tab (or comma, semicolon, pipe).');
  return d;
}

export function addCommon(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout and nothing else')
    .option('--verbose', 'explain more on stderr (secrets are always redacted)');
}

export function common(raw: Record<string, unknown>): CommonOptions {
  return { json: raw.json === true, verbose: raw.verbose === true };
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function rateParser(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('Expected a number from 0 to 1.');
  return n;
}

export function apiVersionParser(value: string): string {
  const version = normalizeApiVersion(value);
  if (!version)
    throw new InvalidArgumentError(`Expected a Salesforce API version such as ${DEFAULT_API_VERSION}.`);
  return version;
}
