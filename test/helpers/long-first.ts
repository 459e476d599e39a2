import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Longest files first. Two workers take files from one queue: started last, a long file would run on alone while
 * the other worker idles, so the long ones start first and the short ones fill in around them. How long a file
 * takes comes from vitest's own results cache (the last run on this machine) or, on a fresh checkout (CI), from
 * test/durations.json, which a full passing run rewrites when the order it gives has gone stale.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
export const DURATIONS_FILE = path.join(ROOT, 'test/durations.json');
/** Files shorter than this are left out of test/durations.json: their order hardly matters. */
const RECORD_MS = 500;

type Durations = Record<string, number>;

export function readDurations(file = DURATIONS_FILE): Durations {
  if (!fs.existsSync(file)) return {};
  const recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as Durations;
  // A renamed or deleted file would leave its successor unranked: fail loudly rather than run in a worse order.
  const gone = Object.keys(recorded).filter((file) => !fs.existsSync(path.join(ROOT, file)));
  if (gone.length > 0)
    throw new Error(
      `${path.relative(ROOT, file)} names ${gone.join(', ')}, which no longer exist${gone.length === 1 ? 's' : ''}: ` +
        'remove the line (a full `npm test` run records the new durations).',
    );
  return recorded;
}

const relative = (moduleId: string): string => path.relative(ROOT, moduleId).split(path.sep).join('/');

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const recorded = readDurations();
    const ms = new Map(
      files.map((spec) => {
        const file = relative(spec.moduleId);
        const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`)?.duration;
        return [spec, cached ?? recorded[file] ?? 0];
      }),
    );
    return (await super.sort(files)).sort((a, b) => (ms.get(b) ?? 0) - (ms.get(a) ?? 0));
  }
}

/** Every test file of `npm test` (vitest.config.ts's include and exclude). */
function allTestFiles(): string[] {
  return (fs.readdirSync(path.join(ROOT, 'test'), { recursive: true }) as string[])
    .map((f) => `test/${f.split(path.sep).join('/')}`)
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith('test/conformance/'));
}

/**
 * Whether the recorded durations would start the files in a clearly different order: a file's share of the run
 * (its time over the whole) is twice or half what was recorded, for any file that takes a share worth ordering.
 * Shares, not times, so that a loaded machine, slower everywhere, is not taken for a change.
 */
export function stale(recorded: Durations, measured: Durations): string[] {
  const total = (d: Durations): number => Object.values(d).reduce((a, b) => a + b, 0) || 1;
  const [r, m] = [total(recorded), total(measured)];
  const worthOrdering = 0.02;
  return Object.keys({ ...recorded, ...measured }).filter((file) => {
    const was = (recorded[file] ?? 0) / r;
    const now = (measured[file] ?? 0) / m;
    return Math.max(was, now) >= worthOrdering && (now > 2 * was || now < was / 2);
  });
}

/** After a full run that passed: rewrites test/durations.json when its order has gone stale, and says so. */
export class DurationsReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const measured: Durations = {};
    for (const m of modules) measured[relative(m.moduleId)] = Math.round(m.diagnostic().duration);
    const full = allTestFiles().every((f) => f in measured);
    // Not from a run under an artificial load (npm run test:stress sets SFSYNC_STRESS): its shares are not the usual.
    if (!full || process.env.SFSYNC_STRESS || modules.some((m) => m.state() !== 'passed')) return;
    const recorded = fs.existsSync(DURATIONS_FILE) ? readDurations() : {};
    const changed = stale(recorded, measured);
    if (changed.length === 0) return;
    const kept = Object.entries(measured)
      .filter(([, ms]) => ms >= RECORD_MS)
      .sort((a, b) => b[1] - a[1]);
    fs.writeFileSync(DURATIONS_FILE, `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`);
    this.vitest?.logger.log(
      `test/durations.json was stale (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}): ` +
        'rewritten from this run, for the order of the next one on a fresh checkout. Commit it.',
    );
  }
}
