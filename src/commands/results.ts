import fs from 'node:fs';
import path from 'node:path';
import type { Deps } from '../deps.js';
import { SfsyncError } from '../errors.js';
import type { CommonOptions } from './options.js';
import { renderSync, type SyncResult } from './sync.js';

export interface ResultsOptions extends CommonOptions {
  dir: string;
}

export type ResultsSummary = SyncResult & { error: { code: string; message: string } | null };

/** The summary of an earlier run, from the summary.json it left in its results folder. */
export async function runResults(opts: ResultsOptions, deps: Pick<Deps, 'cwd'>): Promise<ResultsSummary> {
  const file = path.join(path.resolve(deps.cwd, opts.dir), 'summary.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsSummary;
  } catch {
    throw new SfsyncError(
      'RESULTS_NOT_FOUND',
      `${opts.dir} has no summary.json: it is not an sfsync results folder.`,
      {
        hint: 'Pass the folder a run printed (results: ...), by default under ./sfsync-results/.',
      },
    );
  }
}

export function renderResults(r: ResultsSummary): string[] {
  const lines = renderSync(r);
  if (r.error)
    lines.splice(
      1,
      0,
      `  stopped after input line ${r.lastLine}: ${r.error.code} ${r.error.message.split('\n')[0]}`,
    );
  return lines;
}
