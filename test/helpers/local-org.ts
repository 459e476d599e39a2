import jsforce from 'jsforce';
import { afterAll, beforeAll } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/server.js';
import { createSalesforceClient, type SalesforceClient } from '../../src/salesforce/client.js';
import type { RetryPolicy } from '../../src/salesforce/retry.js';
import { fixedToken } from '../../src/salesforce/transport.js';

/** Starts a local org on an ephemeral port for the tests of one file, and stops it afterwards. */
export function useLocalOrg(options: EmulatorOptions = {}): {
  org: () => Emulator;
  conn: () => jsforce.Connection;
} {
  let emulator: Emulator | undefined;
  let connection: jsforce.Connection | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, ...options });
    connection = new jsforce.Connection({
      instanceUrl: emulator.instanceUrl,
      accessToken: emulator.accessToken,
      version: '62.0',
    });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return {
    org: () => emulator as Emulator,
    conn: () => connection as jsforce.Connection,
  };
}

/** The error a jsforce call rejects with, for assertions on Salesforce's error codes. */
export async function errorOf(
  promise: PromiseLike<unknown>,
): Promise<{ name: string; message: string; errorCode?: string; data?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

/** sfsync's client on the local org's own session token (which it cannot refresh). */
export function clientOf(org: Emulator, retry?: RetryPolicy): SalesforceClient {
  const tokens = fixedToken(org.accessToken);
  return createSalesforceClient({ instanceUrl: org.instanceUrl, apiVersion: '62.0', tokens, retry });
}
