/**
 * More of the Salesforce CLI against the local org, beyond `sf data`: describe (`sf sobject`), limits and record
 * counts (`sf org list`), and a raw REST call (`sf api request rest`) to /composite/graph. Used by conformance.js;
 * each case checks the CLI's output against the org's own records.
 */

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export function apiCases() {
  return [
    {
      name: 'sf sobject list',
      args: () => ['sobject', 'list', '-o', 'local', '--sobject', 'all', '--json'],
      check: (r) => {
        const names = r.json?.result ?? [];
        assert(names.includes('Account') && names.includes('Project__c'), `${names.length} objects listed`);
      },
    },
    {
      name: 'sf sobject describe',
      args: () => ['sobject', 'describe', '-o', 'local', '-s', 'Account', '--json'],
      check: (r) => {
        const fields = (r.json?.result?.fields ?? []).map((f) => f.name);
        assert(r.json?.result?.name === 'Account', `described ${r.json?.result?.name}`);
        assert(fields.includes('External_Id__c'), `${fields.length} fields`);
      },
    },
    {
      name: 'sf org list limits',
      args: () => ['org', 'list', 'limits', '-o', 'local', '--json'],
      check: (r, org) => {
        const api = (r.json?.result ?? []).find((l) => l.name === 'DailyApiRequests');
        assert(
          api && api.remaining <= api.max && api.max > org.apiCalls(),
          `DailyApiRequests ${JSON.stringify(api)}`,
        );
      },
    },
    {
      name: 'sf org list sobject record-counts',
      args: () => [
        'org',
        'list',
        'sobject',
        'record-counts',
        '-o',
        'local',
        '-s',
        'Account',
        '-s',
        'Contact',
        '--json',
      ],
      check: (r, org) => {
        const counts = Object.fromEntries((r.json?.result ?? []).map((c) => [c.name, c.count]));
        for (const name of ['Account', 'Contact'])
          assert(counts[name] === org.store.object(name).live.size, `${name}: ${counts[name]}`);
      },
    },
    {
      name: 'sf api request rest (composite/graph)',
      args: () => [
        'api',
        'request',
        'rest',
        '/services/data/v62.0/composite/graph',
        '-o',
        'local',
        '--method',
        'POST',
        '--body',
        JSON.stringify({
          graphs: [
            {
              graphId: 'g1',
              compositeRequest: [
                {
                  method: 'POST',
                  url: '/services/data/v62.0/sobjects/Account',
                  referenceId: 'a',
                  body: { Name: 'Graph Co' },
                },
                {
                  method: 'POST',
                  url: '/services/data/v62.0/sobjects/Contact',
                  referenceId: 'c',
                  body: { LastName: 'Graph', AccountId: '@{a.id}' },
                },
              ],
            },
          ],
        }),
      ],
      check: (r, org) => {
        const graph = JSON.parse(r.stdout).graphs?.[0];
        assert(graph?.isSuccessful === true, `graph ${JSON.stringify(graph)?.slice(0, 200)}`);
        const contactId = graph.graphResponse.compositeResponse[1].body.id;
        const accountId = org.store.object('Contact').live.get(contactId)?.AccountId;
        assert(
          org.store.object('Account').live.get(accountId)?.Name === 'Graph Co',
          'graph records in the org',
        );
      },
    },
  ];
}
