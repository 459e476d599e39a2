import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The layers of src/ (README "Architecture") are enforced by the lint step: these imports, written into a file of
// the folder that may not make them, must each fail `npm run lint`, and the allowed ones must pass.
// The files are virtual (no TypeScript project holds them), and the layer rules need no types: type-aware linting
// is switched off here.
const eslint = new ESLint({
  cwd: path.resolve(import.meta.dirname, '..'),
  overrideConfig: tseslint.configs.disableTypeChecked,
});

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(import.meta.dirname, '..', file) });
  // Severity 2 is an error: it makes `npm run lint` exit 1 (a warning would let the wrong import through).
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2)
    .map((m) => m.message);
}

describe('layers enforced by the lint step', () => {
  it.each([
    [
      'src/operations/x.ts',
      "import type { Deps } from '../deps.js';",
      'src/operations/ may not import src/deps',
    ],
    ['src/operations/x.ts', "import { plural } from '../commands/orgs.js';", 'may not import src/commands'],
    ['src/operations/x.ts', "import { createIO } from '../ui/io.js';", 'may not import src/ui'],
    [
      'src/mapping/x.ts',
      "import { runSync } from '../operations/engine.js';",
      'may not import src/operations',
    ],
    [
      'src/input/x.ts',
      "import { connect } from '../salesforce/connect.js';",
      'may not import src/salesforce',
    ],
    [
      'src/salesforce/x.ts',
      "import { createFileTokenStore } from '../auth/token-store.js';",
      'may not import src/auth',
    ],
    ['src/emulator/soql/x.ts', "import { SfsyncError } from '../../errors.js';", 'may not import src/errors'],
    [
      'src/core/x.ts',
      "import { csvField } from '../operations/results.js';",
      'may not import src/operations',
    ],
    ['src/ui/x.ts', "import jsforce from 'jsforce';", 'Only src/salesforce/ may import jsforce'],
    ['src/commands/x.ts', "import { Command } from 'commander';", 'Only src/cli.ts and src/cli/ may import'],
    [
      'src/commands/x.ts',
      "import { addSyncCommand } from '../cli/sync-command.js';",
      'may not import src/cli',
    ],
  ])('%s: %s is refused', async (file, code, message) => {
    expect((await problems(file, code)).join('\n')).toContain(message);
  });

  it.each([
    ['src/operations/x.ts', "import { plural } from '../core/plural.js';"],
    ['src/operations/x.ts', "import type { SalesforceClient } from '../salesforce/client.js';"],
    ['src/commands/x.ts', "import { runExport } from '../operations/export.js';"],
    ['src/salesforce/x.ts', "import jsforce from 'jsforce';"],
    ['src/cli/x.ts', "import { Command } from 'commander';"],
    ['src/emulator/soql/x.ts', "import { OrgStore } from '../store.js';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
