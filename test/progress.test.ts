import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../src/operations/results.js';
import { createProgress, formatProgress } from '../src/ui/progress.js';
import { createTestIO } from '../src/ui/test-io.js';

const counts = { ...emptyCounts(), total: 4200, created: 4000, updated: 150, failed: 50 };

describe('progress', () => {
  it('formats a line with the bar, rate, ETA, outcomes and API calls', () => {
    expect(formatProgress({ counts, apiCalls: 43, expected: 10_000, elapsedMs: 2000 }, 120)).toBe(
      '[########------------] 42% · 4,200/~10,000 records · 2,100/s · ETA 3s · 4,000 created, 150 updated, 0 deleted, 50 failed · 43 API calls',
    );
    expect(formatProgress({ counts, apiCalls: 43, expected: null, elapsedMs: 2000 }, null)).toBe(
      '4,200 records · 2,100/s · 4,000 created, 150 updated, 0 deleted, 50 failed · 43 API calls',
    );
  });

  it('prints a plain line every 5 seconds when stderr is not a terminal', () => {
    let t = 0;
    const io = createTestIO({ tty: false });
    const p = createProgress(io, { json: false, expected: null, now: () => t });
    t = 1000;
    p.update(counts, 10);
    expect(io.stderrText).toBe('');
    t = 6000;
    p.update(counts, 12);
    t = 7000;
    p.update(counts, 13);
    expect(io.stderrText).toBe(
      '… 4,200 records · 700/s · 4,000 created, 150 updated, 0 deleted, 50 failed · 12 API calls\n',
    );
  });

  it('redraws one line in place on a terminal and clears it at the end', () => {
    let t = 0;
    const io = createTestIO({ tty: true, env: { NO_COLOR: '1' } });
    const p = createProgress(io, { json: false, expected: 10_000, now: () => t });
    t = 200;
    p.update(counts, 1);
    t = 400;
    p.update(counts, 2);
    p.done();
    expect(io.stderrText.split('\r\u001b[2K')).toHaveLength(4);
    expect(io.stderrText.endsWith('\r\u001b[2K')).toBe(true);
  });

  it('says nothing with --json', () => {
    let t = 0;
    const io = createTestIO({ tty: false });
    const p = createProgress(io, { json: true, expected: null, now: () => t });
    t = 60_000;
    p.update(counts, 1);
    expect(io.stderrText).toBe('');
  });
});
