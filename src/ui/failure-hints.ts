/** What usually fixes each kind of failure: shown under the grouped failures at the end of a run. */
export const FAILURE_HINTS: Record<string, string> = {
  REQUIRED_FIELD_MISSING: 'map a column to the field, or give it a constant in the mapping (value: …)',
  STRING_TOO_LONG:
    'shorten the values, or map them to a longer field ("sfsync describe OBJECT" shows lengths)',
  AMBIGUOUS_MATCH:
    'the match key is not unique in the org: add a second key with --match-operator AND, or clean up duplicates',
  MATCH_KEY_EMPTY:
    'give the record a value in the match field (check the column and its transforms); on upsert, --create-when-key-empty creates such records instead',
  ID_REPEATED:
    'the same Id is on an earlier line of the file, which deletes the record: nothing to do (remove the repeated lines to silence it)',
  MATCH_KEY_REPEATED:
    'the same match key is on an earlier line of the file, which deletes the record: nothing to do (remove the repeated lines to silence it)',
  NOT_FOUND: 'no record has that key: use upsert to create it, or check the match field and its values',
  DUPLICATE_VALUE:
    'another record already holds this unique value: match on that field with upsert instead of create',
  INVALID_EMAIL_ADDRESS: 'fix the address, or map it through transform: [trim, lower]',
  VALUE_INVALID:
    'the value does not fit the field type or its transform (the message says what is expected): fix the value, or the transform (number, number-comma, boolean) or the date format',
  TIMEZONE_MISSING: 'add timezone: Europe/Paris (your zone) to the mapping, or send datetimes with an offset',
  PICKLIST_VALUE_INVALID: 'use one of the picklist values ("sfsync describe OBJECT" lists them)',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:
    'use one of the picklist values ("sfsync describe OBJECT" lists them)',
  LOOKUP_NOT_FOUND: 'load the parent records first, or fix the key the lookup searches',
  LOOKUP_AMBIGUOUS:
    'the lookup field is not unique among the parents: look them up by an external ID instead',
  MALFORMED_ID: 'the value is not a Salesforce id (15 or 18 characters)',
  INVALID_CROSS_REFERENCE_KEY: 'the referenced record does not exist, or you cannot see it',
  INVALID_FIELD_FOR_INSERT_UPDATE:
    'the field is read-only for this operation or your profile: leave it out of the mapping',
  FIELD_CUSTOM_VALIDATION_EXCEPTION:
    'a validation rule in the org refused the record: its message says which; fix the data or the rule',
  DUPLICATES_DETECTED:
    "a duplicate rule refused the record (matched_ids in failures.csv names the records it duplicates): update those with upsert on the rule's fields, or, for a rule that only alerts, re-run with --allow-duplicates",
  UNABLE_TO_LOCK_ROW:
    'another save held the parent record (parallel batches on children of one parent, or org automation): re-run the failures file with --serial (one batch at a time); keep records grouped by parent (the default; not --no-group-by-parent)',
  ENTITY_IS_DELETED: 'the record is in the recycle bin: restore it, or remove its Id from the file',
  CSV_RECORD_INCONSISTENT_COLUMNS:
    'the row has a different number of columns than the header: check its delimiters (the one the file uses, or --delimiter) and quotes',
  CSV_QUOTE_NOT_CLOSED: 'a quote opens and never closes: everything after it was read as one value',
  NDJSON_INVALID: 'the line is not valid JSON',
  NDJSON_NOT_OBJECT: 'each line must be one JSON object',
  KEY_NOT_MAPPED:
    'without a mapping the first record names the fields: give it every key (null where it has no value), or write a mapping file',
  NDJSON_TOO_DEEP:
    'flatten the line: a field takes a value (or a parent by external ID), at most 64 levels of nesting are read',
  BULK_JOB_FAILED:
    'the whole Bulk job failed: its message says why (quota, file format); run again or with --api rest',
  UNCERTAIN:
    'the record was being created when the run stopped: check whether it exists before creating it again',
  NOT_PROCESSED: 'the run stopped before sending it: run the same command with --resume',
  UNKNOWN_OUTCOME:
    'sent, but the connection broke before Salesforce answered: run the same command with --resume (it sends updates and upserts again; creates and deletes become UNCERTAIN, to check in the org); never reload these rows as a failure',
  BULK_NA_TEXT:
    'Bulk API reads the text #N/A as "clear the field": load these records with --api rest, which stores the text; to clear the field, leave the value empty with nulls: clear in the mapping',
  BULK_CSV_UNWRITABLE: 'the record holds a value that is not text, a number or a boolean: check its mapping',
  BULK_RESULTS_UNREAD:
    "Salesforce may have applied it, but the job's results were not read: run the same command with --resume, which reads them (never reload it as a failure)",
};
