import { describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

/** Bulk API 1.0 as simple-salesforce and scripts call it: JSON bodies and the X-SFDC-Session header. */
async function async(
  method: string,
  path: string,
  body?: unknown,
  type = 'application/json',
): Promise<{ status: number; type: string | null; text: string; json: () => unknown }> {
  const res = await fetch(`${org().instanceUrl}/services/async/62.0${path}`, {
    method,
    headers: { 'X-SFDC-Session': org().accessToken, 'Content-Type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, json: () => JSON.parse(text) };
}

async function settled(jobId: string, batchId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const info = (await async('GET', `/job/${jobId}/batch/${batchId}`)).json() as Record<string, unknown>;
    if (info.state !== 'Queued' && info.state !== 'InProgress') return info;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Bulk API 1.0 (/services/async)', () => {
  it('loads through jsforce’s bulk (XML jobs, CSV batches) with per-record results', async () => {
    const bulk = conn().bulk;
    bulk.pollInterval = 10;
    const results = await bulk.load('Contact', 'insert', [
      { LastName: 'V1 One', Email: 'v1@example.com' },
      { LastName: '', Email: 'v1-bad@example.com' },
    ]);
    expect(results).toEqual([
      { id: expect.stringMatching(/^003/), success: true, created: true, errors: [] },
      {
        id: null,
        success: false,
        created: false,
        errors: ['REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --'],
      },
    ]);
    const found = await conn().query("SELECT LastName FROM Contact WHERE Email = 'v1@example.com'");
    expect(found.records).toMatchObject([{ LastName: 'V1 One' }]);
  });

  it('runs JSON jobs: upsert by external ID, serial batches in order, job and batch infos', async () => {
    const created = await async('POST', '/job', {
      operation: 'upsert',
      object: 'Account',
      externalIdFieldName: 'External_Id__c',
      contentType: 'JSON',
      concurrencyMode: 'Serial',
    });
    expect(created.status).toBe(201);
    const job = created.json() as Record<string, unknown>;
    expect(job).toMatchObject({
      id: expect.stringMatching(/^750/),
      operation: 'upsert',
      object: 'Account',
      state: 'Open',
      concurrencyMode: 'Serial',
      contentType: 'JSON',
      externalIdFieldName: 'External_Id__c',
      numberBatchesTotal: 0,
    });
    const first = (
      await async('POST', `/job/${job.id}/batch`, [
        { External_Id__c: 'V1-1', Name: 'First' },
        { External_Id__c: 'V1-2', Name: 'Second', Parent: { External_Id__c: 'V1-1' } },
      ])
    ).json() as Record<string, unknown>;
    const second = (
      await async('POST', `/job/${job.id}/batch`, [
        { External_Id__c: 'V1-1', Name: 'First, renamed', Phone: null },
      ])
    ).json() as Record<string, unknown>;
    expect(first).toMatchObject({
      jobId: job.id,
      state: expect.stringMatching(/Queued|InProgress|Completed/),
    });
    expect(await settled(job.id as string, first.id as string)).toMatchObject({
      state: 'Completed',
      numberRecordsProcessed: 2,
      numberRecordsFailed: 0,
    });
    await settled(job.id as string, second.id as string);
    const results = (await async('GET', `/job/${job.id}/batch/${second.id}/result`)).json();
    expect(results).toEqual([
      { success: true, created: false, id: expect.stringMatching(/^001/), errors: [] },
    ]);
    const closed = (await async('POST', `/job/${job.id}`, { state: 'Closed' })).json();
    expect(closed).toMatchObject({ state: 'Closed', numberBatchesCompleted: 2, numberRecordsProcessed: 3 });
    const list = (await async('GET', `/job/${job.id}/batch`)).json() as { batchInfo: Array<{ id: string }> };
    expect(list.batchInfo.map((b) => b.id)).toEqual([first.id, second.id]);
    const rows = await conn().query<{ Name: string; Parent: { Name: string } | null }>(
      "SELECT Name, Parent.Name FROM Account WHERE External_Id__c IN ('V1-1', 'V1-2') ORDER BY External_Id__c",
    );
    expect(rows.records.map((r) => [r.Name, r.Parent?.Name ?? null])).toEqual([
      ['First, renamed', null],
      ['Second', 'First, renamed'],
    ]);
    const late = await async('POST', `/job/${job.id}/batch`, []);
    expect(late.status).toBe(400);
    expect(late.json()).toMatchObject({ exceptionCode: 'InvalidJobState' });
  });

  it('runs query jobs: jsforce’s bulk.query streams the CSV result; JSON jobs answer records', async () => {
    const bulk = conn().bulk;
    bulk.pollInterval = 10;
    await conn()
      .sobject('Contact')
      .create([
        { LastName: 'V1Q A', Department: 'V1Q' },
        { LastName: 'V1Q B', Department: 'V1Q' },
      ]);
    const stream = await bulk.query(
      "SELECT Id, LastName FROM Contact WHERE Department = 'V1Q' ORDER BY LastName",
    );
    const records: Array<Record<string, unknown>> = [];
    await new Promise((resolve, reject) => {
      stream.on('record', (r: Record<string, unknown>) => records.push(r));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(records.map((r) => r.LastName)).toEqual(['V1Q A', 'V1Q B']);

    const job = (
      await async('POST', '/job', { operation: 'query', object: 'Contact', contentType: 'JSON' })
    ).json() as {
      id: string;
    };
    const batch = (
      await async(
        'POST',
        `/job/${job.id}/batch`,
        "SELECT LastName FROM Contact WHERE Department = 'V1Q'",
        'application/json',
      )
    ).json() as { id: string };
    expect(await settled(job.id, batch.id)).toMatchObject({ state: 'Completed', numberRecordsProcessed: 2 });
    const ids = (await async('GET', `/job/${job.id}/batch/${batch.id}/result`)).json() as string[];
    expect(ids).toEqual([expect.stringMatching(/^752/)]);
    const rows = (await async('GET', `/job/${job.id}/batch/${batch.id}/result/${ids[0]}`)).json() as Array<{
      LastName: string;
    }>;
    expect(rows.map((r) => r.LastName).sort()).toEqual(['V1Q A', 'V1Q B']);
    const agg = (
      await async('POST', `/job/${job.id}/batch`, 'SELECT COUNT(Id) FROM Contact', 'application/json')
    ).json() as { id: string };
    expect(await settled(job.id, agg.id)).toMatchObject({
      state: 'Failed',
      stateMessage: expect.stringContaining('Aggregate'),
    });
  });

  it('answers errors in the client’s format: XML InvalidSessionId, JSON InvalidJob', async () => {
    const res = await fetch(`${org().instanceUrl}/services/async/62.0/job`, {
      method: 'POST',
      headers: { 'X-SFDC-Session': 'bogus', 'Content-Type': 'application/xml' },
      body: '<jobInfo/>',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<exceptionCode>InvalidSessionId</exceptionCode>');
    const bad = await async('POST', '/job', { operation: 'insert', object: 'Nope__c', contentType: 'CSV' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({
      exceptionCode: 'InvalidJob',
      exceptionMessage: 'Unable to find object: Nope__c',
    });
  });
});
