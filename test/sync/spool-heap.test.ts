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

  it('does nothing when switched off', () => {
    const governor = new HeapGovernor(Infinity);
    governor.check();
    expect(governor.limitBytes()).toBe(Infinity);
  });
});
