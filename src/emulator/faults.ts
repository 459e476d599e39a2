import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError } from './http.js';

/** Knobs for resilience tests: each applies to authenticated REST calls only. */
export interface Faults {
  /** Added to every call, in milliseconds. */
  latencyMs: number;
  /** Share of calls (0–1) that fail with a transient error before doing anything. */
  transientRate: number;
  /**
   * Which errors to pick from: 503 SERVER_UNAVAILABLE, 400 UNABLE_TO_LOCK_ROW, or 403 REQUEST_LIMIT_EXCEEDED (the
   * answer of an org whose daily API requests are used up).
   */
  transientKinds: FaultKind[];
  /** Share of calls whose connection is dropped without an answer. */
  dropRate: number;
  /**
   * Whether a dropped call is carried out first and only its answer lost (a connection that breaks while the org
   * answers, after the save committed); false: dropped before anything is done.
   */
  dropAfterApply: boolean;
  /** Seconds in the `Retry-After` header of injected 503 answers; 0 sends no header. */
  retryAfterSeconds: number;
  /** Every Nth call finds its session expired (once per N), so clients must refresh; 0 = never. */
  expireSessionEvery: number;
  /** Seed of the pseudo-random choices, for repeatable runs. */
  seed: number;
  /**
   * A regular expression (source text) on the path after `/services/data/vXX.X`, e.g. `/jobs/ingest/.+/successfulResults`:
   * only matching calls get the transient errors and drops. Unset or empty: every call.
   */
  pathPattern?: string;
  /** Transient errors and drops injected at most this many times after the faults are set; 0 = no cap. */
  maxInjected: number;
  /**
   * Row locks: the share (0–1) of records that fail with UNABLE_TO_LOCK_ROW when another transaction (a parallel
   * REST collection call or Bulk batch) holds their parent; 0 = no locks (see record-locks.ts).
   */
  lockRate: number;
  /** How long a transaction holds its parents' locks before it answers, in milliseconds. */
  lockHoldMs: number;
}

export type FaultKind = 'SERVER_UNAVAILABLE' | 'UNABLE_TO_LOCK_ROW' | 'REQUEST_LIMIT_EXCEEDED';

export const NO_FAULTS: Faults = {
  latencyMs: 0,
  transientRate: 0,
  transientKinds: ['SERVER_UNAVAILABLE', 'UNABLE_TO_LOCK_ROW'],
  dropRate: 0,
  dropAfterApply: false,
  retryAfterSeconds: 0,
  expireSessionEvery: 0,
  seed: 1,
  maxInjected: 0,
  lockRate: 0,
  lockHoldMs: 25,
};

/** A small deterministic generator (mulberry32) for fault injection. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The faults in force and what they injected so far. */
export class FaultInjector {
  current: Faults;
  /** Faults injected so far (transient errors, drops, expiries). */
  injected = 0;
  private random: () => number;
  private targeted: RegExp | null;
  /** Injections left under `maxInjected`. */
  private left: number;

  constructor(initial: Partial<Faults> | undefined) {
    this.current = { ...NO_FAULTS, ...initial };
    this.random = prng(this.current.seed);
    this.targeted = this.current.pathPattern ? new RegExp(this.current.pathPattern) : null;
    this.left = this.current.maxInjected;
  }

  set(f: Partial<Faults>): Faults {
    this.current = { ...this.current, ...f };
    this.random = prng(this.current.seed);
    this.targeted = this.current.pathPattern ? new RegExp(this.current.pathPattern) : null;
    this.left = this.current.maxInjected;
    return this.current;
  }

  async delay(): Promise<void> {
    if (this.current.latencyMs > 0) await new Promise((r) => setTimeout(r, this.current.latencyMs));
  }

  /** Whether the call numbered `used` finds its session expired. */
  expiresSession(used: number): boolean {
    const every = this.current.expireSessionEvery;
    if (every > 0 && used % every === 0) {
      this.injected++;
      return true;
    }
    return false;
  }

  /**
   * Drops the connection (returns true) or throws a transient error, when the faults pick this call
   * (`path` is after /services/data/vXX.X).
   */
  strike(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const f = this.current;
    if (f.dropRate > 0 && this.injectable(path) && this.random() < f.dropRate) {
      this.inject();
      if (!f.dropAfterApply) {
        req.socket.destroy();
        return true;
      }
      // The call runs; its answer never leaves (Node sends the status line with the first body bytes).
      const drop = (): ServerResponse => {
        req.socket.destroy();
        return res;
      };
      res.write = drop as unknown as ServerResponse['write'];
      res.end = drop;
      return false;
    }
    if (f.transientRate > 0 && this.injectable(path) && this.random() < f.transientRate) {
      this.inject();
      const kind =
        f.transientKinds[Math.floor(this.random() * f.transientKinds.length)] ?? 'SERVER_UNAVAILABLE';
      if (kind === 'SERVER_UNAVAILABLE') {
        const busy = apiError(
          503,
          'SERVER_UNAVAILABLE',
          'Server temporarily unavailable. Please try again later.',
        );
        if (f.retryAfterSeconds > 0) busy.headers['Retry-After'] = String(f.retryAfterSeconds);
        throw busy;
      }
      if (kind === 'REQUEST_LIMIT_EXCEEDED')
        throw apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      throw apiError(
        400,
        'UNABLE_TO_LOCK_ROW',
        'unable to obtain exclusive access to this record or 1 records',
      );
    }
    return false;
  }

  private injectable(path: string): boolean {
    return (!this.targeted || this.targeted.test(path)) && (this.current.maxInjected === 0 || this.left > 0);
  }

  private inject(): void {
    this.injected++;
    this.left--;
  }
}
