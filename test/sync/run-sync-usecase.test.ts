import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTokenStore } from '../../src/auth/token-store.js';
import type { InterruptHandlers } from '../../src/core/interrupt.js';
import type { SyncOptions } from '../../src/core/sync-options.js';
import { SfsyncError } from '../../src/errors.js';
import { runSync, type SyncEvent, type SyncPorts } from '../../src/operations/run-sync.js';
import { createConnector } from '../../src/salesforce/connect.js';
import { useLocalOrg } from '../helpers/local-org.js';
import { FAST_RETRY } from '../helpers/test-deps.js';

// The sync use case called directly, without the CLI: options in, ports for its side effects, and the events it
// emits (it never prints) collected for assertions.
const local = useLocalOrg();
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-usecase-'));
});

function options(
  operation: SyncOptions['operation'],
  file: string,
  extra: Partial<SyncOptions> = {},
): SyncOptions {
  return {
    operation,
    file,
    json: false,
    verbose: false,
    dryRun: false,
    offline: false,
    resume: false,
    failFast: false,
    ...extra,
  };
}

function ports(extra: Partial<SyncPorts> & { connected?: () => void } = {}): {
  ports: SyncPorts;
  events: SyncEvent[];
  emit: (e: SyncEvent) => void;
  signals: () => InterruptHandlers | undefined;
  connects: () => number;
} {
  const env = { SFSYNC_INSTANCE_URL: local.org().instanceUrl, SFSYNC_ACCESS_TOKEN: local.org().accessToken };
  const connect = createConnector(env, () => createMemoryTokenStore(), FAST_RETRY);
  const events: SyncEvent[] = [];
  let handlers: InterruptHandlers | undefined;
  let connects = 0;
  return {
    ports: {
      connect: async (o) => {
        connects++;
        const client = await connect(o);
        extra.connected?.();
        return client;
      },
      now: () => new Date('2026-01-02T03:04:05.000Z'),
      cwd: dir,
      env: {},
      stdin: fs.createReadStream('/dev/null'),
      onInterrupt: (h) => {
        handlers = h;
        return () => (handlers = undefined);
      },
      ...extra,
    },
    events,
    emit: (e) => events.push(e),
    signals: () => handlers,
    connects: () => connects,
  };
}

function write(name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return name;
}

const ofType = <T extends SyncEvent['type']>(events: SyncEvent[], type: T) =>
  events.filter((e): e is Extract<SyncEvent, { type: T }> => e.type === type);

describe('runSync, the sync use case without the CLI', () => {
  it('upserts through REST, reporting progress as events, then finds the same records unchanged', async () => {
    const file = write('people.csv', 'LastName,Email\nLee,lee@usecase.test\nKim,kim@usecase.test\n');
    const first = ports();
    const created = await runSync(
      options('upsert', file, { object: 'Contact', match: ['Email'], results: 'out/first' }),
      first.ports,
      first.emit,
    );
    expect(created.exitCode).toBe(0);
    expect(created.result).toMatchObject({
      api: 'rest',
      object: 'Contact',
      objectSource: '--object',
      matchFields: ['Email'],
      counts: { total: 2, created: 2, updated: 0, failed: 0 },
    });
    const progress = ofType(first.events, 'progress');
    expect(progress.at(-1)).toMatchObject({ phase: 'REST', counts: { total: 2, created: 2 } });
    expect(ofType(first.events, 'warning')).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'out/first/summary.json'), 'utf8'))).toMatchObject({
      counts: { created: 2 },
      error: null,
    });

    const again = ports();
    const second = await runSync(
      options('upsert', file, { object: 'Contact', match: ['Email'], results: 'out/second' }),
      again.ports,
      again.emit,
    );
    expect(second.result.counts).toMatchObject({ total: 2, created: 0, unchanged: 2 });
  });

  it('says before writing that a key repeats, as a warning event, and writes in file order', async () => {
    const file = write('repeat.csv', 'LastName,Email\nOne,same@usecase.test\nTwo,same@usecase.test\n');
    const run = ports();
    const { result } = await runSync(
      options('upsert', file, { object: 'Contact', match: ['Email'], results: 'out/repeat' }),
      run.ports,
      run.emit,
    );
    const warnings = ofType(run.events, 'warning').map((e) => e.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('1 match key is carried by more than one record (2 records)');
    expect(result.repeatedKeys).toMatchObject({ keys: 1, records: 2 });
    expect(result.counts).toMatchObject({ created: 1, updated: 1 });
  });

  it('tells of each Bulk API job it opens', async () => {
    const file = write('bulk.csv', 'LastName,Email\nBulk,bulk@usecase.test\n');
    const run = ports();
    const { result } = await runSync(
      options('create', file, { object: 'Contact', api: 'bulk', results: 'out/bulk' }),
      run.ports,
      run.emit,
    );
    const jobs = ofType(run.events, 'bulk-job-opened');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.job).toMatchObject({ operation: 'insert', object: 'Contact', records: 1 });
    expect(result).toMatchObject({ api: 'bulk', counts: { created: 1 } });
    expect(result.bulkJobs.map((j) => j.id)).toEqual([jobs[0]?.job.id]);
  });

  it('stops on a signal: a stopping event, then an error carrying the result and the command to continue', async () => {
    const file = write('stop.csv', 'LastName,Email\nStop,stop@usecase.test\n');
    // The signal comes once the org is reached, before anything is read: nothing is sent.
    const run: ReturnType<typeof ports> = ports({ connected: () => run.signals()?.stop('SIGTERM') });
    const error = await runSync(
      options('create', file, { object: 'Contact', results: 'out/stop' }),
      run.ports,
      run.emit,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SfsyncError);
    const stopped = error as SfsyncError;
    expect(stopped.code).toBe('INTERRUPTED');
    expect(stopped.exitCode).toBe(143);
    expect(stopped.resume).toContain('--resume');
    expect(stopped.result).toMatchObject({ ended: 'interrupted', signal: 'SIGTERM', counts: { created: 0 } });
    expect(ofType(run.events, 'stopping')).toEqual([{ type: 'stopping', signal: 'SIGTERM' }]);
    // The use case never renders: the summary lines are the command's job.
    expect(stopped.summary).toBeUndefined();
    expect(run.signals()).toBeUndefined();
  });

  it('a signal before the match export: no export job is opened (nothing more is asked of the org)', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `Exp ${i},exp${i}@usecase.test`);
    const file = write('export-stop.csv', `LastName,Email\n${rows.join('\n')}\n`);
    const run: ReturnType<typeof ports> = ports({ connected: () => run.signals()?.stop('SIGINT') });
    const error = await runSync(
      options('upsert', file, { object: 'Contact', match: ['Email'], results: 'out/export-stop' }),
      run.ports,
      run.emit,
    ).catch((e: unknown) => e);
    expect((error as SfsyncError).code).toBe('INTERRUPTED');
    expect(ofType(run.events, 'match-export-started')).toEqual([]);
  });

  it('refuses --hard with no one to confirm before it connects', async () => {
    const file = write('hard.csv', 'Id\n003000000000001AAA\n');
    const run = ports();
    const error = await runSync(
      options('delete', file, { object: 'Contact', hard: true, results: 'out/hard' }),
      run.ports,
      run.emit,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'USAGE',
      // The user's command again, every flag kept (--object too), with --yes.
      hint: 'Add --yes to confirm: sfsync delete hard.csv --object Contact --hard --yes --results out/hard',
    });
    expect(run.connects()).toBe(0);
    expect(run.events).toEqual([]);
  });
});
