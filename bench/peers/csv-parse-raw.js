// Raw csv-parse of a file, nothing else: what the offline dry run is compared with, run as its own process like
// sfsync (start-up included). Usage: node csv-parse-raw.js FILE. Prints {records} as JSON.
import fs from 'node:fs';
import { parse } from 'csv-parse';

let records = 0;
for await (const _record of fs.createReadStream(process.argv[2]).pipe(parse({ columns: true }))) records++;
console.log(JSON.stringify({ records }));
