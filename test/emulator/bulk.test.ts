import { describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';
import { waitFor } from '../helpers/wait-for.js';

const { org, conn } = useLocalOrg({ bulkUploadLimitBytes: 50_000 });

async function call(
  method: string,
  path: string,
  body?: string,
  type = 'application/json',
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${org().instanceUrl}/services/data/v62.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': type },
    body,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('Bulk API 2.0 ingest on the local org', () => {
  it('runs jsforce bulk2 end to end with per-record results', async () => {
    await conn().sobject('Account').create({ Name: 'Parent', External_Id__c: 'P-9' });
    const res = await conn().bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'insert',
      input:
        'LastName,Email,Account.External_Id__c\nOne,one@bulk.test,P-9\n,nolast@bulk.test,\nThree,three@bulk.test,NOPE\n',
      pollTimeout: 10_000,
    });
    expect(res.successfulResults).toEqual([
      expect.objectContaining({ sf__Created: 'true', LastName: 'One', 'Account.External_Id__c': 'P-9' }),
    ]);
    expect(res.failedResults.map((r) => r.sf__Error).sort()).toEqual([
      'INVALID_FIELD:Foreign key external ID: NOPE not found for field External_Id__c in entity Account:AccountId --',
      'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --',
    ]);
  });

  it('follows the job states, clears fields with #N/A and leaves them with an empty cell', async () => {
    const created = await conn()
      .sobject('Contact')
      .create({ LastName: 'Keep', Title: 'Old', Department: 'Sales' });
    const job = JSON.parse(
      (await call('POST', '/jobs/ingest', JSON.stringify({ object: 'Contact', operation: 'update' }))).text,
    );
    expect(job).toMatchObject({
      state: 'Open',
      contentUrl: `services/data/v62.0/jobs/ingest/${job.id}/batches`,
      apiVersion: 62,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    });
    expect(
      (
        await call(
          'PUT',
          `/jobs/ingest/${job.id}/batches`,
          `Id,Title,Department\n${created.id},,#N/A\n`,
          'text/csv',
        )
      ).status,
    ).toBe(201);
    expect(
      JSON.parse(
        (await call('PATCH', `/jobs/ingest/${job.id}`, JSON.stringify({ state: 'UploadComplete' }))).text,
      ).state,
    ).toBe('UploadComplete');
    let info;
    for (;;) {
      info = JSON.parse((await call('GET', `/jobs/ingest/${job.id}`)).text);
      if (info.state === 'JobComplete') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(info).toMatchObject({ jobType: 'V2Ingest', numberRecordsProcessed: 1, numberRecordsFailed: 0 });
    const ok = await call('GET', `/jobs/ingest/${job.id}/successfulResults`);
    expect(ok.headers.get('content-type')).toBe('text/csv');
    expect(ok.text).toBe(
      `"sf__Id","sf__Created","Id","Title","Department"\n"${created.id}","false","${created.id}","","#N/A"\n`,
    );
    const row = await conn()
      .sobject('Contact')
      .retrieve(created.id as string);
    expect(row).toMatchObject({ Title: 'Old', Department: null });
    expect((await call('PUT', `/jobs/ingest/${job.id}/batches`, 'Id\n', 'text/csv')).status).toBe(409);
    expect((await call('DELETE', `/jobs/ingest/${job.id}`)).status).toBe(204);
    expect((await call('GET', `/jobs/ingest/${job.id}`)).status).toBe(404);
  });

  it('completes a job whose upload is empty, with empty result sets (jsforce with no records)', async () => {
    const res = await conn().bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'insert',
      input: '',
      pollTimeout: 10_000,
    });
    expect(res).toMatchObject({ successfulResults: [], failedResults: [], unprocessedRecords: [] });
    const job = JSON.parse(
      (await call('POST', '/jobs/ingest', JSON.stringify({ object: 'Contact', operation: 'insert' }))).text,
    );
    expect((await call('PUT', `/jobs/ingest/${job.id}/batches`, '', 'text/csv')).status).toBe(201);
    await call('PATCH', `/jobs/ingest/${job.id}`, JSON.stringify({ state: 'UploadComplete' }));
    let info;
    do {
      await new Promise((r) => setTimeout(r, 10));
      info = JSON.parse((await call('GET', `/jobs/ingest/${job.id}`)).text);
    } while (info.state === 'UploadComplete' || info.state === 'InProgress');
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 0, numberRecordsFailed: 0 });
  });

  it('refuses an upload over the limit and an upsert without an external ID field', async () => {
    const job = JSON.parse(
      (await call('POST', '/jobs/ingest', JSON.stringify({ object: 'Contact', operation: 'insert' }))).text,
    );
    const big = `LastName\n${'x'.repeat(60_000)}\n`;
    const res = await call('PUT', `/jobs/ingest/${job.id}/batches`, big, 'text/csv');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)[0].errorCode).toBe('EXCEEDEDQUOTA');
    const bad = await call(
      'POST',
      '/jobs/ingest',
      JSON.stringify({ object: 'Contact', operation: 'upsert' }),
    );
    expect(bad.status).toBe(400);
  });

  it('pages Bulk query results with Sforce-Locator until the string null', async () => {
    const records = Array.from({ length: 120 }, (_, i) => ({ LastName: `Q${i}`, Department: 'BulkQuery' }));
    await conn().sobject('Contact').create(records.slice(0, 100));
    await conn().sobject('Contact').create(records.slice(100));
    const job = JSON.parse(
      (
        await call(
          'POST',
          '/jobs/query',
          JSON.stringify({
            operation: 'query',
            query: "SELECT Id, LastName FROM Contact WHERE Department = 'BulkQuery'",
          }),
        )
      ).text,
    );
    await waitFor(
      async () => JSON.parse((await call('GET', `/jobs/query/${job.id}`)).text).state === 'JobComplete',
      'the query job to complete',
    );
    const first = await call('GET', `/jobs/query/${job.id}/results?maxRecords=100`);
    expect(first.headers.get('sforce-numberofrecords')).toBe('100');
    const locator = first.headers.get('sforce-locator') as string;
    expect(locator).not.toBe('null');
    expect(first.text.split('\n')[0]).toBe('"Id","LastName"');
    const second = await call('GET', `/jobs/query/${job.id}/results?maxRecords=100&locator=${locator}`);
    expect(second.headers.get('sforce-locator')).toBe('null');
    expect(second.headers.get('sforce-numberofrecords')).toBe('20');
    const viaJsforce = await conn().bulk2.query("SELECT Id FROM Contact WHERE Department = 'BulkQuery'");
    let n = 0;
    for await (const _row of viaJsforce) n++;
    expect(n).toBe(120);
  });
});
