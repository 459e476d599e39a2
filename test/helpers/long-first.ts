import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Longest files first. Two workers take files from one queue: started last, a long file would run on alone while
 * the other worker idles, so the long ones start first and the short ones fill in around them. How long a file
 * takes comes from vitest's own results cache (the last run on this machine) or, on a fresh checkout (CI), from
 * test/durations.json, which `npm run test:durations` records (a plain `npm test` never writes a tracked file).
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
 * With SFSYNC_RECORD_DURATIONS=1 (`npm run test:durations`), after a full run that passed: writes each file's
 * duration to test/durations.json, for the order of the next run on a fresh checkout.
 */
export class DurationsReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (process.env.SFSYNC_RECORD_DURATIONS !== '1') return;
    const measured: Record<string, number> = {};
    for (const m of modules) measured[relative(m.moduleId)] = Math.round(m.diagnostic().duration);
    const missing = allTestFiles().filter((f) => !(f in measured));
    if (missing.length > 0 || modules.some((m) => m.state() !== 'passed')) {
      this.vitest?.logger.error('test/durations.json is recorded from a full run that passes: not written.');
      return;
    }
    const kept = Object.entries(measured)
      .filter(([, ms]) => ms >= RECORD_MS)
      .sort((a, b) => b[1] - a[1]);
    fs.writeFileSync(DURATIONS_FILE, `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`);
    this.vitest?.logger.log(`test/durations.json: ${kept.length} files recorded.`);
  }
}
