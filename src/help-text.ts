import { DEFAULT_API_VERSION } from './core/api-version.js';

/** Help text shared by `sfsync --help` and the README; kept in one place so the two cannot drift. */

export const EXIT_CODES_HELP = `Exit codes:
  0  everything succeeded
  1  fatal error: usage, config, auth, or network after retries; nothing or only part of the
     input was processed, and the output says which
  2  the run finished, but some records failed (see the failures file in the results folder)
  130  stopped by Ctrl-C (SIGINT), 143  stopped by SIGTERM (CI cancel, timeout, docker stop):
     the calls in flight were finished, every record read has an outcome, summary.json is
     written, and stderr ends with the command that continues the run (--resume --results DIR).
     A second Ctrl-C quits at once (still 130, still the command to continue).`;

export const ENVIRONMENT_HELP = `Environment:
  SFSYNC_ORG              alias of the stored org to use (like --org)
  SFSYNC_INSTANCE_URL     with SFSYNC_ACCESS_TOKEN: use this org and token directly, store nothing
  SFSYNC_ACCESS_TOKEN     an access token for SFSYNC_INSTANCE_URL (never printed)
  SFSYNC_CONFIG_DIR       where stored orgs and settings live (default ~/.config/sfsync)
  SFSYNC_API_VERSION      Salesforce API version, e.g. ${DEFAULT_API_VERSION} (like --api-version)
  NO_COLOR                any value turns colour off
  Precedence: flags > environment > mapping file > stored config > defaults.`;

export const PROGRAM_EXAMPLES = `Examples:
  $ sfsync login --sandbox
  $ sfsync upsert contacts.csv --match Email
  $ sfsync update leads.ndjson --mapping leads.mapping.yaml --dry-run
  $ cat events.ndjson | sfsync create - --format ndjson --object Case --json
  $ sfsync emulator --port 8383          # a local Salesforce-compatible org to try things on`;

export const SYNC_EXAMPLES: Record<string, string> = {
  create: `Examples:
  $ sfsync create accounts.csv                      # object inferred from the file name: Account
  $ cat events.ndjson | sfsync create - --format ndjson --object Case --json
  $ sfsync create leads.csv --assignment-rule default      # the active Lead assignment rule sets the owner
  $ sfsync create contacts.csv --serial                    # one batch at a time (row lock trouble)`,
  update: `Examples:
  $ sfsync update contacts.csv --match Email
  $ sfsync update leads.ndjson --mapping leads.mapping.yaml --dry-run`,
  upsert: `Examples:
  $ sfsync upsert contacts.csv --match Email
  $ sfsync upsert accounts.csv --match External_Id__c --api bulk
  $ sfsync upsert people.csv --object Contact --match Email,Phone --match-operator AND
  $ sfsync upsert leads.csv --match Email --assignment-rule none   # keep owners: no assignment rule
  $ sfsync upsert products.csv --match Code__c --delete-missing --scope "WHERE Family = 'Hardware'" --dry-run
  $ sfsync upsert staff.csv --match Email --missing deactivate Active__c=false --scope "WHERE Team__c = 'Ops'" --max-delete 5%`,
  delete: `Examples:
  $ sfsync delete old-leads.csv --object Lead       # a column Id, or --match on another field
  $ sfsync delete contacts.csv --match Email --dry-run`,
};
