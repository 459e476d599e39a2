import fs from 'node:fs';
import { TextDecoder } from 'node:util';
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

const DECODERS: Record<string, string> = { utf8: 'utf-8', latin1: 'latin1', utf16le: 'utf-16le' };

/**
 * Decodes bytes to text. A byte-order mark chooses UTF-8 (whatever --encoding says) or UTF-16 by itself; invalid UTF-8 stops the run with
 * the line it is on, instead of loading replacement characters into Salesforce.
 */
async function* decode(
  bytes: AsyncIterable<Buffer | string>,
  name: string,
  encoding: string | undefined,
): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let line = 1;
  for await (const raw of bytes) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    if (!decoder) {
      const utf16 = chunk[0] === 0xff && chunk[1] === 0xfe;
      // EF BB BF is "ï»¿" in latin1, a header no file means: the mark says the file is UTF-8 (Excel's "CSV UTF-8").
      const utf8 = chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
      const label = utf8
        ? 'utf-8'
        : utf16 && !encoding
          ? 'utf-16le'
          : (DECODERS[encoding ?? 'utf8'] ?? 'utf-8');
      decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      // Find the line of the first bad byte by decoding the chunk leniently.
      const lenient = new TextDecoder(decoder.encoding).decode(chunk);
      const bad = lenient.indexOf('\uFFFD');
      for (let i = lenient.indexOf('\n'); i >= 0 && i < bad; i = lenient.indexOf('\n', i + 1)) line++;
      throw new SfsyncError(
        'ENCODING_INVALID',
        `${name} is not valid ${decoder.encoding === 'utf-8' ? 'UTF-8' : decoder.encoding} (near line ${line}).`,
        {
          hint: "Pass the file's encoding with --encoding latin1 or --encoding utf16le, or convert it to UTF-8.",
        },
      );
    }
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
    if (text) yield text;
  }
  const rest = decoder?.decode() ?? '';
  if (rest) yield rest;
}

/** The file or stdin as a stream of decoded text. The file is checked before anything else happens. */
export function openText(options: ReadOptions): AsyncIterable<string> {
  if (options.file === '-') {
    return decode(
      (options.stdin ?? process.stdin) as AsyncIterable<Buffer>,
      'standard input',
      options.encoding,
    );
  }
  checkInputFile(options.file);
  return decode(fs.createReadStream(options.file), options.file, options.encoding);
}

/** An input path that can be read as a file, or the error that says why not (before anything else reads it). */
export function checkInputFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new SfsyncError('FILE_NOT_FOUND', `Input file ${file} does not exist.`, {
      hint: 'Check the path, or use - to read standard input.',
    });
  }
  if (stat.isDirectory()) {
    // An earlier run's results folder: what can be fed back from it is its failures (or success) file.
    const failures = path.join(file, 'failures.csv');
    const results = fs.existsSync(path.join(file, 'journal.ndjson')) && fs.existsSync(failures);
    throw new SfsyncError('FILE_NOT_FOUND', `${file} is a folder, not a file.`, {
      hint: results
        ? `It is the results folder of an sfsync run: to send its failed records again (after fixing them), name ${failures}; "sfsync results ${file}" shows what that run did.`
        : 'Name a CSV or NDJSON file in it, or use - to read standard input.',
    });
  }
}
