import type { ObjectData } from './store.js';
import { recordError, type RecordError, type Row } from './values.js';

/** One transaction of the org: a REST collection call, or one internal batch of a Bulk job. */
export interface LockTransaction {
  parents: Set<string>;
}

/** Lookups that never lock a parent row here: owners, audit users, record types. */
const NOT_PARENTS = new Set(['user', 'group', 'recordtype', 'profile']);

/**
 * Row locks, as Salesforce takes them: saving a child (a Contact, an Opportunity) locks its parent Account for the
 * length of the transaction, and another transaction that saves a child of the same parent meanwhile waits up to
 * 10 seconds, then fails that record with UNABLE_TO_LOCK_ROW [doc "Record Locking Cheat Sheet"; message obs].
 * Off by default. With `rate` > 0 a transaction holds its parents for `holdMs` (the time its triggers and roll-ups
 * would take) before it answers, and a record of another transaction that touches a held parent fails at that rate
 * (the others got the lock in time). Serial calls never meet a lock: each one has answered before the next starts.
 */
export class RecordLocks {
  /** Records refused so far, to show a test met some. */
  refused = 0;
  private readonly held = new Map<string, LockTransaction>();
  private random: () => number = Math.random;
  private seed: number | null = null;

  /** The faults in force, read at each use: `lockRate`, `lockHoldMs`, and the seed of the choices. */
  constructor(private readonly config: () => { lockRate: number; lockHoldMs: number; seed: number }) {}

  private chance(): number {
    const seed = this.config().seed;
    if (seed !== this.seed) {
      this.seed = seed;
      let a = (seed + 1) >>> 0;
      // mulberry32, as the other faults use: repeatable runs for one seed.
      this.random = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    return this.random();
  }

  /** A transaction, or none when locks are off (nothing is held or waited for then). */
  begin(): LockTransaction | undefined {
    return this.config().lockRate > 0 ? { parents: new Set() } : undefined;
  }

  /** The lock error for a row whose parent another transaction holds, or null (the parents are then held). */
  touch(tx: LockTransaction | undefined, object: ObjectData, row: Row): RecordError | null {
    if (!tx) return null;
    const parents: string[] = [];
    for (const field of object.meta.fields) {
      if (field.type !== 'reference' || field.referenceTo.some((t) => NOT_PARENTS.has(t.toLowerCase())))
        continue;
      const id = row[field.name];
      if (typeof id !== 'string' || id === '') continue;
      const holder = this.held.get(id);
      if (holder && holder !== tx && this.chance() < this.config().lockRate) {
        this.refused++;
        return recordError(
          'UNABLE_TO_LOCK_ROW',
          `unable to obtain exclusive access to this record or 1 records: ${id}`,
          [],
        );
      }
      if (!holder) parents.push(id);
    }
    for (const id of parents) {
      this.held.set(id, tx);
      tx.parents.add(id);
    }
    return null;
  }

  /** Ends a transaction: its parents stay held for `holdMs`, then go. */
  async finish(tx: LockTransaction | undefined): Promise<void> {
    if (!tx) return;
    if (tx.parents.size > 0) await new Promise((resolve) => setTimeout(resolve, this.config().lockHoldMs));
    for (const id of tx.parents) if (this.held.get(id) === tx) this.held.delete(id);
  }
}
