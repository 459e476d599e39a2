import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll } from 'vitest';
import { main } from '../../src/cli.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/server.js';
import type { RetryPolicy } from '../../src/salesforce/retry.js';
import type { BinResult } from './run-bin.js';
import { createTestDeps } from './test-deps.js';

export interface SyncEnv {
  org: () => Emulator;
  dir: () => string;
  /** Writes a file into the test folder and returns its path. */
  write: (name: string, content: string | Buffer) => string;
  /**
   * Runs sfsync in the test folder against the local org, as a CI job would, but in this process through `main()`
   * (a child process per run cost ~0.5 s each; test/e2e-cli.test.ts keeps runs of bin/sfsync.js itself).
   */
  sfsync: (
    args: string[],
    input?: string,
    /** The client's retry policy, which paces Bulk jobs too (default FAST_RETRY; see PRODUCTION_PACE). */
    retry?: RetryPolicy,
  ) => Promise<BinResult & { json: () => any }>;
  /** Rows of a query, straight from the org. */
  query: (soql: string) => Promise<Array<Record<string, any>>>;
}

export function useSyncEnv(options: EmulatorOptions = {}): SyncEnv {
  let org: Emulator | undefined;
  let dir = '';
  beforeAll(async () => {
    org = await startEmulator({ port: 0, ...options });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-sync-'));
  });
  afterAll(async () => {
    await org?.close();
  });
  const env = (): NodeJS.ProcessEnv => ({
    SFSYNC_INSTANCE_URL: org?.instanceUrl,
    SFSYNC_ACCESS_TOKEN: org?.accessToken,
    SFSYNC_CONFIG_DIR: path.join(dir, '.config'),
  });
  return {
    org: () => org as Emulator,
    dir: () => dir,
    write: (name, content) => {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    },
    sfsync: async (args, input, retry) => {
      const deps = createTestDeps({ env: env(), cwd: dir, stdin: input, retry });
      const code = await main(args, { ...deps, now: () => new Date() });
      const r: BinResult = { code, stdout: deps.io.stdoutText, stderr: deps.io.stderrText };
      return { ...r, json: () => JSON.parse(r.stdout) };
    },
    query: async (soql) => {
      const rows: Array<Record<string, any>> = [];
      let url = `/services/data/v62.0/query?q=${encodeURIComponent(soql)}`;
      for (;;) {
        const res = await fetch(`${org?.instanceUrl}${url}`, {
          headers: { Authorization: `Bearer ${org?.accessToken}` },
        });
        const body = (await res.json()) as { records: Array<Record<string, any>>; nextRecordsUrl?: string };
        if (!res.ok) throw new Error(JSON.stringify(body));
        rows.push(...body.records);
        if (!body.nextRecordsUrl) return rows;
        url = body.nextRecordsUrl;
      }
    },
  };
}

/** Reads a result CSV written by sfsync. */
export function readResultCsv(file: string): Array<Record<string, string>> {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
}
