import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script without type declarations
import { formatTable, runConformance, sfBin, sfWorks } from '../../scripts/conformance.js';

/*
 * The Salesforce CLI's data commands against the local org (scripts/conformance.js). Run by `npm run conformance`
 * (which installs the CLI into its cache folder first), not by `npm test`; skipped when the CLI is not there.
 */
const installed = (sfWorks as () => boolean)();
const built = fs.existsSync(path.join(import.meta.dirname, '..', '..', 'dist', 'emulator', 'server.js'));

describe.skipIf(!installed || !built)('the Salesforce CLI against the local org', () => {
  it(
    'runs every data command with exit code 0 and output that matches the org',
    { timeout: 600_000 },
    async () => {
      const rows = (await runConformance({ bin: (sfBin as () => string)() })) as Array<{
        command: string;
        pass: boolean;
      }>;
      const table = (formatTable as (r: unknown) => string)(rows);
      const failed = rows.filter((r) => !r.pass);
      console.log(
        `${table}\n\n${rows.length - failed.length} of ${rows.length} sf commands pass against the local org.`,
      );
      expect(failed, table).toEqual([]);
      expect(rows.length).toBeGreaterThanOrEqual(13);
    },
  );
});
