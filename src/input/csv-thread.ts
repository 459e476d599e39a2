import { Worker } from 'node:worker_threads';
import { readThreadSetting } from '../config/settings.js';
import { decodeRecords, receivedError, type ThreadMessage } from './csv-thread-codec.js';
import type { InputRecord, ReadOptions } from './types.js';

/**
 * Whether a CSV file (not stdin) is read on a second thread: only when asked (SFSYNC_READ_THREAD=on, or `thread`).
 * Not by default: a 1M-record Bulk upsert on a quiet 2-core machine (2026-12-03) peaked at 464 MB RSS with 64 CPU s
 * on the thread against 354 MB and 53 CPU s without it, and under load the dry run was slower with it too.
 */
export function readsOnThread(options: ReadOptions): boolean {
  if (options.file === '-' || options.format !== 'csv') return false;
  return options.thread ?? readThreadSetting(process.env) === 'on';
}

/** The worker's script: beside this module once built; the built one when this runs from the sources (tests). */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/input/csv-worker.js', here)
    : new URL('./csv-worker.js', here);
}

/**
 * The records of a CSV file as readRecords gives them, parsed (by the same code, csv-parse) on a worker thread
 * while this thread maps and writes: a run uses both cores. The worker reads at most a few chunks ahead, so memory
 * stays flat; it keeps the process alive only while a record is awaited, and ends when the reading ends or stops.
 */
export async function* readCsvOnThread(options: ReadOptions): AsyncGenerator<InputRecord[]> {
  const { file, format, delimiter, encoding } = options;
  const worker = new Worker(workerUrl(), { workerData: { file, format, delimiter, encoding } });
  const queue: ThreadMessage[] = [];
  let waiting: (() => void) | null = null;
  // Set by the worker's events: an object, so that the loop reads them as they are now.
  const state = { failed: null as Error | null, exited: false };
  const arrived = (): void => {
    waiting?.();
    waiting = null;
  };
  worker.on('message', (m: ThreadMessage) => {
    queue.push(m);
    arrived();
  });
  worker.on('error', (err) => {
    state.failed = err;
    arrived();
  });
  // Node hands over the messages a worker sent before telling of its exit.
  worker.on('exit', () => {
    state.exited = true;
    arrived();
  });
  worker.unref();
  try {
    for (;;) {
      let m = queue.shift();
      while (m === undefined) {
        if (state.failed) throw state.failed;
        if (state.exited) throw new Error('The reading thread ended early.');
        worker.ref();
        await new Promise<void>((resolve) => (waiting = resolve));
        worker.unref();
        m = queue.shift();
      }
      if (m.t === 'end') return;
      if (m.t === 'error') throw receivedError(m.error);
      if (m.t === 'header') {
        options.onHeader?.(m.columns, m.jsonRecords, m.originLost);
        continue;
      }
      const records = decodeRecords(m);
      worker.postMessage('next');
      yield records;
    }
  } finally {
    void worker.terminate();
  }
}
