import { describe, expect, it } from 'vitest';
import { useLocalOrg } from '../helpers/local-org.js';

const { org, conn } = useLocalOrg();

interface SubResult {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

async function composite(body: object): Promise<SubResult[]> {
  const r = await conn().requestPost<{ compositeResponse: SubResult[] }>(
    '/services/data/v62.0/composite',
    body,
  );
  return r.compositeResponse;
}

const accountsNamed = (name: string): number =>
  [...(org().store.object('Account')?.live.values() ?? [])].filter((a) => a.Name === name).length;

describe('/composite', () => {
  it('runs subrequests in order, later ones using earlier results through @{ref.path}', async () => {
    const r = await composite({
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'acct',
          body: { Name: 'Comp Acme' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Contact',
          referenceId: 'person',
          body: { LastName: 'Comp Smith', AccountId: '@{acct.id}' },
        },
        {
          method: 'GET',
          url: "/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Account+WHERE+Id='@{acct.id}'",
          referenceId: 'found',
        },
        {
          method: 'GET',
          url: '/services/data/v62.0/sobjects/Account/@{found.records[0].Id}?fields=Name',
          referenceId: 'again',
        },
        {
          method: 'PATCH',
          url: '/services/data/v62.0/sobjects/Account/@{acct.id}',
          referenceId: 'rename',
          body: { Name: 'Comp Acme 2' },
        },
      ],
    });
    expect(r.map((s) => [s.referenceId, s.httpStatusCode])).toEqual([
      ['acct', 201],
      ['person', 201],
      ['found', 200],
      ['again', 200],
      ['rename', 204],
    ]);
    const id = (r[0]?.body as { id: string }).id;
    expect(r[0]?.httpHeaders.Location).toBe(`/services/data/v62.0/sobjects/Account/${id}`);
    expect(
      org()
        .store.object('Contact')
        ?.live.get((r[1]?.body as { id: string }).id)?.AccountId,
    ).toBe(id);
    expect(r[3]?.body).toMatchObject({
      attributes: { url: `/services/data/v62.0/sobjects/Account/${id}` },
      Name: 'Comp Acme',
    });
    expect(r[4]?.body).toBeNull();
    expect(org().store.object('Account')?.live.get(id)?.Name).toBe('Comp Acme 2');
  });

  it('with allOrNone, rolls every subrequest back on a failure and answers the others PROCESSING_HALTED', async () => {
    const r = await composite({
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'ok',
          body: { Name: 'Comp Rolled' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Contact',
          referenceId: 'bad',
          body: { FirstName: 'NoLast' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'after',
          body: { Name: 'Comp Rolled' },
        },
      ],
    });
    expect(r.map((s) => s.httpStatusCode)).toEqual([400, 400, 400]);
    expect(r[0]?.body).toEqual([expect.objectContaining({ errorCode: 'PROCESSING_HALTED' })]);
    expect(r[1]?.body).toEqual([expect.objectContaining({ errorCode: 'REQUIRED_FIELD_MISSING' })]);
    expect(r[2]?.body).toEqual([expect.objectContaining({ errorCode: 'PROCESSING_HALTED' })]);
    expect(accountsNamed('Comp Rolled')).toBe(0);
  });

  it('without allOrNone, keeps what succeeded and fails a subrequest whose reference has no value', async () => {
    const r = await composite({
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Contact',
          referenceId: 'bad',
          body: { FirstName: 'NoLast' },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Account',
          referenceId: 'kept',
          body: { Name: 'Comp Kept' },
        },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Contact/@{bad.id}', referenceId: 'uses' },
      ],
    });
    expect(r.map((s) => s.httpStatusCode)).toEqual([400, 201, 400]);
    expect(r[2]?.body).toEqual([expect.objectContaining({ errorCode: 'PROCESSING_HALTED' })]);
    expect(accountsNamed('Comp Kept')).toBe(1);
  });

  it('rolls a collection subrequest back with the whole call under allOrNone', async () => {
    const r = await composite({
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/composite/sobjects',
          referenceId: 'many',
          body: { allOrNone: true, records: [{ attributes: { type: 'Account' }, Name: 'Comp Coll' }] },
        },
        {
          method: 'DELETE',
          url: '/services/data/v62.0/sobjects/Account/001000000000000AAA',
          referenceId: 'gone',
        },
      ],
    });
    expect(r.map((s) => s.httpStatusCode)).toEqual([400, 404]);
    expect(accountsNamed('Comp Coll')).toBe(0);
  });

  it('refuses a subrequest without a referenceId before running any', async () => {
    await expect(
      composite({ compositeRequest: [{ method: 'GET', url: '/services/data/v62.0/limits' }] }),
    ).rejects.toMatchObject({ errorCode: 'JSON_PARSER_ERROR' });
  });
});

describe('/composite/batch', () => {
  it('runs independent subrequests and, with haltOnError, answers 412 for those after a failure', async () => {
    const r = await conn().requestPost<{
      hasErrors: boolean;
      results: Array<{ statusCode: number; result: unknown }>;
    }>('/services/data/v62.0/composite/batch', {
      haltOnError: true,
      batchRequests: [
        { method: 'POST', url: 'v62.0/sobjects/Account', richInput: { Name: 'Batch One' } },
        { method: 'GET', url: 'v62.0/query?q=SELECT+Id+FROM+Account+WHERE+Name=%27Batch+One%27' },
        { method: 'POST', url: 'v62.0/sobjects/Contact', richInput: { FirstName: 'NoLast' } },
        { method: 'POST', url: 'v62.0/sobjects/Account', richInput: { Name: 'Batch Two' } },
      ],
    });
    expect(r.hasErrors).toBe(true);
    expect(r.results.map((x) => x.statusCode)).toEqual([201, 200, 400, 412]);
    expect(r.results[1]?.result).toMatchObject({ totalSize: 1 });
    expect(r.results[3]?.result).toEqual([expect.objectContaining({ errorCode: 'BATCH_PROCESSING_HALTED' })]);
    expect(accountsNamed('Batch One')).toBe(1);
    expect(accountsNamed('Batch Two')).toBe(0);
  });
});

describe('/composite/graph', () => {
  interface GraphResult {
    graphId: string;
    graphResponse: { compositeResponse: SubResult[] };
    isSuccessful: boolean;
  }
  const graph = async (graphs: object[]): Promise<GraphResult[]> =>
    (await conn().requestPost<{ graphs: GraphResult[] }>('/services/data/v62.0/composite/graph', { graphs }))
      .graphs;
  const node = (referenceId: string, type: string, body: object): object => ({
    method: 'POST',
    url: `/services/data/v62.0/sobjects/${type}/`,
    referenceId,
    body,
  });

  it('saves each graph whole or not at all, independently of the other graphs', async () => {
    const [good, bad] = await graph([
      {
        graphId: 'g1',
        compositeRequest: [
          node('acct', 'Account', { Name: 'Graph Kept' }),
          node('person', 'Contact', { LastName: 'Graph Smith', AccountId: '@{acct.id}' }),
          {
            method: 'PATCH',
            url: '/services/data/v62.0/sobjects/Account/@{acct.id}',
            referenceId: 'edit',
            body: { Phone: '555' },
          },
        ],
      },
      {
        graphId: 'g2',
        compositeRequest: [
          node('acct2', 'Account', { Name: 'Graph Rolled' }),
          node('nobody', 'Contact', { FirstName: 'NoLast', AccountId: '@{acct2.id}' }),
          node('later', 'Account', { Name: 'Graph Rolled' }),
        ],
      },
    ]);
    expect(good?.isSuccessful).toBe(true);
    const sub = good?.graphResponse.compositeResponse ?? [];
    expect(sub.map((s) => [s.referenceId, s.httpStatusCode])).toEqual([
      ['acct', 201],
      ['person', 201],
      ['edit', 204],
    ]);
    const id = (sub[0]?.body as { id: string }).id;
    expect(org().store.object('Account')?.live.get(id)).toMatchObject({ Name: 'Graph Kept', Phone: '555' });
    expect(bad).toMatchObject({ graphId: 'g2', isSuccessful: false });
    expect(
      bad?.graphResponse.compositeResponse.map((s) => (s.body as [{ errorCode: string }])[0].errorCode),
    ).toEqual(['PROCESSING_HALTED', 'REQUIRED_FIELD_MISSING', 'PROCESSING_HALTED']);
    expect(accountsNamed('Graph Rolled')).toBe(0);
  });

  it('fails a graph with a node on a resource graphs do not serve, and refuses a repeated graphId', async () => {
    const [g] = await graph([
      {
        graphId: 'q',
        compositeRequest: [
          node('acct', 'Account', { Name: 'Graph Query' }),
          { method: 'GET', url: '/services/data/v62.0/query?q=SELECT+Id+FROM+Account', referenceId: 'list' },
        ],
      },
    ]);
    expect(g?.isSuccessful).toBe(false);
    expect(
      g?.graphResponse.compositeResponse.map((s) => (s.body as [{ errorCode: string }])[0].errorCode),
    ).toEqual(['PROCESSING_HALTED', 'INVALID_INPUT']);
    expect(accountsNamed('Graph Query')).toBe(0);
    const twice = { graphId: 'same', compositeRequest: [node('a', 'Account', { Name: 'Graph Twice' })] };
    await expect(graph([twice, twice])).rejects.toMatchObject({ errorCode: 'INVALID_INPUT' });
    expect(accountsNamed('Graph Twice')).toBe(0);
  });
});
