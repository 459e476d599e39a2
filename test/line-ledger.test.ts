import { describe, expect, it } from 'vitest';
import type { InputRecord } from '../src/input/types.js';
import { LineLedger } from '../src/operations/line-ledger.js';
import type { ResultSink } from '../src/operations/results.js';

/** A ledger over these lines, read as one chunk; `sink.onOutcome` is how outcomes reach it. */
async function ledgerOf(lines: number[]): Promise<{ ledger: LineLedger; sink: ResultSink }> {
  const sink = {} as ResultSink;
  const ledger = new LineLedger(sink);
  const chunk: InputRecord[] = lines.map((line) => ({ line, values: {} }));
  async function* input(): AsyncIterable<InputRecord[]> {
    yield chunk;
  }
  for await (const _ of ledger.tap(input())) void _;
  return { ledger, sink };
}

describe('where a stopped run is in its input (line ledger)', () => {
  it('follows outcomes in file order, and in any order, to the first line without one', async () => {
    const { ledger, sink } = await ledgerOf([2, 3, 5, 6, 9]);
    sink.onOutcome?.(2, 'created');
    sink.onOutcome?.(3, 'would create');
    expect(ledger.point()).toEqual({ handledUpTo: 3, records: 2, highest: 3, open: 5 });
    // Out of order (records grouped by parent): 9 and 6 wait for 5.
    sink.onOutcome?.(9, 'updated');
    sink.onOutcome?.(6, 'failed', 'VALUE_INVALID');
    expect(ledger.point()).toEqual({ handledUpTo: 3, records: 2, highest: 9, open: 5 });
    sink.onOutcome?.(5, 'created');
    expect(ledger.point()).toEqual({ handledUpTo: 9, records: 5, highest: 9 });
  });

  it('leaves a record not sent, or sent without an answer, open for the resume', async () => {
    const { ledger, sink } = await ledgerOf([2, 3, 4]);
    sink.onOutcome?.(2, 'created');
    sink.onOutcome?.(3, 'skipped', 'NOT_PROCESSED');
    sink.onOutcome?.(4, 'created');
    expect(ledger.point()).toEqual({ handledUpTo: 2, records: 1, highest: 4, open: 3 });
  });

  it('keeps counting records in order after dropping the handled front of a long input', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => i + 2);
    const { ledger, sink } = await ledgerOf(lines);
    for (const line of lines.slice(0, 9_000)) sink.onOutcome?.(line, 'created');
    sink.onOutcome?.(9_500, 'created');
    expect(ledger.point()).toEqual({ handledUpTo: 9_001, records: 9_000, highest: 9_500, open: 9_002 });
    for (const line of lines.slice(9_000)) if (line !== 9_500) sink.onOutcome?.(line, 'created');
    expect(ledger.point()).toEqual({ handledUpTo: 10_001, records: 10_000, highest: 10_001 });
  });
});
