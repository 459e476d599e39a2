// The reading thread of a big CSV file (see csv-thread.ts): the file read and parsed exactly as on the main
// thread (readCsv over csv-parse), its records sent in chunks, at most a few ahead of the run.
import { parentPort, workerData } from 'node:worker_threads';
import { readCsv } from './csv-reader.js';
import { encodeRecords, sendError, type ThreadMessage } from './csv-thread-codec.js';
import { openText } from './source.js';
import type { InputRecord, ReadOptions } from './types.js';

/** Chunks sent and not yet taken by the run: the memory the thread may run ahead by. */
const AHEAD = 4;
/**
 * Records sent at a time. The reader gives a few dozen at a time (what csv-parse holds), and every message costs
 * tens of microseconds whatever its size.
 */
const CHUNK = 2_000;

const port = parentPort;
if (port) {
  const options = workerData as Pick<ReadOptions, 'file' | 'format' | 'delimiter' | 'encoding'>;
  let unread = 0;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    unread--;
    wake?.();
    wake = null;
  });
  const send = (m: ThreadMessage): void => port.postMessage(m);
  let keys: string[] | null = null;
  let pending: InputRecord[] = [];
  const sendPending = (): void => {
    if (pending.length === 0) return;
    const message = encodeRecords(pending, keys);
    keys = message.keys;
    send(message);
    unread++;
    pending = [];
  };
  try {
    const records = readCsv(
      openText(options),
      options.file,
      options.delimiter,
      (columns, jsonRecords, originLost) => send({ t: 'header', columns, jsonRecords, originLost }),
    );
    for await (const chunk of records) {
      for (const r of chunk) pending.push(r);
      if (pending.length < CHUNK) continue;
      sendPending();
      if (unread >= AHEAD) await new Promise<void>((resolve) => (wake = resolve));
    }
    sendPending();
    send({ t: 'end' });
  } catch (err) {
    // The records read before the error are the run's, as when the file is read on the main thread.
    sendPending();
    send({ t: 'error', error: sendError(err) });
  }
  port.close();
}
