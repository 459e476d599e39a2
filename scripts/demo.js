// npm run demo: starts the built-in local org, runs every example against it with the real CLI, and shows
// what happened. Needs no Salesforce account and no network.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../dist/emulator/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const steps = JSON.parse(fs.readFileSync(path.join(root, 'examples/demo-steps.json'), 'utf8'));
const results = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-demo-'));

function run(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/sfsync.js'), ...args], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
    child.on('close', (status) => resolve(status));
  });
}

/** A CSV of Ids from an earlier step's success.csv, for the delete example. */
function idsFile(step) {
  const success = fs
    .readFileSync(path.join(results, String(step), 'success.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const file = path.join(results, 'ids.csv');
  fs.writeFileSync(file, `Id\n${success.map((row) => row.split(',')[2]).join('\n')}\n`);
  return file;
}

const org = await startEmulator({ port: 0 });
console.log(`Local Salesforce org: ${org.instanceUrl} (user ${org.username})\n`);
const env = { ...process.env, SFSYNC_INSTANCE_URL: org.instanceUrl, SFSYNC_ACCESS_TOKEN: org.accessToken };
let failures = 0;
try {
  for (const [i, step] of steps.entries()) {
    const args = step.args.map((a) => (a === '{ids}' ? idsFile(step.idsFromStep) : a));
    console.log(`── ${i + 1}. ${step.title}\n$ sfsync ${args.join(' ')}`);
    if ((await run([...args, '--results', path.join(results, String(i + 1))], env)) !== 0) failures++;
    console.log('');
  }
  console.log(`Result files of every step: ${results}`);
  console.log(`The local org served ${org.apiCalls()} API calls in all.`);
  console.log('Next: run "sfsync emulator" to keep a local org for your own files (see README.md).');
} finally {
  await org.close();
}
process.exitCode = failures > 0 ? 1 : 0;
