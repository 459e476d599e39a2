import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Keeps the heap of a long run near its live data. V8 sizes its heap for throughput: a process that allocates
 * fast, as a sync does (every record is read, mapped and written as new strings), is let grow to about four times
 * its live data before a full collection, so a run holding 40 MB would show 200 MB more resident memory than it
 * needs. At a quiet point (between batches) this asks for a full collection once the heap passes `limitBytes`; a
 * collection costs milliseconds, and the limit is then twice the live data (never below the one given), so
 * collections never run back to back, and it comes down again with the live data.
 */
export class HeapGovernor {
  private readonly gc: ((options?: object) => unknown) | undefined;
  private limit: number;
  private externalLimit: number;
  private readonly base: number;
  private collecting = false;

  constructor(limitBytes: number) {
    this.limit = limitBytes;
    this.base = limitBytes;
    this.externalLimit = limitBytes;
    if (limitBytes === Infinity) return;
    try {
      // The documented way for a running process to reach V8's collector (jest's leak detector does the same).
      v8.setFlagsFromString('--expose-gc');
      // Each full collection ages compiled functions, and V8 drops the code of those not run for a few of them:
      // with a collection every second, code used once per job was compiled again and again (+35% CPU).
      v8.setFlagsFromString('--no-flush-bytecode');
      this.gc = vm.runInNewContext('gc') as (options?: object) => unknown;
    } catch {
      this.gc = undefined;
    }
  }

  /** The heap size that starts the next collection. */
  limitBytes(): number {
    return this.limit;
  }

  /**
   * Call between batches: starts a collection if the heap has grown past the limit, or the memory its objects hold
   * outside it (buffers read, written, uploaded and downloaded: V8 frees those only with their objects) has grown
   * by half the limit since the last collection.
   */
  check(): void {
    if (!this.gc || this.collecting) return;
    const stats = v8.getHeapStatistics();
    if (stats.used_heap_size < this.limit && stats.external_memory < this.externalLimit) return;
    // Asynchronous: V8 runs it from its own task, off the stack of the batch that asked.
    this.collecting = true;
    void Promise.resolve(this.gc({ type: 'major', execution: 'async' })).then(() => {
      this.collecting = false;
      const live = v8.getHeapStatistics();
      // Twice the live data, down again too once a phase that held much (a job's results) has let it go: a
      // limit left at its highest made every later collection wait for a heap that large.
      this.limit = Math.max(this.base, live.used_heap_size * 2);
      this.externalLimit = Math.max(this.base, live.external_memory + this.base / 2);
    });
  }
}
