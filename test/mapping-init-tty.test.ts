import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { startEmulator, type Emulator } from '../src/emulator/server.js';
import { parseMapping } from '../src/mapping/load-mapping.js';
import { createInquirerPrompter } from '../src/ui/prompt.js';
import { fakeTerminal } from './helpers/fake-terminal.js';
import { createTestDeps } from './helpers/test-deps.js';
import { waitFor } from './helpers/wait-for.js';

let org: Emulator;
let dir: string;
beforeAll(async () => {
  org = await startEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-tty-'));
  fs.writeFileSync(path.join(dir, 'people.csv'), 'First Name,last_name,E-mail\nAda,Lovelace,ada@tty.test\n');
});
afterAll(async () => org.close());

describe('the mapping wizard on a terminal', () => {
  it('is driven by keystrokes through the real prompts and writes what was chosen', async () => {
    const { io, keyboard, shown: screen } = fakeTerminal();
    const deps = createTestDeps({
      cwd: dir,
      env: { SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken },
    });
    Object.assign(deps, { io, prompt: createInquirerPrompter(io) });

    /** Waits for a question on the screen, then types the keys. */
    let seen = 0;
    const answer = async (question: string, keys: string): Promise<void> => {
      await waitFor(
        () => screen().indexOf(question, seen) >= 0,
        `"${question}" on screen (it shows ${JSON.stringify(screen().slice(-600))})`,
      );
      seen = screen().indexOf(question, seen) + question.length;
      keyboard.write(keys);
    };
    const DOWN = '\u001b[B';
    const running = main(
      ['mapping', 'init', 'people.csv', '--object', 'Contact', '--output', 'people.yaml'],
      deps,
    );
    await answer('Column "First Name" goes to', '\r');
    await answer('Column "last_name" goes to', '\r');
    await answer('Column "E-mail" goes to', '\r');
    await answer('Operation', `${DOWN}${DOWN}\r`);
    await answer('Match existing records on', '\r');
    expect(await running).toBe(0);
    expect(screen()).toContain('First records as they would be sent:');
    expect(screen()).toContain('{"FirstName":"Ada","LastName":"Lovelace","Email":"ada@tty.test"}');
    const mapping = parseMapping('people.yaml', fs.readFileSync(path.join(dir, 'people.yaml'), 'utf8'));
    expect(mapping).toMatchObject({ object: 'Contact', operation: 'update', match: ['Email'] });
    expect(Object.keys(mapping.fields ?? {})).toEqual(['FirstName', 'LastName', 'Email']);
  });
});
