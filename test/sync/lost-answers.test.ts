import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Faults } from '../../src/emulator/server.js';
import { withRetry } from '../../src/salesforce/retry.js';
import { FAST_RETRY } from '../helpers/test-deps.js';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

// A connection that breaks after the request was written: the org applied the call, and its answer never came.
const env = useSyncEnv();

function answerLost(pathPattern: string, times: number, extra: Partial<Faults> = {}): void {
  env.org().setFaults({ dropRate: 1, dropAfterApply: true, pathPattern, maxInjected: times, ...extra });
}
function noFaults(): void {
  env.org().setFaults({ dropRate: 0, dropAfterApply: false, pathPattern: undefined, maxInjected: 0 });
}

function contactsTagged(tag: string): Array<Record<string, unknown>> {
  return [...(env.org().store.object('Contact')?.live.values() ?? [])].filter((r) =>
    String(r.Email ?? '').startsWith(tag),
  );
}

describe('a write whose answer is lost', () => {
  it('a create is reported UNKNOWN_OUTCOME (sent, not "not sent"), never resent; --resume says UNCERTAIN and a create of its failures file is refused', async () => {
    env.write('lost.csv', 'LastName,Email\nLost A,lost-a@lost.test\nLost B,lost-b@lost.test\n');
    answerLost('^/composite/sobjects$', 1);
    let run;
    try {
      run = await env.sfsync(['create', 'lost.csv', '--object', 'Contact', '--results', 'out/lost']);
    } finally {
      noFaults();
    }
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('broke after a POST call was sent, before it answered');
    expect(run.stderr).toContain('0 not sent, 2 sent without an answer (UNKNOWN_OUTCOME)');
    expect(run.stderr).not.toContain('Cannot reach');
    // The org did create them: a blind resend would have made duplicates.
    expect(contactsTagged('lost-')).toHaveLength(2);
    const failures = readResultCsv(path.join(env.dir(), 'out/lost/failures.csv'));
    expect(failures.map((f) => [f.line, f.outcome, f.error_code])).toEqual([
      ['2', 'skipped', 'UNKNOWN_OUTCOME'],
      ['3', 'skipped', 'UNKNOWN_OUTCOME'],
    ]);
    expect(failures[0]?.error_message).toContain('may or may not have been created');

    const refused = await env.sfsync(['create', 'out/lost/failures.csv', '--object', 'Contact']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('UNKNOWN_OUTCOME');

    const resumed = await env.sfsync([
      'create',
      'lost.csv',
      '--object',
      'Contact',
      '--resume',
      '--results',
      'out/lost',
      '--json',
    ]);
    expect(resumed.json().result.counts).toMatchObject({ total: 2, created: 0, skipped: 2 });
    const after = readResultCsv(path.join(env.dir(), 'out/lost/failures.csv'));
    expect(after.map((f) => f.error_code)).toEqual(['UNCERTAIN', 'UNCERTAIN']);
    expect(contactsTagged('lost-')).toHaveLength(2);
  });

  it('an upsert on an external ID is idempotent: its lost answer is retried, and each record is written once', async () => {
    env.write(
      'ext.csv',
      'External_Id__c,LastName,Email\nEXT-1,Ext A,ext-a@lost.test\nEXT-2,Ext B,ext-b@lost.test\n',
    );
    answerLost('^/composite/sobjects/Contact/External_Id__c$', 1);
    let run;
    try {
      run = await env.sfsync([
        'upsert',
        'ext.csv',
        '--object',
        'Contact',
        '--match',
        'External_Id__c',
        '--write-all',
        '--json',
      ]);
    } finally {
      noFaults();
    }
    expect(env.org().injectedFaults()).toBeGreaterThan(0);
    expect(run.code).toBe(0);
    // The resend found what the lost call created (so it says updated): one record each.
    expect(run.json().result.counts).toMatchObject({ total: 2, failed: 0, skipped: 0 });
    expect(contactsTagged('ext-')).toHaveLength(2);
  });

  it('an upsert matched by query (creates keyed on Id) is not resent; --resume sends it again and finds the records', async () => {
    env.write('mixed.csv', 'LastName,Email\nMix A,mix-a@lost.test\nMix B,mix-b@lost.test\n');
    answerLost('^/composite/sobjects', 1);
    let run;
    try {
      run = await env.sfsync([
        'upsert',
        'mixed.csv',
        '--object',
        'Contact',
        '--match',
        'Email',
        '--results',
        'out/mixed',
      ]);
    } finally {
      noFaults();
    }
    expect(run.code).toBe(1);
    const failures = readResultCsv(path.join(env.dir(), 'out/mixed/failures.csv'));
    expect(failures.map((f) => f.error_code)).toEqual(['UNKNOWN_OUTCOME', 'UNKNOWN_OUTCOME']);
    const resumed = await env.sfsync([
      'upsert',
      'mixed.csv',
      '--object',
      'Contact',
      '--match',
      'Email',
      '--resume',
      '--results',
      'out/mixed',
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    expect(resumed.json().result.counts).toMatchObject({ total: 2, failed: 0, skipped: 0 });
    expect(contactsTagged('mix-')).toHaveLength(2);
  });
});

describe('a delete whose answer is lost', () => {
  it('is sent again, and the records the lost send deleted are reported deleted (not ENTITY_IS_DELETED failures)', async () => {
    const org = env.org();
    const ids = ['A', 'B'].map((n) => {
      const made = org.store.create('Contact', { LastName: `Gone ${n}` });
      if (!made.ok) throw new Error('not created');
      return made.id;
    });
    env.write('gone.csv', `Id\n${ids.join('\n')}\n`);
    answerLost('^/composite/sobjects$', 1);
    let run;
    try {
      run = await env.sfsync(['delete', 'gone.csv', '--object', 'Contact', '--json']);
    } finally {
      noFaults();
    }
    expect(run.code).toBe(0);
    expect(run.json().result.counts).toMatchObject({ total: 2, deleted: 2, failed: 0 });
  });
});

describe('the retry policy tells a request never sent from an answer lost', () => {
  const failing = (code: string) => {
    let calls = 0;
    const call = async (): Promise<string> => {
      if (++calls === 1) throw Object.assign(new Error(`fetch failed (${code})`), { code });
      return 'ok';
    };
    return { call, calls: () => calls };
  };
  it.each([
    ['a connect timeout (never sent): retried even for a create', 'UND_ERR_CONNECT_TIMEOUT', 'ok'],
    ['a socket closed after the request (answer lost): a create is not resent', 'UND_ERR_SOCKET', 'thrown'],
  ])('%s', async (_name, code, expected) => {
    const f = failing(code);
    const got = await withRetry(FAST_RETRY, false, f.call).catch(() => 'thrown');
    expect(got).toBe(expected);
  });
});
