import path from 'node:path';
import { SfsyncError } from '../errors.js';
import type { PlanStep } from '../mapping/plan-types.js';
import { fileIdentity, readJournalHeader } from './journal.js';

/**
 * Before a resumed plan connects (and spends an API call or a Bulk query job): each step the interrupted run began
 * must read the very file it read then (its journal's header), as a single run's --resume checks before it
 * connects. A finished step counts too: its records are read back by line, to link later steps to them.
 */
export async function checkResumedInputs(dir: string, steps: PlanStep[], plan: string): Promise<void> {
  for (const step of steps) {
    const header = await readJournalHeader(path.join(dir, step.name));
    if (!header) continue;
    const now = await fileIdentity(step.file);
    const changed =
      header.file !== now.file
        ? `it read ${header.file}`
        : header.size !== now.size || header.sha256 !== now.sha256
          ? `${step.fileAsWritten} has changed since (size or content)`
          : null;
    if (changed)
      throw new SfsyncError(
        'RESUME_MISMATCH',
        `Cannot resume the plan run in ${dir}: its step ${step.name} was run, and ${changed}.`,
        {
          hint: `Put ${step.fileAsWritten} back as it was to resume; or start a new run of ${plan} without --resume (--restart: its create steps create again).`,
        },
      );
  }
}
