import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API_VERSION } from '../src/core/api-version.js';
import { csvField } from '../src/core/csv-quote.js';
import { isLoopbackHost, isLoopbackUrl, LOCAL_ORG_CLIENT_ID } from '../src/core/local-org.js';
import { DEFAULT_SETTINGS } from '../src/config/settings.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { isSandboxHost } from '../src/salesforce/identity.js';
import { bulkJobEnded } from '../src/salesforce/types.js';

// Facts sfsync once wrote in several places, each now in one: these pin what the one place says.

describe('one CSV quoting', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [' leading', '" leading"'],
    ['trailing ', '"trailing "'],
    ['', ''],
    ['#N/A', '#N/A'],
  ])('%j → %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });
});

describe('the local org', () => {
  let org: Emulator;
  beforeAll(async () => {
    org = await startEmulator({ port: 0 });
  });
  afterAll(async () => org.close());

  it("sfsync's copy of its connected app's id is the one the local org (which imports nothing of sfsync) uses", () => {
    expect(org.clientId).toBe(LOCAL_ORG_CLIENT_ID);
  });

  it('is on a loopback URL, where plain http is allowed', () => {
    expect(isLoopbackUrl(org.instanceUrl)).toBe(true);
    expect(isLoopbackUrl(org.loginUrl)).toBe(true);
  });

  it('serves the default API version', async () => {
    const res = await fetch(`${org.instanceUrl}/services/data/v${DEFAULT_API_VERSION}/limits`, {
      headers: { Authorization: `Bearer ${org.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(DEFAULT_SETTINGS.apiVersion).toBe(DEFAULT_API_VERSION);
  });
});

describe('loopback', () => {
  it.each([
    ['http://127.0.0.1:1717', true],
    ['http://localhost', true],
    ['http://[::1]:8080', true],
    ['https://127.0.0.1', false],
    ['http://127.0.0.1.example.com', false],
    ['http://example.com', false],
    ['not a url', false],
  ])('%s → %s', (url, loopback) => {
    expect(isLoopbackUrl(url)).toBe(loopback);
  });

  it('by host name', () => {
    expect(['127.0.0.1', 'localhost', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});

describe('a sandbox by its host name (when Organization cannot be read)', () => {
  it.each([
    ['acme--uat.sandbox.my.salesforce.com', true],
    ['acme--uat.my.salesforce.com', true],
    ['acme.my.salesforce.com', false],
    ['127.0.0.1', false],
  ])('%s → %s', (host, sandbox) => {
    expect(isSandboxHost(host)).toBe(sandbox);
  });
});

describe('Bulk API 2.0 end states', () => {
  it.each([
    ['JobComplete', true],
    ['Failed', true],
    ['Aborted', true],
    ['Open', false],
    ['UploadComplete', false],
    ['InProgress', false],
  ])('%s → %s', (state, ended) => {
    expect(bulkJobEnded(state)).toBe(ended);
  });
});
