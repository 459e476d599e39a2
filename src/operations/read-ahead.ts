/**
 * Records read into memory at most while the org prepares the run (about 20 MB of parsed CSV records): enough to
 * fill a second or two of waiting, and a bound whatever the size of the file.
 */
export const READ_AHEAD_RECORDS = 50_000;

/**
 * The input, read ahead while `ready` is pending (the org's reads before writing: the limits, the match export's
 * job, which takes the org seconds on a large object): the time sfsync would spend waiting goes to reading and
 * parsing the first records instead. At most `limit` records are held; once `ready` settles nothing more is read
 * ahead, and the records come in file order, the held ones first, then the rest as they are read. A read that
 * fails during the read-ahead fails where the records reach it, as it would have without it.
 */
export function readAhead<T>(
  source: AsyncIterable<T[]>,
  ready: Promise<unknown>,
  limit: number,
): AsyncIterable<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  const held: T[][] = [];
  let state: { done?: true; failure?: { error: unknown } } = {};
  let settled = false;
  const stop = (): void => {
    settled = true;
  };
  ready.then(stop, stop);
  const pump = (async () => {
    let count = 0;
    while (!settled && count < limit) {
      try {
        const next = await iterator.next();
        if (next.done) {
          state = { done: true };
          return;
        }
        held.push(next.value);
        count += next.value.length;
      } catch (error) {
        state = { failure: { error } };
        return;
      }
    }
  })();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        await pump;
        while (held.length > 0) yield held.shift() as T[];
        if (state.failure) throw state.failure.error;
        if (state.done) return;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        // A run that stops early closes the file, as it would have without the read-ahead.
        await iterator.return?.();
      }
    },
  };
}
