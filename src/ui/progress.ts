import type { Counts } from '../core/sync-types.js';
import type { IO } from './io.js';
import { plural, thousands } from '../core/plural.js';

export interface ProgressState {
  counts: Counts;
  apiCalls: number;
  /** Estimated records in the input, when known (a file, not a pipe). */
  expected: number | null;
  elapsedMs: number;
  /** What the run is doing: REST, a dry run, or how many Bulk jobs are running. */
  phase?: string;
}

const n = thousands;

/** One line of progress: done and rate, the ETA when the size is known, the outcomes and the API calls. */
export function formatProgress(s: ProgressState, width: number | null): string {
  const done = s.counts.total;
  const rate = s.elapsedMs > 0 ? Math.round((done * 1000) / s.elapsedMs) : 0;
  const parts: string[] = [];
  if (s.phase) parts.push(s.phase);
  if (s.expected && width !== null) {
    const share = Math.min(1, done / s.expected);
    const cells = Math.max(10, Math.min(30, width - 100));
    const filled = Math.round(share * cells);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(cells - filled)}] ${Math.round(share * 100)}%`);
  }
  parts.push(s.expected ? `${n(done)}/~${plural(s.expected, 'record')}` : plural(done, 'record'));
  parts.push(`${n(rate)}/s`);
  if (s.expected && rate > 0 && done < s.expected)
    parts.push(`ETA ${Math.ceil((s.expected - done) / rate)}s`);
  parts.push(
    `${n(s.counts.created)} created, ${n(s.counts.updated)} updated, ${s.counts.unchanged ? `${n(s.counts.unchanged)} unchanged, ` : ''}${n(s.counts.deleted)} deleted, ${n(s.counts.failed)} failed`,
  );
  parts.push(plural(s.apiCalls, 'API call'));
  return parts.join(' · ');
}

export interface Progress {
  update(counts: Counts, apiCalls: number, phase?: string): void;
  /** Clears the live line before the summary is printed. */
  done(): void;
}

/**
 * Progress on stderr: a live line redrawn in place on a terminal (at most 10 times a second), a plain line every
 * 5 seconds otherwise, nothing at all with --json. The engine only reports numbers; this draws them.
 */
export function createProgress(
  io: IO,
  options: { json: boolean; expected: number | null; now?: () => number },
): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  let last = started;
  const every = io.stderrIsTTY ? 100 : 5000;
  return {
    update(counts, apiCalls, phase) {
      if (options.json) return;
      const t = now();
      if (t - last < every) return;
      last = t;
      const line = formatProgress(
        { counts, apiCalls, expected: options.expected, elapsedMs: t - started, phase },
        io.stderrIsTTY ? (process.stderr.columns ?? 120) : null,
      );
      if (io.stderrIsTTY) io.live(io.colorErr.cyan(line));
      else io.err(`… ${line}`);
    },
    done() {
      io.live(null);
    },
  };
}
