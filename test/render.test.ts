import { describe, expect, it } from 'vitest';
import { renderDescribe } from '../src/commands/describe.js';
import { renderSync, renderSyncEvent, type SyncResult } from '../src/commands/sync.js';

const result: SyncResult = {
  operation: 'upsert',
  object: 'Contact',
  objectSource: 'file name',
  dryRun: false,
  offline: false,
  api: 'rest',
  bulkJobs: [],
  matchExport: null,
  matchStrategy: 'query',
  matchFields: ['Email', 'Phone'],
  matchOperator: 'AND',
  repeatedKeys: null,
  counts: {
    total: 2305,
    created: 1000,
    updated: 100,
    unchanged: 0,
    deleted: 0,
    failed: 1203,
    skipped: 2,
  },
  failuresByCode: [
    {
      code: 'REQUIRED_FIELD_MISSING',
      count: 1100,
      lines: [3, 17, 42],
      message: 'Required fields are missing: [LastName]',
      fields: ['LastName'],
    },
    { code: 'AMBIGUOUS_MATCH', count: 103, lines: [5], message: 'Matches 2 records; not written.' },
    {
      code: 'SKIPPED',
      count: 2,
      lines: [2304, 2305],
      message: 'Not sent: --fail-fast stopped the run at the first failed record.',
    },
  ],
  apiCalls: 24,
  results: {
    dir: '/tmp/out',
    success: '/tmp/out/success.csv',
    failures: '/tmp/out/failures.csv',
    plan: null,
  },
  warnings: ['Contact.Email can be set on create but not updated'],
  stoppedEarly: false,
  ended: 'completed',
  signal: null,
  lastLine: 2306,
  durationMs: 1234,
};

describe('rendering', () => {
  it('the end-of-run summary groups failures by cause, with fields, lines and a fix', () => {
    expect(renderSync(result)).toEqual([
      'Done: upsert Contact (object from file name; matched on Email, Phone (AND))',
      '  2,305 records: 1,000 created, 100 updated, 0 unchanged, 0 deleted, 1,203 failed, 2 skipped',
      '  24 API calls',
      '  Failed or skipped, by cause:',
      '    REQUIRED_FIELD_MISSING [LastName]: 1,100 records (lines 3, 17, 42, …)',
      '      Required fields are missing: [LastName]',
      '      fix: map a column to the field, or give it a constant in the mapping (value: …)',
      '    AMBIGUOUS_MATCH: 103 records (line 5, …)',
      '      Matches 2 records; not written.',
      '      fix: the match key is not unique in the org: add a second key with --match-operator AND, or clean up duplicates',
      '    SKIPPED: 2 records (lines 2304, 2305)',
      '      Not sent: --fail-fast stopped the run at the first failed record.',
      '  warning: Contact.Email can be set on create but not updated',
      '  results: /tmp/out',
    ]);
  });

  it('the describe table', () => {
    const lines = renderDescribe({
      kind: 'object',
      name: 'Project__c',
      label: 'Project',
      custom: true,
      fields: [
        {
          name: 'Code__c',
          label: 'Project Code',
          type: 'string',
          length: 20,
          requiredOnCreate: false,
          createable: true,
          updateable: true,
          filterable: true,
          externalId: true,
          idLookup: true,
          unique: true,
          referenceTo: [],
          relationshipName: null,
          picklistValues: [],
        },
        {
          name: 'Status__c',
          label: 'Status',
          type: 'picklist',
          length: 255,
          requiredOnCreate: false,
          createable: true,
          updateable: true,
          filterable: true,
          externalId: false,
          idLookup: false,
          unique: false,
          referenceTo: [],
          relationshipName: null,
          picklistValues: ['Planned', 'Active', 'Done'],
        },
        {
          name: 'Notes__c',
          label: 'Notes',
          type: 'textarea',
          length: 32768,
          requiredOnCreate: false,
          createable: true,
          updateable: true,
          filterable: false,
          externalId: false,
          idLookup: false,
          unique: false,
          referenceTo: [],
          relationshipName: null,
          picklistValues: [],
        },
        {
          name: 'Account__c',
          label: 'Account',
          type: 'reference',
          length: 18,
          requiredOnCreate: true,
          createable: true,
          updateable: false,
          filterable: true,
          externalId: false,
          idLookup: false,
          unique: false,
          referenceTo: ['Account'],
          relationshipName: 'Account__r',
          picklistValues: [],
        },
      ],
    });
    expect(lines).toEqual([
      'Project__c (Project, custom): 4 fields',
      'FIELD       LABEL         TYPE             ON CREATE  WRITE          MATCHABLE  KEY          UNIQUE  VALUES',
      'Code__c     Project Code  string(20)                  create+update  yes        external ID  yes',
      'Status__c   Status        picklist                    create+update  yes                             Planned, Active, Done',
      'Notes__c    Notes         textarea(32768)             create+update  no',
      'Account__c  Account       lookup(Account)  required   create only    yes',
    ]);
  });

  it('the describe table with a lookup to many objects (Task.WhatId)', () => {
    const targets = [
      'Account',
      'Opportunity',
      'Case',
      ...Array.from({ length: 57 }, (_, i) => `Custom${i}__c`),
    ];
    const field = {
      name: 'WhatId',
      label: 'Related To',
      type: 'reference',
      length: 18,
      requiredOnCreate: false,
    };
    const flags = {
      createable: true,
      updateable: true,
      filterable: true,
      externalId: false,
      idLookup: false,
    };
    const lines = renderDescribe({
      kind: 'object',
      name: 'Task',
      label: 'Task',
      custom: false,
      fields: [
        {
          ...field,
          ...flags,
          unique: false,
          referenceTo: targets,
          relationshipName: 'What',
          picklistValues: [],
        },
      ],
    });
    expect(lines[2]).toBe(
      'WhatId  Related To  lookup(Account|Opportunity|Case|… 57 more)             create+update  yes',
    );
  });

  it('a stop names the signal that quits at once: Ctrl-C for SIGINT, a second SIGTERM for a job that sent one', () => {
    expect(renderSyncEvent({ type: 'stopping', signal: 'SIGINT' })).toContain(
      '(Ctrl-C again to quit at once)',
    );
    expect(renderSyncEvent({ type: 'stopping', signal: 'SIGTERM' })).toContain(
      '(a second SIGTERM or Ctrl-C quits at once)',
    );
    expect(renderSyncEvent({ type: 'match-export-done', field: 'Email', records: 1 })).toBe(
      'Matching on Email: 1 existing record exported',
    );
  });
});
