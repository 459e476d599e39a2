import path from 'node:path';
import { SfsyncError } from '../errors.js';
import type { ObjectSummary } from '../salesforce/types.js';

export type { ObjectSource } from '../core/sync-types.js';

function singular(word: string): string[] {
  const w = word.toLowerCase();
  const forms = [w];
  if (w.endsWith('ies')) forms.push(`${w.slice(0, -3)}y`);
  if (w.endsWith('ses') || w.endsWith('xes')) forms.push(w.slice(0, -2));
  if (w.endsWith('s')) forms.push(w.slice(0, -1));
  return forms;
}

function squash(s: string): string {
  return s
    .toLowerCase()
    .replace(/__c$/, '')
    .replace(/[^a-z0-9]/g, '');
}

/** Candidate object names from a file name: `opportunities.ndjson` → opportunities, opportunity. */
export function nameCandidates(file: string): string[] {
  const base = path
    .basename(file)
    .replace(/\.[^.]+$/, '')
    .replace(/\.mapping$/, '');
  const words = [base, ...base.split(/[-_. ]+/).filter(Boolean)];
  return [...new Set(words.flatMap((w) => singular(squash(w))))].filter(Boolean);
}

/**
 * The object a file is for, by its name against the org's objects (API names, labels and plural labels),
 * e.g. contacts.csv → Contact, projects.csv → Project__c.
 */
export function inferObject(file: string, objects: ObjectSummary[]): string {
  const candidates = nameCandidates(file);
  for (const c of candidates) {
    const hit =
      objects.find((o) => o.name.toLowerCase() === c) ??
      objects.find((o) => squash(o.name) === c) ??
      objects.find((o) => squash(o.label) === c || squash(o.labelPlural) === c);
    if (hit) return hit.name;
  }
  throw new SfsyncError(
    'OBJECT_UNKNOWN',
    `Cannot tell which object ${file === '-' ? 'standard input' : path.basename(file)} is for.`,
    {
      hint: 'Pass --object NAME (e.g. --object Contact), or set object: in the mapping file.',
    },
  );
}

/** Offline there is no object list: the file name, singular and capitalised, is taken as it is. */
export function guessObjectOffline(file: string): string {
  const token =
    path
      .basename(file)
      .replace(/\.[^.]+$/, '')
      .split(/[-_. ]+/)[0] ?? '';
  const first = singular(squash(token)).at(-1);
  if (!first || file === '-') {
    throw new SfsyncError('OBJECT_UNKNOWN', 'Offline, the object must be named.', {
      hint: 'Pass --object NAME, or set object: in the mapping file.',
    });
  }
  return first.charAt(0).toUpperCase() + first.slice(1);
}
