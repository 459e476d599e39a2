// The six-step plan of the plan tests and of \`npm run bench -- plan\` (one builder, so the benchmark loads the plan
// the tests check): accounts with parents, contacts with managers, opportunities, campaigns, campaign members, and
// tasks to a contact and an opportunity; variants add an owner to every task and a step of Person Accounts.

/** The step sizes for about n records in all, in the proportions of the tests' plan. */
export function planSizes(n) {
  const k = n / 10_000;
  return {
    accounts: 1000 * k,
    contacts: 4000 * k,
    opportunities: 2000 * k,
    campaigns: 10 * k,
    members: 1500 * k,
    tasks: 1500 * k - 20 * k,
    people: 10 * k,
  };
}

// WhoId and WhatId as plain references to one step each, or as polymorphic ones (which may name several).
const REFS = `        WhoId: {step: contacts, key: External_Id__c, column: who}
        WhatId: {step: opportunities, key: Name, column: what}`;
const POLY = `        WhoId: {steps: [contacts], key: External_Id__c, column: who}
        WhatId: {steps: [opportunities], key: Name, column: what}`;

/**
 * The parent of account i and the manager of contact i (indexes), or null: every account from the eleventh has one
 * of the first ten, every contact from the sixth one of the first five; with `every` (the selfEvery variant) only
 * one group of ten accounts (five contacts) in `every` has, so a second pass has fewer records to update.
 */
export function parentOf(i, every = 1) {
  return i >= 10 && Math.floor(i / 10) % every === 0 ? i % 10 : null;
}

export function managerOf(i, every = 1) {
  return i >= 5 && Math.floor(i / 5) % every === 0 ? i % 5 : null;
}

const PEOPLE_STEP = `  - name: people
    file: people.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        External_Id__c: id
        LastName: last
        PersonEmail: email
        RecordTypeId: {recordType: PersonAccount}
`;

export function planFiles(p, n, v = {}) {
  const domain = v.domain ?? 'plan.test';
  const owned = v.owner === undefined ? '' : `,${v.owner}`;
  const acc = (i) => `${p}A${i}`;
  const con = (i) => `${p}C${i}`;
  const opp = (i) => `${p} Deal ${i}`;
  const ref = (key, index) => (index === null ? '' : key(index));
  const rows = (count, row) => Array.from({ length: count }, (_v, i) => `${row(i)}\n`).join('');
  return {
    'accounts.csv': `id,name,parent\n${rows(n.accounts, (i) => `${acc(i)},Account ${i},${ref(acc, parentOf(i, v.selfEvery))}`)}`,
    'contacts.csv': `id,last,email,account,manager\n${rows(n.contacts, (i) => `${con(i)},Person ${i},${p.toLowerCase()}${i}@${domain},${acc(i % n.accounts)},${ref(con, managerOf(i, v.selfEvery))}`)}`,
    'opportunities.csv': `name,stage,close,account\n${rows(n.opportunities, (i) => `${opp(i)},Prospecting,2026-06-30,${acc(i % n.accounts)}`)}`,
    'campaigns.csv': `name\n${rows(n.campaigns, (i) => `${p} Campaign ${i}`)}`,
    'members.csv': `campaign,contact\n${rows(n.members, (i) => `${p} Campaign ${i % n.campaigns},${con(i)}`)}`,
    'tasks.csv': `subject,who,what${v.owner === undefined ? '' : ',owner'}\n${rows(n.tasks, (i) => `${p} Call ${i},${con(i % n.contacts)},${opp(i % n.opportunities)}${owned}`)}`,
    ...(v.people === undefined
      ? {}
      : {
          'people.csv': `id,last,email\n${rows(v.people, (i) => `${p}P${i},Person ${i},${p.toLowerCase()}.person${i}@${domain}`)}`,
        }),
    'plan.yaml': `
steps:
  - name: tasks
    file: tasks.csv
    object: Task
    operation: upsert
    mapping:
      match: {fields: [Subject], allowSharedKeys: true}
      fields:
        Subject: subject
${v.owner === undefined ? '' : '        OwnerId: {column: owner, lookup: {object: User, field: Username}}\n'}${v.poly ? POLY : REFS}
  - name: accounts
    file: accounts.csv
    object: Account
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        Name: name
        External_Id__c: id
        ParentId: {step: accounts, key: External_Id__c, column: parent}
  - name: contacts
    file: contacts.csv
    object: Contact
    operation: upsert
    match: External_Id__c
    mapping:
      fields:
        LastName: last
        Email: email
        External_Id__c: id
        AccountId: {step: accounts, key: External_Id__c, column: account}
        ReportsToId: {step: contacts, key: External_Id__c, column: manager}
  - name: opportunities
    file: opportunities.csv
    object: Opportunity
    operation: upsert
    mapping:
      match: {fields: [Name], allowSharedKeys: true}
      fields:
        Name: name
        StageName: stage
        CloseDate: close
        AccountId: {step: accounts, key: External_Id__c, column: account}
  - name: campaigns
    file: campaigns.csv
    object: Campaign
    operation: upsert
    mapping:
      match: {fields: [Name], allowSharedKeys: true}
      fields: {Name: name}
${v.people === undefined ? '' : PEOPLE_STEP}  - name: members
    file: members.csv
    object: CampaignMember
    operation: create
    mapping:
      fields:
        CampaignId: {step: campaigns, key: Name, column: campaign}
        ContactId: {step: contacts, key: External_Id__c, column: contact}
`,
  };
}
