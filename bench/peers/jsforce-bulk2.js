// Raw jsforce Bulk API 2.0, as a script using it directly would: one loadAndWaitForResults over the file, polling
// every second (jsforce's default). Usage: node jsforce-bulk2.js insert|upsert FILE [EXTERNAL_ID_FIELD], with
// PEER_INSTANCE_URL and PEER_ACCESS_TOKEN set. Prints {processed, failed} as JSON.
import fs from 'node:fs';
import jsforce from 'jsforce';

const [operation, file, externalIdFieldName] = process.argv.slice(2);
const conn = new jsforce.Connection({
  instanceUrl: process.env.PEER_INSTANCE_URL,
  accessToken: process.env.PEER_ACCESS_TOKEN,
  version: '62.0',
});
const results = await conn.bulk2.loadAndWaitForResults({
  object: 'Contact',
  operation,
  externalIdFieldName,
  input: fs.createReadStream(file),
  pollInterval: 1000,
  pollTimeout: 3_600_000,
});
console.log(
  JSON.stringify({
    processed: results.successfulResults.length + results.failedResults.length,
    failed: results.failedResults.length,
  }),
);
