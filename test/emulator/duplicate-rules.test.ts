import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsforce from 'jsforce';
import { beforeEach, describe, expect, it } from 'vitest';
import { runEmulator, type EmulatorInfo } from '../../src/commands/emulator.js';
import type { EmulatorOptions } from '../../src/commands/options.js';
import { errorOf, useLocalOrg } from '../helpers/local-org.js';
import { createTestDeps } from '../helpers/test-deps.js';

const { org, conn } = useLocalOrg();

const HEADER = { 'Sforce-Duplicate-Rule-Header': 'allowSave=true; includeRecordDetails=false' };

async function control(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${org().instanceUrl}/__emulator/${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

interface DuplicateResult {
  allowSave: boolean;
  duplicateRule: string;
  matchResults: Array<{ entityType: string; matchRecords: Array<{ record: { Id: string } }> }>;
}

function matchedIds(result: DuplicateResult | undefined): string[] {
  return result?.matchResults.flatMap((m) => m.matchRecords.map((r) => r.record.Id)) ?? [];
}

describe('duplicate rules on the local org, seen by jsforce', () => {
  let existing: string;
  beforeEach(async () => {
    org().setDuplicateRules([]);
    const r = await conn()
      .sobject('Contact')
      .create({ LastName: 'Dup', Email: `Ann.${Date.now()}@Dup.Test` });
    existing = r.id as string;
    const row = await conn().sobject('Contact').retrieve(existing);
    email = String(row.Email);
  });
  let email = '';

  it('blocks a create whose email matches, case-insensitively, with duplicateResut on the single-record call', async () => {
    org().setDuplicateRules([
      { name: 'Contact_Email', object: 'Contact', fields: ['Email'], action: 'block' },
    ]);
    const err = await errorOf(
      conn().sobject('Contact').create({ LastName: 'Again', Email: email.toUpperCase() }),
    );
    expect(err.errorCode).toBe('DUPLICATES_DETECTED');
    expect(err.message).toBe('Use one of these records?');
    const data = err.data as { duplicateResut?: DuplicateResult };
    expect(data.duplicateResut?.allowSave).toBe(false);
    expect(data.duplicateResut?.duplicateRule).toBe('Contact_Email');
    expect(matchedIds(data.duplicateResut)).toEqual([existing]);
    // A block rule is not bypassed by the header.
    const again = await errorOf(
      conn().sobject('Contact').create({ LastName: 'Again', Email: email }, { headers: HEADER }),
    );
    expect(again.errorCode).toBe('DUPLICATES_DETECTED');
  });

  it('an alert rule refuses an API save until the header acknowledges it (collections too)', async () => {
    org().setDuplicateRules([
      { name: 'Contact_Email_Alert', object: 'Contact', fields: ['Email'], action: 'alert' },
    ]);
    const [refused] = await conn()
      .sobject('Contact')
      .create([{ LastName: 'Twin', Email: email }], { allOrNone: false });
    expect(refused?.success).toBe(false);
    const error = (refused as { errors: Array<{ statusCode: string; duplicateResult?: DuplicateResult }> })
      .errors[0];
    expect(error?.statusCode).toBe('DUPLICATES_DETECTED');
    expect(error?.duplicateResult?.allowSave).toBe(true);
    expect(matchedIds(error?.duplicateResult)).toEqual([existing]);

    const single = await conn()
      .sobject('Contact')
      .create({ LastName: 'Twin', Email: email }, { headers: HEADER });
    expect(single.success).toBe(true);
    const [many] = await conn()
      .sobject('Contact')
      .create([{ LastName: 'Triplet', Email: email }], { allOrNone: false, headers: HEADER });
    expect(many?.success).toBe(true);
  });

  it('an sObject Tree request honours the header too', async () => {
    org().setDuplicateRules([{ name: 'Alert', object: 'Contact', fields: ['Email'], action: 'alert' }]);
    const tree = (headers: Record<string, string>) =>
      fetch(`${org().instanceUrl}/services/data/v62.0/composite/tree/Contact`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${org().accessToken}`,
          'Content-Type': 'application/json',
          ...headers,
        },
        body: JSON.stringify({
          records: [{ attributes: { type: 'Contact', referenceId: 'c1' }, LastName: 'Tree', Email: email }],
        }),
      });
    const refused = await tree({});
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('DUPLICATES_DETECTED');
    expect((await tree(HEADER)).status).toBe(201);
  });

  it('runs on edit, never matching the record with itself, and not when inactive or report-only', async () => {
    org().setDuplicateRules([{ name: 'Contact_Email', object: 'Contact', fields: ['Email'] }]);
    const other = await conn()
      .sobject('Contact')
      .create({ LastName: 'Other', Email: `other.${Date.now()}@dup.test` });
    expect((await conn().sobject('Contact').update({ Id: existing, LastName: 'Renamed' })).success).toBe(
      true,
    );
    const err = await errorOf(
      conn().request({
        method: 'PATCH',
        url: `/services/data/v62.0/sobjects/Contact/${other.id}`,
        body: JSON.stringify({ Email: email }),
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    expect(err.errorCode).toBe('DUPLICATES_DETECTED');
    org().setDuplicateRules([
      { name: 'Off', object: 'Contact', fields: ['Email'], active: false },
      { name: 'Report', object: 'Contact', fields: ['Email'], action: 'report' },
    ]);
    expect((await conn().sobject('Contact').create({ LastName: 'Free', Email: email })).success).toBe(true);
  });

  it('matches Accounts on name, and Bulk API jobs (which take no header) fail alert rules', async () => {
    await control('duplicate-rules', [
      { name: 'Account_Name', object: 'Account', fields: ['Name'], action: 'alert' },
    ]);
    const acme = await conn().sobject('Account').create({ Name: 'Acme Dup Corp' });
    const res = await conn().bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'insert',
      input: 'Name\nacme dup corp\nFresh Dup Corp\n',
      pollTimeout: 10_000,
    });
    expect(res.successfulResults).toHaveLength(1);
    expect(res.failedResults.map((r) => r.sf__Error)).toEqual([
      'DUPLICATES_DETECTED:Use one of these records?: --',
    ]);
    expect(acme.success).toBe(true);
  });

  it('refuses malformed rules at the control endpoint, naming the rule', async () => {
    const bad = await control('duplicate-rules', [{ name: 'X', object: 'Contact', fields: ['Nope__c'] }]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('duplicate rule 1 (X): Contact has no field Nope__c');
  });
});

describe('hard delete on the local org, seen by jsforce', () => {
  it('purges records instead of moving them to the recycle bin', async () => {
    const a = await conn().sobject('Lead').create({ LastName: 'Gone', Company: 'Purge Co' });
    const b = await conn().sobject('Lead').create({ LastName: 'Binned', Company: 'Purge Co' });
    const res = await conn().bulk2.loadAndWaitForResults({
      object: 'Lead',
      operation: 'hardDelete',
      input: `Id\n${a.id}\n`,
      pollTimeout: 10_000,
    });
    expect(res.successfulResults).toHaveLength(1);
    await conn()
      .sobject('Lead')
      .destroy(b.id as string);
    const all = await conn().query("SELECT Id, IsDeleted FROM Lead WHERE Company = 'Purge Co'", {
      scanAll: true,
    });
    expect(all.records.map((r) => r.Id)).toEqual([b.id]);
    expect(org().store.find(a.id as string)).toBeUndefined();
  });

  it('refuses a hardDelete job without the "Bulk API Hard Delete" permission', async () => {
    const off = await control('permissions', { bulkApiHardDelete: false });
    expect(off.json).toEqual({ bulkApiHardDelete: false });
    try {
      const err = await errorOf(
        conn().request({
          method: 'POST',
          url: '/services/data/v62.0/jobs/ingest',
          body: JSON.stringify({ object: 'Lead', operation: 'hardDelete' }),
          headers: { 'Content-Type': 'application/json' },
        }),
      );
      expect(err.errorCode).toBe('FeatureNotEnabled');
      expect(err.message).toBe(
        'hardDelete operation requires special user profile permission, please contact your system administrator',
      );
    } finally {
      org().setPermissions({ bulkApiHardDelete: true });
    }
  });
});

describe('sfsync emulator --duplicate-rules FILE --deny-hard-delete', () => {
  async function withCliOrg(
    args: Partial<EmulatorOptions>,
    fn: (info: EmulatorInfo) => Promise<void>,
  ): Promise<void> {
    const deps = createTestDeps();
    let ready: (info: EmulatorInfo) => void = () => {};
    const started = new Promise<EmulatorInfo>((resolve) => (ready = resolve));
    const running = runEmulator({ json: false, verbose: false, port: 0, ...args }, deps, (info) =>
      ready(info),
    );
    const info = await Promise.race([started, running.then(() => Promise.reject(new Error('stopped')))]);
    try {
      await fn(info);
    } finally {
      deps.stop();
      await running;
    }
  }

  it('enforces the rules of a YAML file and refuses hardDelete jobs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-duprules-'));
    const file = path.join(dir, 'rules.yaml');
    fs.writeFileSync(
      file,
      'rules:\n  - name: Lead_Email\n    object: Lead\n    fields: [Email]\n    action: block\n',
    );
    await withCliOrg({ duplicateRules: file, denyHardDelete: true }, async (info) => {
      const c = new jsforce.Connection({
        instanceUrl: info.instanceUrl,
        accessToken: info.accessToken,
        version: '62.0',
      });
      await c.sobject('Lead').create({ LastName: 'L', Company: 'C', Email: 'lead@dup.test' });
      const err = await errorOf(
        c.sobject('Lead').create({ LastName: 'M', Company: 'C', Email: 'LEAD@dup.test' }),
      );
      expect(err.errorCode).toBe('DUPLICATES_DETECTED');
      const job = await errorOf(c.bulk2.createJob({ object: 'Lead', operation: 'hardDelete' }).open());
      expect(job.message).toContain('hardDelete operation requires special user profile permission');
    });
  });

  it('names the file and the rule when a rule is wrong', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-duprules-'));
    const file = path.join(dir, 'rules.json');
    fs.writeFileSync(file, JSON.stringify([{ name: 'Acc', object: 'Acount', fields: ['Name'] }]));
    const err = await errorOf(
      runEmulator({ json: false, verbose: false, port: 0, duplicateRules: file }, createTestDeps(), () => {}),
    );
    expect(err.message).toBe(
      `--duplicate-rules ${file}: duplicate rule 1 (Acc): the org has no object Acount`,
    );
  });
});
