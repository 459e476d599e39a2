import fs from 'node:fs';
import path from 'node:path';
import type { SalesforceClient } from '../salesforce/client.js';
import type { ObjectInfo } from '../salesforce/types.js';
import { ExportWriter } from './export-file.js';
import { objectQuery, runExport } from './export.js';
import { openResultFile } from './results.js';

export const BACKUP_FILE = 'backup.csv';

/** Ids one backup query carries (its URL stays well under Salesforce's limit). */
const IDS_PER_QUERY = 200;

/**
 * --backup: the full current records of everything the run is about to update or delete, exported (as `sfsync
 * export --object X` would, every plain field) into backup.csv in the results folder before they are touched, a
 * batch at a time: one query per 200 Ids. The file loads back as it is (`sfsync update backup.csv`).
 */
export class Backup {
  readonly file: string;
  private readonly fd: number;
  private readonly writer: ExportWriter;
  private begun: boolean;
  records = 0;

  /** `resuming` continues the file of an interrupted run. */
  constructor(
    dir: string,
    private readonly client: SalesforceClient,
    private readonly object: ObjectInfo,
    resuming: boolean,
  ) {
    this.file = path.join(dir, BACKUP_FILE);
    this.begun = resuming && fs.existsSync(this.file) && fs.statSync(this.file).size > 0;
    this.fd = openResultFile(this.file, resuming);
    this.writer = new ExportWriter('csv', (text) => fs.writeSync(this.fd, text));
  }

  /** Exports these records, then puts them on disk: called before the writes that touch them are sent. */
  async save(ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
      const list = unique
        .slice(i, i + IDS_PER_QUERY)
        .map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`)
        .join(',');
      const soql = objectQuery(this.object, { where: `Id IN (${list})` });
      const outcome = await runExport({ soql, api: 'rest', allRows: false, format: 'csv' }, this.client, {
        // The header once, for the whole file.
        begin: (columns) => {
          if (!this.begun) this.writer.begin(columns);
          this.begun = true;
        },
        row: (values) => this.writer.row(values),
      });
      this.records += outcome.records;
    }
    this.writer.flush();
  }

  close(): void {
    try {
      this.writer.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }
}
