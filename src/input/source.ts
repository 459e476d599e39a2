import fs from 'node:fs';
import path from 'node:path';
import { SfsyncError } from '../errors.js';
import type { InputFormat, ReadOptions } from './types.js';

export function formatFromFile(file: string, explicit: InputFormat | undefined): InputFormat {
  if (explicit) return explicit;
  if (file === '-') {
    throw new SfsyncError('FORMAT_UNKNOWN', 'Reading standard input needs --format csv or --format ndjson.', {
      hint: 'For example: cat events.ndjson | sfsync create - --object Case --format ndjson',
    });
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return 'ndjson';
  throw new SfsyncError('FORMAT_UNKNOWN', `Cannot tell the format of ${file} from its extension "${ext}".`, {
    hint: 'Name the file .csv or .ndjson, or pass --format csv|ndjson.',
  });
}

/** The file or stdin as a stream of decoded text. The file is checked before anything else happens. */
export function openText(options: ReadOptions): NodeJS.ReadableStream {
  const encoding = options.encoding ?? 'utf8';
  if (options.file === '-') {
    const stdin = options.stdin ?? process.stdin;
    stdin.setEncoding(encoding);
    return stdin;
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(options.file);
  } catch {
    throw new SfsyncError('FILE_NOT_FOUND', `Input file ${options.file} does not exist.`, {
      hint: 'Check the path, or use - to read standard input.',
    });
  }
  if (stat.isDirectory()) throw new SfsyncError('FILE_NOT_FOUND', `${options.file} is a folder, not a file.`);
  return fs.createReadStream(options.file, { encoding });
}
