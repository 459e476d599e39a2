import { describe, expect, it } from 'vitest';
import { BulkWriter } from '../../src/operations/bulk-writer.js';
import { SfsyncError } from '../../src/errors.js';
import { clientOf, useLocalOrg } from '../helpers/local-org.js';

const local = useLocalOrg();

const contacts = (from: number) =>
  Array.from({ length: 10 }, (_, i) => ({ LastName: `Halt ${from + i}`, Email: `h${from + i}@halt.test` }));

describe('a Bulk writer after Ctrl-C', () => {
  it('opens no new job: one waiting for a slot answers with the interrupt, the one running ends', async () => {
    const writer = new BulkWriter(clientOf(local.org()), {
      jobRecords: 10,
      jobsAtOnce: 1,
      maxUploadBytes: 1 << 20,
      lingerMs: 60_000,
    });
    // Two full jobs, one slot: the first runs, the second waits for it.
    const running = writer.create('Contact', contacts(0));
    const waiting = writer.create('Contact', contacts(10));
    writer.halt(new SfsyncError('INTERRUPTED', 'Interrupted by SIGINT.'));
    expect((await running).every((r) => r.success)).toBe(true);
    const answers = await waiting;
    expect(answers.map((r) => r.errors[0]?.statusCode)).toEqual(Array(10).fill('INTERRUPTED'));
    expect(local.org().store.count('Contact')).toBe(10);
  });
});
