import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { createTestDeps } from './helpers/test-deps.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const steps = JSON.parse(fs.readFileSync(path.join(root, 'examples/demo-steps.json'), 'utf8')) as Array<{
  title: string;
  args: string[];
  idsFromStep?: number;
  expect: Record<string, number>;
}>;

let org: Emulator;
const results = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-examples-'));
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
});
afterAll(async () => org.close());

describe('every example, in the order of the demo', () => {
  it('stays runnable, offline as a dry run', async () => {
    // A plan needs an org (its references are found there); its dry run is tested in test/plan/.
    for (const [i, step] of steps.filter((s) => !s.idsFromStep && s.args[0] !== 'run').entries()) {
      const deps = createTestDeps({ cwd: root });
      const code = await main(
        [
          ...step.args.filter((a) => a !== '--dry-run'),
          '--dry-run',
          '--offline',
          '--json',
          '--results',
          // A folder each: a folder that holds a run's results is not written over.
          path.join(results, 'offline', String(i + 1)),
        ],
        deps,
      );
      expect(JSON.parse(deps.io.stdoutText).result?.counts.failed, step.title).toBe(0);
      expect(code, step.title).toBe(0);
    }
  });

  it('loads into the local org with the expected outcomes', async () => {
    for (const [i, step] of steps.entries()) {
      let args = step.args;
      if (step.idsFromStep) {
        const rows = fs
          .readFileSync(path.join(results, String(step.idsFromStep), 'success.csv'), 'utf8')
          .trim()
          .split('\n')
          .slice(1);
        const ids = path.join(results, 'ids.csv');
        fs.writeFileSync(ids, `Id\n${rows.map((r) => r.split(',')[2]).join('\n')}\n`);
        args = args.map((a) => (a === '{ids}' ? ids : a));
      }
      const deps = createTestDeps({
        cwd: root,
        env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
      });
      const code = await main([...args, '--json', '--results', path.join(results, String(i + 1))], deps);
      const doc = JSON.parse(deps.io.stdoutText);
      expect(doc.result?.counts, step.title).toMatchObject({ ...step.expect, failed: 0 });
      expect(code, step.title).toBe(0);
    }
  });
});
