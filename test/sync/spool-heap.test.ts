import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeapGovernor } from '../../src/operations/heap.js';
import { Spool } from '../../src/operations/spool.js';
import { waitFor } from '../helpers/wait-for.js';

describe('Spool', () => {
  it('gives back what it was given, owner-only on disk, and removes its file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-spool-'));
    const file = path.join(dir, 'spool.tmp');
    const spool = new Spool(file);
    const values = [',"Zoë ""quoted"", and\nnewline",Zoë', ',🚀,'];
    // Enough to pass the 1 MB write buffer, so reads come from both the file and the buffer.
    const spots = [];
    for (let i = 0; i < 12_000; i++) spots.push(spool.put(values[i % 2] as string));
    expect(spool.get(spots[11_999] as { at: number; bytes: number })).toEqual(values[1]);
    expect(spool.get(spots[0] as { at: number; bytes: number })).toEqual(values[0]);
    expect(spool.get(spots[5_000] as { at: number; bytes: number })).toEqual(values[0]);
    // In order, as a run takes them back: across the blocks it reads at a time.
    spots.forEach((spot, i) => expect(spool.get(spot)).toEqual(values[i % 2]));
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    spool.close();
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('HeapGovernor', () => {
  it('collects once the heap passes its limit, then lifts the limit above the live data', async () => {
    const governor = new HeapGovernor(1);
    governor.check();
    // The live heap of this test process is far above 1 byte: once collected, the limit follows it up.
    await waitFor(() => governor.limitBytes() > 1_000_000, 'the collection to lift the limit');
    expect(governor.limitBytes()).toBeGreaterThan(1_000_000);
  });

  it('brings the limit down again once the live data it followed up is let go', async () => {
    const governor = new HeapGovernor(1);
    let held: number[][] | undefined = Array.from({ length: 400 }, () => new Array<number>(20_000).fill(1.5));
    governor.check();
    await waitFor(() => governor.limitBytes() > 100_000_000, 'the limit to follow the live data up');
    const high = governor.limitBytes();
    held = undefined;
    // Garbage until the heap passes the limit again: the next collection finds the live data small.
    const garbage: unknown[] = [];
    await waitFor(() => {
      for (let i = 0; i < 20; i++) garbage[i % 4] = new Array<number>(100_000).fill(2.5);
      governor.check();
      // Held, the 64 MB counted twice in the limit; let go, the limit is twice the rest of the worker's heap (other
      // test files' modules and data, as vitest shares the worker): it must come down by most of those 128 MB.
      return governor.limitBytes() < high - 64_000_000;
    }, 'the limit to come down');
    expect(held).toBeUndefined();
  });

  it('does nothing when switched off', () => {
    const governor = new HeapGovernor(Infinity);
    governor.check();
    expect(governor.limitBytes()).toBe(Infinity);
  });
});
