import { describe, expect, it } from 'vitest';
import { createSalesforceClient } from '../../src/salesforce/client.js';
import { useSyncEnv } from '../helpers/sync-env.js';

const env = useSyncEnv();

describe('undo: edges', () => {
  it('an expired session on the SOAP undelete() call (a fault, HTTP 500) is renewed and the call sent once more', async () => {
    const store = env.org().store;
    const made = store.create('Contact', { LastName: 'Binned' });
    if (!made.ok) throw new Error('not created');
    store.delete(made.id);
    let token = 'expired-session-token';
    let refreshes = 0;
    const client = createSalesforceClient({
      instanceUrl: env.org().instanceUrl,
      apiVersion: '62.0',
      tokens: {
        accessToken: () => token,
        refresh: async () => {
          refreshes++;
          token = env.org().accessToken;
          return token;
        },
      },
    });
    const results = await client.undelete([made.id]);
    expect(results).toEqual([{ id: made.id, success: true, errors: [] }]);
    expect(refreshes).toBe(1);
    expect(store.find(made.id)?.deleted).toBeFalsy();
  });
});
