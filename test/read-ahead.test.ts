import { describe, expect, it } from 'vitest';
import { readAhead } from '../src/operations/read-ahead.js';
import { waitFor } from './helpers/wait-for.js';

/** Chunks of two numbers each, counting what was read; fails after `failAfter` chunks when given. */
function source(chunks: number, failAfter?: number) {
  const seen = { read: 0, closed: false };
  async function* gen(): AsyncGenerator<number[]> {
    try {
      for (let i = 0; i < chunks; i++) {
        if (i === failAfter) throw new Error('unreadable');
        seen.read++;
        yield [2 * i, 2 * i + 1];
      }
    } finally {
      seen.closed = true;
    }
  }
  return { records: gen(), seen };
}

async function all(chunks: AsyncIterable<number[]>): Promise<number[]> {
  const out: number[] = [];
  for await (const c of chunks) out.push(...c);
  return out;
}

describe('reading ahead while the org prepares', () => {
  it('reads up to the limit before the run asks, then gives every record in file order', async () => {
    const { records, seen } = source(10);
    let ready = (): void => {};
    const wait = new Promise<void>((r) => (ready = r));
    const ahead = readAhead(records, wait, 5);
    await waitFor(() => seen.read === 3, 'three chunks read ahead');
    // Three chunks (six records) reach the limit of five: nothing more is read until the run reads.
    await new Promise((r) => setImmediate(r));
    expect(seen.read).toBe(3);
    ready();
    expect(await all(ahead)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(seen.closed).toBe(true);
  });

  it('a read that fails ahead fails after the records before it; a run that stops early closes the file', async () => {
    const failing = source(10, 2);
    const ahead = readAhead(failing.records, new Promise(() => {}), 100);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const c of ahead) got.push(...c);
      })(),
    ).rejects.toThrow('unreadable');
    expect(got).toEqual([0, 1, 2, 3]);

    const { records, seen } = source(10);
    const stopped = readAhead(records, Promise.resolve(), 100);
    for await (const c of stopped) if (c[0] === 2) break;
    expect(seen.closed).toBe(true);
    expect(seen.read).toBeLessThan(10);
  });
});
