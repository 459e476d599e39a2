import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();
const CONTACTS = 'LastName,Email\nOne,one@where.test\nTwo,two@where.test\n';
const args = (file: string): string[] => ['upsert', file, '--object', 'Contact', '--match', 'Email'];

describe('--resume without --results', () => {
  it('with no earlier run, is refused before any call, naming where it looked and --results DIR', async () => {
    const file = env.write('far/d.csv', CONTACTS);
    const before = env.org().apiCalls();
    const r = await env.sfsync([...args(file), '--resume']);
    expect(r.code, r.stderr).toBe(1);
    expect(env.org().apiCalls()).toBe(before);
    expect(r.stderr).toContain(`No earlier upsert of ${file} was found under`);
    expect(r.stderr).toContain(path.join(env.dir(), 'sfsync-results'));
    expect(r.stderr).toContain(path.join(env.dir(), 'far', 'sfsync-results'));
    expect(r.stderr).toContain('--results DIR');
  });

  it('finds the run kept beside the input file', async () => {
    const file = env.write('near/d.csv', CONTACTS);
    const kept = path.join('near', 'sfsync-results', '20260101T000000Z-upsert-Contact');
    const first = await env.sfsync([...args(file), '--results', kept]);
    expect(first.code, first.stderr).toBe(0);
    // Killed before its summary: unfinished.
    fs.rmSync(path.join(env.dir(), kept, 'summary.json'));
    const r = await env.sfsync([...args(file), '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain(kept);
  });
});
