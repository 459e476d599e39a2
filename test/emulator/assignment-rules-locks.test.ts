import { describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg({
  assignmentRules: [
    {
      name: 'Web leads',
      object: 'Lead',
      entries: [{ when: { LeadSource: 'Partner' }, queue: 'Partner Leads' }, { queue: 'Web Leads' }],
    },
  ],
});

async function api(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${org().instanceUrl}/services/data/v62.0${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${org().accessToken}`,
      'Content-Type': 'application/json',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

async function ownerOf(id: string): Promise<string> {
  const row = await conn().sobject('Lead').retrieve(id);
  return String(row.OwnerId);
}

async function queueId(name: string): Promise<string> {
  const r = await conn().query<{ Id: string }>(
    `SELECT Id FROM Group WHERE Type = 'Queue' AND Name = '${name}'`,
  );
  return r.records[0]?.Id as string;
}

describe('assignment rules on the local org', () => {
  it('REST runs the active rule when Sforce-Auto-Assign is absent or TRUE, and not when FALSE', async () => {
    const web = await queueId('Web Leads');
    expect(web).toMatch(/^00G/);
    const lead = { attributes: { type: 'Lead' }, LastName: 'Ng', Company: 'Acme' };
    const absent = (await api('POST', '/composite/sobjects', { records: [lead] })).json as Array<{
      id: string;
    }>;
    expect(await ownerOf(absent[0]?.id as string)).toBe(web);
    const on = (
      await api('POST', '/composite/sobjects', { records: [lead] }, { 'Sforce-Auto-Assign': 'true' })
    ).json as Array<{ id: string }>;
    expect(await ownerOf(on[0]?.id as string)).toBe(web);
    const off = (
      await api('POST', '/composite/sobjects', { records: [lead] }, { 'Sforce-Auto-Assign': 'FALSE' })
    ).json as Array<{ id: string }>;
    expect(await ownerOf(off[0]?.id as string)).toBe(org().userId);
  });

  it('the first entry whose criteria hold decides; the rule is queryable by its Id', async () => {
    const rules = await conn().query<{ Id: string; Name: string; Active: boolean }>(
      "SELECT Id, Name, Active FROM AssignmentRule WHERE SobjectType = 'Lead'",
    );
    expect(rules.records.map((r) => [r.Name, r.Active])).toEqual([['Web leads', true]]);
    const ruleId = rules.records[0]?.Id as string;
    const partner = (
      await api(
        'POST',
        '/composite/sobjects',
        { records: [{ attributes: { type: 'Lead' }, LastName: 'P', Company: 'X', LeadSource: 'partner' }] },
        { 'Sforce-Auto-Assign': ruleId },
      )
    ).json as Array<{ id: string }>;
    expect(await ownerOf(partner[0]?.id as string)).toBe(await queueId('Partner Leads'));
  });

  it('a Bulk API 2.0 job runs no rule unless it names one in assignmentRuleId', async () => {
    const ruleId = (await conn().query<{ Id: string }>('SELECT Id FROM AssignmentRule')).records[0]
      ?.Id as string;
    const without = await conn().bulk2.loadAndWaitForResults({
      object: 'Lead',
      operation: 'insert',
      input: 'LastName,Company\nBulkNone,Acme\n',
    });
    expect(await ownerOf(without.successfulResults[0]?.sf__Id as string)).toBe(org().userId);
    const job = (
      await api('POST', '/jobs/ingest', {
        object: 'Lead',
        operation: 'insert',
        assignmentRuleId: ruleId,
      })
    ).json as { id: string; assignmentRuleId?: string };
    expect(job.assignmentRuleId).toBe(ruleId);
    await fetch(`${org().instanceUrl}/services/data/v62.0/jobs/ingest/${job.id}/batches`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${org().accessToken}`, 'Content-Type': 'text/csv' },
      body: 'LastName,Company\nBulkRule,Acme\n',
    });
    await api('PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
    let state = '';
    for (let i = 0; i < 100 && state !== 'JobComplete'; i++) {
      state = ((await api('GET', `/jobs/ingest/${job.id}`, undefined)).json as { state: string }).state;
      if (state !== 'JobComplete') await new Promise((r) => setTimeout(r, 20));
    }
    const made = await conn().query<{ OwnerId: string }>(
      "SELECT OwnerId FROM Lead WHERE LastName = 'BulkRule'",
    );
    expect(made.records[0]?.OwnerId).toBe(await queueId('Web Leads'));
  });

  it('refuses a malformed rule, naming it', async () => {
    expect(() =>
      org().setAssignmentRules([{ name: 'Bad', object: 'Contact' as 'Lead', entries: [{ queue: 'Q' }] }]),
    ).toThrow(/assignment rule 1 \(Bad\): "object" must be Lead or Case/);
  });
});

describe('row locks on the local org', () => {
  it('parallel collection calls saving children of one parent meet UNABLE_TO_LOCK_ROW; serial calls never do', async () => {
    const account = (await conn().sobject('Account').create({ Name: 'Locked parent' })).id as string;
    // Calls sent together overlap for the 300 ms each holds its parent, however slow the machine.
    org().setFaults({ lockRate: 1, lockHoldMs: 300 });
    try {
      const call = () =>
        api('POST', '/composite/sobjects', {
          records: [{ attributes: { type: 'Contact' }, LastName: 'Child', AccountId: account }],
        }).then(
          (r) =>
            (
              r.json as Array<{ success: boolean; errors: Array<{ statusCode: string; message: string }> }>
            )[0],
        );
      const parallel = await Promise.all([call(), call(), call()]);
      const refused = parallel.filter((r) => !r?.success);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused.length).toBeLessThanOrEqual(2);
      expect(refused[0]?.errors[0]).toMatchObject({
        statusCode: 'UNABLE_TO_LOCK_ROW',
        message: `unable to obtain exclusive access to this record or 1 records: ${account}`,
      });
      for (let i = 0; i < 2; i++) expect((await call())?.success).toBe(true);
    } finally {
      org().setFaults({ lockRate: 0 });
    }
  });
});
