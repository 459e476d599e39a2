import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultCsv, useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

const MAPPING = `object: Contact
fields:
  LastName: LastName
  External_Id__c: External_Id__c
  Email: Email
  Description: status
`;

describe("input columns named like sfsync's own (status, id, line)", () => {
  it('are written input_status, … in the result files (no header names a column twice), and read back as named', async () => {
    env.write(
      'rc.csv',
      'LastName,External_Id__c,status,id,input_line,Email\nKeep,RIC1,gold,x1,l1,keep@ric.test\nFix,RIC2,silver,x2,l2,not-an-email\n',
    );
    env.write('rc.yaml', MAPPING);
    const args = ['--mapping', 'rc.yaml', '--match', 'External_Id__c'];
    const first = await env.sfsync(['upsert', 'rc.csv', ...args, '--results', 'out/rc']);
    expect(first.code, first.stderr).toBe(2);
    const failures = path.join(env.dir(), 'out/rc/failures.csv');
    const header = fs.readFileSync(failures, 'utf8').split('\n')[0]?.split(',') ?? [];
    expect(header).toEqual([
      ...['line', 'outcome', 'status', 'error_code', 'error_message', 'error_fields', 'matched_ids'],
      ...['LastName', 'External_Id__c', 'input_status', 'input_id', 'input_input_line', 'Email'],
    ]);
    expect(new Set(header).size).toBe(header.length);
    const success = fs.readFileSync(path.join(env.dir(), 'out/rc/success.csv'), 'utf8').split('\n')[0];
    expect(success).toBe(
      'line,outcome,id,LastName,External_Id__c,input_status,input_id,input_input_line,Email',
    );
    // Fixed and fed back: its `status` is the input's, not sfsync's.
    fs.writeFileSync(
      failures,
      fs.readFileSync(failures, 'utf8').replace(',not-an-email\n', ',fix@ric.test\n'),
    );
    const rerun = await env.sfsync(['upsert', 'out/rc/failures.csv', ...args, '--results', 'out/rc2']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const rows = await env.query(
      "SELECT Description, Email FROM Contact WHERE External_Id__c LIKE 'RIC%' ORDER BY External_Id__c",
    );
    expect(rows.map((r) => [r.Description, r.Email])).toEqual([
      ['gold', 'keep@ric.test'],
      ['silver', 'fix@ric.test'],
    ]);
    const again = readResultCsv(path.join(env.dir(), 'out/rc2/success.csv'));
    expect(again[0]).toMatchObject({ original_line: '3', input_status: 'silver', input_input_line: 'l2' });
  });
});
