import type { ChildProcess, ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { spawnChild } from './children.js';
import { BIN } from './run-bin.js';

export interface OrgInfo {
  instanceUrl: string;
  accessToken: string;
}

export interface RunningOrg {
  info: OrgInfo;
  child: ChildProcess;
  /** Everything the org printed on stderr so far. */
  stderr: () => string;
  /** Stops it with a signal and waits for it to be gone. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Starts the built `sfsync emulator --json` as its own process and reads its one JSON line. */
export function startOrgProcess(args: string[]): Promise<RunningOrg> {
  return new Promise((resolve, reject) => {
    const child = spawnChild<ChildProcessByStdio<null, Readable, Readable>>(
      process.execPath,
      [BIN, 'emulator', '--json', '--port', '0', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('\n')) return;
      resolve({
        info: JSON.parse(out.split('\n')[0] as string) as OrgInfo,
        child,
        stderr: () => err,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      reject(new Error(`the local org exited (${code}) before it was ready: ${err}`)),
    );
  });
}

/** One REST call to the org; the body is JSON unless it is a string (sent as CSV). */
export async function orgApi(
  info: OrgInfo,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const csv = typeof body === 'string';
  const res = await fetch(`${info.instanceUrl}/services/data/v62.0${p}`, {
    method,
    headers: {
      Authorization: `Bearer ${info.accessToken}`,
      'Content-Type': csv ? 'text/csv' : 'application/json',
    },
    body: body === undefined ? undefined : csv ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

/** Every record of a SOQL query, following nextRecordsUrl. */
export async function queryAll(
  info: OrgInfo,
  soql: string,
  all = false,
): Promise<Array<Record<string, unknown>>> {
  const records: Array<Record<string, unknown>> = [];
  let next: string | undefined = `/${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`;
  while (next) {
    const page = (await orgApi(info, 'GET', next)).json as {
      records: Array<Record<string, unknown>>;
      nextRecordsUrl?: string;
    };
    records.push(...page.records);
    next = page.nextRecordsUrl?.replace(/^\/services\/data\/v\d+\.\d/, '');
  }
  return records;
}
