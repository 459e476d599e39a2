import type { OnInterrupt } from '../core/interrupt.js';
import type { ExitCode, StopSignal } from '../errors.js';
import type { Connect } from '../salesforce/connect.js';
import type { SyncEngine } from './engine.js';
import type { ReferenceResolver } from './engine-options.js';
import type { Confirm } from './hard-delete.js';
import type { Counts } from '../core/sync-types.js';
import type { ResultsLock } from './results-lock.js';
import type { SyncEvents } from './sync-events.js';
import type { SyncResult } from '../core/sync-types.js';
import type { InputRecord } from '../input/types.js';

/** Every side effect a sync has, handed in by its front end (the command, a test). */
export interface SyncPorts {
  connect: Connect;
  now: () => Date;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Read when the file is `-`. */
  stdin: NodeJS.ReadableStream;
  /** Asks a person (--hard); absent when no one can answer. */
  confirm?: Confirm;
  onInterrupt: OnInterrupt;
  /** A plan's step: references to records of earlier steps, resolved from memory. */
  resolveReferences?: ReferenceResolver;
  /**
   * A plan's step: records it does not read (outside its section of the file, or created by an earlier run of the
   * plan); they have no outcome in its results.
   */
  skipRecord?: (record: InputRecord) => boolean;
}

export interface SyncOutcome {
  result: SyncResult;
  exitCode: ExitCode;
}

/** What a signal may need to reach: the engine once it runs, and what a second signal says before it quits. */
export interface StopState {
  signal?: StopSignal;
  engine?: SyncEngine;
  dir?: string;
  counts?: Counts;
}

/** What the last steps of a run need besides the options: its ports, clock start, stop state and events. */
export interface RunContext extends SyncPorts {
  started: number;
  state: StopState;
  hold: (lock: ResultsLock) => void;
  emit: SyncEvents;
}
