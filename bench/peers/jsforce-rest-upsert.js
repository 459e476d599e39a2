// A batched REST upsert on Email with jsforce, as a careful script would write it (Salesforce's own upsert needs an
// external ID, which Email is not): per 200 records, one query for the Emails that exist, then one sObject
// Collections create and one update; 4 batches at a time. Usage: node jsforce-rest-upsert.js FILE, with
// PEER_INSTANCE_URL and PEER_ACCESS_TOKEN set. Prints {processed, failed} as JSON.
import fs from 'node:fs';
import { parse } from 'csv-parse';
import jsforce from 'jsforce';

const [file] = process.argv.slice(2);
const conn = new jsforce.Connection({
  instanceUrl: process.env.PEER_INSTANCE_URL,
  accessToken: process.env.PEER_ACCESS_TOKEN,
  version: '62.0',
});
let processed = 0;
let failed = 0;

async function upsertBatch(records) {
  const emails = records.map((r) => `'${r.Email.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  const found = await conn.query(`SELECT Id, Email FROM Contact WHERE Email IN (${emails.join(',')})`);
  const idByEmail = new Map(found.records.map((r) => [r.Email.toLowerCase(), r.Id]));
  const updates = [];
  const creates = [];
  for (const r of records) {
    const id = idByEmail.get(r.Email.toLowerCase());
    if (id) updates.push({ ...r, Id: id });
    else creates.push(r);
  }
  const saved = [
    ...(creates.length ? await conn.sobject('Contact').create(creates, { allOrNone: false }) : []),
    ...(updates.length ? await conn.sobject('Contact').update(updates, { allOrNone: false }) : []),
  ];
  processed += saved.length;
  failed += saved.filter((s) => !s.success).length;
}

const running = new Set();
let batch = [];
for await (const record of fs.createReadStream(file).pipe(parse({ columns: true }))) {
  batch.push(record);
  if (batch.length < 200) continue;
  const p = upsertBatch(batch).finally(() => running.delete(p));
  running.add(p);
  batch = [];
  if (running.size >= 4) await Promise.race(running);
}
if (batch.length) await upsertBatch(batch);
await Promise.all(running);
console.log(JSON.stringify({ processed, failed }));
