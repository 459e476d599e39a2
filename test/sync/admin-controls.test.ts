import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main, syncOptionsFrom } from '../../src/cli.js';
import { resumeCommand } from '../../src/core/resume-command.js';
import { readJournal } from '../../src/operations/journal.js';
import { startEmulator, type Emulator } from '../../src/emulator/server.js';
import type { Prompter } from '../../src/ui/prompt.js';
import { readResultCsv } from '../helpers/sync-env.js';
import { createTestDeps } from '../helpers/test-deps.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-admin-'));
});
afterAll(async () => {
  await org.close();
});

let run = 0;
async function sfsync(argv: string[], options: { tty?: boolean; confirm?: boolean[] } = {}) {
  const deps = createTestDeps({
    cwd: dir,
    tty: options.tty,
    env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
  });
  const asked: string[] = [];
  if (options.confirm) {
    const answers = [...options.confirm];
    deps.prompt = {
      ...deps.prompt,
      confirm: async (message: string) => {
        asked.push(message);
        return answers.shift() ?? false;
      },
    } as Prompter;
  }
  const results = path.join(dir, `out-${++run}`);
  const code = await main([...argv, '--results', results], deps);
  const read = (name: string) =>
    fs.existsSync(path.join(results, name)) ? readResultCsv(path.join(results, name)) : [];
  return {
    code,
    results,
    asked,
    stderr: deps.io.stderrText,
    stdout: deps.io.stdoutText,
    doc: argv.includes('--json') ? JSON.parse(deps.io.stdoutText) : null,
    failures: read('failures.csv'),
    success: read('success.csv'),
  };
}

function write(name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return name;
}

async function contactIds(where: string, all = false): Promise<string[]> {
  const res = await fetch(
    `${org.instanceUrl}/services/data/v62.0/${all ? 'queryAll' : 'query'}?q=${encodeURIComponent(`SELECT Id FROM Contact WHERE ${where}`)}`,
    { headers: { Authorization: `Bearer ${org.accessToken}` } },
  );
  return ((await res.json()) as { records: Array<{ Id: string }> }).records.map((r) => r.Id);
}

describe('duplicate rules', () => {
  let existing: string[];
  beforeEach(async () => {
    org.setDuplicateRules([]);
    const tag = `t${++run}`;
    const seed = await sfsync([
      'create',
      write(`seed-${tag}.csv`, `LastName,Email\nAnn,ann.${tag}@dup.test\nBob,bob.${tag}@dup.test\n`),
      '--object',
      'Contact',
    ]);
    expect(seed.code).toBe(0);
    existing = seed.success.map((r) => r.id as string);
    write(
      'dupes.csv',
      `LastName,Email\nAnn Again,ANN.${tag}@dup.test\nCarl,carl.${tag}@dup.test\nBob Again,bob.${tag}@dup.test\n`,
    );
  });

  for (const api of ['rest', 'bulk'] as const) {
    it(`${api}: a block rule fails the duplicates with the records they collided with`, async () => {
      org.setDuplicateRules([
        { name: 'Contact_Email', object: 'Contact', fields: ['Email'], action: 'block' },
      ]);
      const r = await sfsync(['create', 'dupes.csv', '--object', 'Contact', '--api', api, '--json']);
      expect(r.code).toBe(2);
      expect(r.failures.map((f) => [f.line, f.error_code])).toEqual([
        ['2', 'DUPLICATES_DETECTED'],
        ['4', 'DUPLICATES_DETECTED'],
      ]);
      const group = r.doc.result.failuresByCode[0];
      expect(group).toMatchObject({ code: 'DUPLICATES_DETECTED', count: 2, lines: [2, 4] });
      if (api === 'rest') {
        // REST answers carry the duplicate rule's matches; Bulk results carry only the code and message.
        expect(r.failures.map((f) => f.matched_ids)).toEqual(existing);
        expect(group.matchedIds).toEqual(existing);
      }
      const carl = r.success.map((s) => s.id as string);
      // A block rule is not lifted by --allow-duplicates: Bulk refusals go again through REST and fail there too,
      // now with the Ids (Carl, created by the first run, is a duplicate of himself now).
      const again = await sfsync([
        'create',
        'dupes.csv',
        '--object',
        'Contact',
        '--api',
        api,
        '--allow-duplicates',
        '--json',
      ]);
      expect(again.code).toBe(2);
      expect(again.failures.map((f) => f.matched_ids)).toEqual([existing[0], ...carl, existing[1]]);
      expect(again.doc.result.duplicates).toEqual(
        api === 'bulk' ? { allowed: true, retried: 3, saved: 0 } : { allowed: true, retried: 0, saved: 0 },
      );
    });

    it(`${api}: an alert rule refuses API saves until --allow-duplicates acknowledges it`, async () => {
      org.setDuplicateRules([
        { name: 'Contact_Email', object: 'Contact', fields: ['Email'], action: 'alert' },
      ]);
      const refused = await sfsync(['create', 'dupes.csv', '--object', 'Contact', '--api', api]);
      expect(refused.code).toBe(2);
      expect(refused.failures.map((f) => f.error_code)).toEqual([
        'DUPLICATES_DETECTED',
        'DUPLICATES_DETECTED',
      ]);
      expect(refused.stdout).toContain('DUPLICATES_DETECTED: 2 records (lines 2, 4)');
      if (api === 'rest') expect(refused.stdout).toContain(`collided with: ${existing.join(', ')}`);

      // Carl, created by the refused run, now duplicates himself too: three records to acknowledge.
      const saved = await sfsync([
        'create',
        'dupes.csv',
        '--object',
        'Contact',
        '--api',
        api,
        '--allow-duplicates',
      ]);
      expect(saved.code).toBe(0);
      expect(saved.success.map((s) => s.outcome)).toEqual(['created', 'created', 'created']);
      expect(saved.stdout).toContain('--allow-duplicates: duplicate rule alerts acknowledged');
      if (api === 'bulk') {
        expect(saved.stdout).toContain(
          '3 records refused by a duplicate rule in a Bulk job went again through REST with the header, 3 saved',
        );
        // Sent again outside their job: a resumed run would not take the job's refusal for their outcome.
        const journal = await readJournal(saved.results);
        expect([...journal.sent].sort()).toEqual([2, 3, 4]);
        expect(journal.jobs.size).toBe(0);
      }
    });
  }

  it('an upsert that edits a record into a duplicate of another is refused on edit too', async () => {
    org.setDuplicateRules([{ name: 'Contact_Email', object: 'Contact', fields: ['Email'], action: 'block' }]);
    const [ann, bob] = existing;
    const annEmail = (await fetch(`${org.instanceUrl}/services/data/v62.0/sobjects/Contact/${ann}`, {
      headers: { Authorization: `Bearer ${org.accessToken}` },
    }).then((r) => r.json())) as { Email: string };
    const r = await sfsync([
      'update',
      write('edit.csv', `Id,Email\n${bob},${annEmail.Email}\n`),
      '--object',
      'Contact',
    ]);
    expect(r.failures.map((f) => [f.error_code, f.matched_ids])).toEqual([['DUPLICATES_DETECTED', ann]]);
  });
});

describe('delete --hard', () => {
  async function seed(tag: string): Promise<string> {
    const r = await sfsync([
      'create',
      write(`hard-${tag}.csv`, `LastName,Department\nH1,${tag}\nH2,${tag}\n`),
      '--object',
      'Contact',
    ]);
    expect(r.code).toBe(0);
    return write(`ids-${tag}.csv`, `Id\n${r.success.map((s) => s.id).join('\n')}\n`);
  }

  it('purges through a Bulk hardDelete job: queryAll finds nothing, where a plain delete leaves the Recycle Bin', async () => {
    const file = await seed('purge');
    const r = await sfsync(['delete', file, '--object', 'Contact', '--hard', '--yes', '--json']);
    expect(r.code).toBe(0);
    expect(r.doc.result.api).toBe('bulk');
    expect(r.doc.result.hardDelete).toBe(true);
    expect(r.doc.result.bulkJobs.map((j: { operation: string }) => j.operation)).toEqual(['hardDelete']);
    expect(r.success.map((s) => s.outcome)).toEqual(['deleted', 'deleted']);
    expect(await contactIds("Department = 'purge'", true)).toEqual([]);
    const exported = path.join(dir, 'purge-export.csv');
    const deps = createTestDeps({
      cwd: dir,
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    });
    const exportArgs = ['export', "SELECT Id FROM Contact WHERE Department = 'purge'", '--all-rows'];
    expect(await main([...exportArgs, '-o', exported], deps)).toBe(0);
    expect(fs.readFileSync(exported, 'utf8').trim()).toBe('Id');

    const soft = await seed('soft');
    expect((await sfsync(['delete', soft, '--object', 'Contact'])).code).toBe(0);
    expect(await contactIds("Department = 'soft'", true)).toHaveLength(2);
  });

  it('stops with Salesforce\'s error when the user lacks "Bulk API Hard Delete"', async () => {
    const file = await seed('noperm');
    org.setPermissions({ bulkApiHardDelete: false });
    try {
      const r = await sfsync(['delete', file, '--object', 'Contact', '--hard', '--yes', '--json']);
      expect(r.code).toBe(1);
      expect(r.doc.error.code).toBe('HARD_DELETE_NOT_PERMITTED');
      expect(r.doc.error.message).toContain(
        'hardDelete operation requires special user profile permission, please contact your system administrator',
      );
      expect(r.doc.error.hint).toContain('Bulk API Hard Delete');
    } finally {
      org.setPermissions({ bulkApiHardDelete: true });
    }
    expect(await contactIds("Department = 'noperm'")).toHaveLength(2);
  });

  it('asks on a terminal, and without one needs --yes', async () => {
    const file = await seed('ask');
    const noTty = await sfsync(['delete', file, '--object', 'Contact', '--hard']);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain('no terminal is attached');
    expect(noTty.stderr).toContain('--yes');

    const declined = await sfsync(['delete', file, '--object', 'Contact', '--hard'], {
      tty: true,
      confirm: [false],
    });
    expect(declined.asked[0]).toMatch(/^Permanently delete the Contact records that ids-ask\.csv names/);
    expect(declined.code).not.toBe(0);
    expect(declined.stderr).toContain('Cancelled: nothing was deleted.');
    expect(await contactIds("Department = 'ask'")).toHaveLength(2);

    const accepted = await sfsync(['delete', file, '--object', 'Contact', '--hard'], {
      tty: true,
      confirm: [true],
    });
    expect(accepted.code).toBe(0);
    expect(await contactIds("Department = 'ask'", true)).toEqual([]);
  });

  it('a stopped hard delete resumes as a hard delete', () => {
    const opts = syncOptionsFrom('delete', 'ids.csv', { hard: true, yes: true });
    expect(resumeCommand(opts, '/w/out', '/w')).toBe(
      'sfsync delete ids.csv --hard --yes --resume --results out',
    );
    const dup = syncOptionsFrom('create', 'c.csv', { allowDuplicates: true, api: 'bulk' });
    expect(resumeCommand(dup, '/w/out', '/w')).toBe(
      'sfsync create c.csv --api bulk --allow-duplicates --resume --results out',
    );
  });

  it('refuses --hard with --api rest, naming the flags', async () => {
    const r = await sfsync(['delete', 'whatever.csv', '--hard', '--api', 'rest', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--hard uses Bulk API 2.0 hardDelete');
  });
});
