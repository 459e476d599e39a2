import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'csv-parse/sync';
import type { BulkApi } from './bulk.js';
import { applyRow, column, type Column } from './bulk-rows.js';
import {
  AsyncError,
  csvCell,
  batchInfo,
  fromXml,
  jobInfo,
  jsonRows,
  MAX_BATCH_RECORDS,
  NS,
  OPERATIONS,
  sendResults,
  toXml,
  type Batch,
  type Job,
} from './bulk-v1-format.js';
import { readBody } from './http.js';
import { runQuery, SoqlError } from './soql/execute.js';
import { to18 } from './ids.js';
import type { ObjectData, OrgStore } from './store.js';
import { formatDateTime } from './values.js';

/**
 * Bulk API 1.0 (`/services/async/{version}/job…`), the API Data Loader, jsforce's `bulk` and simple-salesforce
 * use, and the only one with serial processing. Jobs and batches answer in XML or JSON, following the request
 * [doc Bulk API 1.0 guide "Work with Jobs", "Work with Batches", "Use Bulk Query"].
 */

export class BulkV1Api {
  private readonly jobs = new Map<string, Job>();
  private counter = 0;

  constructor(
    private readonly store: OrgStore,
    private readonly userId: string,
    private readonly bulk: BulkApi,
    private readonly clock: () => number = Date.now,
  ) {}

  private newId(prefix: string): string {
    return to18(`${prefix}5g${String(++this.counter).padStart(10, '0')}`);
  }

  async handle(req: IncomingMessage, res: ServerResponse, version: string, parts: string[]): Promise<void> {
    const json = /json/i.test(`${req.headers['content-type'] ?? ''} ${req.headers.accept ?? ''}`);
    try {
      await this.route(req, res, version, parts, json);
    } catch (err) {
      if (!(err instanceof AsyncError)) throw err;
      this.send(res, err.status, 'error', { exceptionCode: err.code, exceptionMessage: err.message }, json);
    }
  }

  /** Errors and infos in the request's format: XML by default, JSON when the client speaks JSON. */
  private send(res: ServerResponse, status: number, root: string, body: unknown, json: boolean): void {
    const text = json
      ? JSON.stringify(body)
      : `<?xml version="1.0" encoding="UTF-8"?>${
          root === 'batchInfoList'
            ? `<batchInfoList xmlns="${NS}">${(
                body as { batchInfo: Array<Record<string, unknown>> }
              ).batchInfo
                .map((b) => toXml('batchInfo', b).replace(` xmlns="${NS}"`, ''))
                .join('')}</batchInfoList>`
            : toXml(root, body as Record<string, unknown>)
        }`;
    res.writeHead(status, {
      'Content-Type': json ? 'application/json' : 'application/xml',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private sendRaw(res: ServerResponse, type: string, text: string): void {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    version: string,
    parts: string[],
    json: boolean,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const [head, jobId, batchPart, batchId, tail] = parts;
    if (head !== 'job') throw new AsyncError(404, 'InvalidUrl', 'Unknown resource');
    if (!jobId) {
      if (method !== 'POST') throw new AsyncError(405, 'InvalidUrl', `HTTP Method '${method}' not allowed`);
      const job = this.createJob(await readBody(req, 100_000), json, version);
      return this.send(res, 201, 'jobInfo', jobInfo(job, this.userId), json || job.contentType === 'JSON');
    }
    const job = this.jobs.get(jobId);
    if (!job) throw new AsyncError(400, 'InvalidJob', `Unable to find object: ${jobId}`);
    const asJson = json || job.contentType === 'JSON';
    if (!batchPart) {
      if (method === 'POST') this.changeState(job, await readBody(req, 100_000), json);
      return this.send(res, 200, 'jobInfo', jobInfo(job, this.userId), asJson);
    }
    if (batchPart !== 'batch') throw new AsyncError(404, 'InvalidUrl', 'Unknown resource');
    if (!batchId) {
      if (method === 'POST') {
        const batch = await this.addBatch(job, req);
        return this.send(res, 201, 'batchInfo', batchInfo(batch), asJson);
      }
      return this.send(
        res,
        200,
        'batchInfoList',
        { batchInfo: job.batches.map((b) => batchInfo(b)) },
        asJson,
      );
    }
    const batch = job.batches.find((b) => b.id === batchId);
    if (!batch) throw new AsyncError(400, 'InvalidBatch', `Unable to find batch: ${batchId}`);
    if (!tail) return this.send(res, 200, 'batchInfo', batchInfo(batch), asJson);
    if (tail === 'request') {
      res.writeHead(200, { 'Content-Type': batch.json ? 'application/json' : 'text/csv' });
      return void res.end(batch.data);
    }
    if (tail === 'result' && batch.query) {
      const q = batch.query;
      if (!parts[5]) {
        return asJson
          ? this.sendRaw(res, 'application/json', JSON.stringify([q.resultId]))
          : this.sendRaw(
              res,
              'application/xml',
              `<?xml version="1.0" encoding="UTF-8"?><result-list xmlns="${NS}"><result>${q.resultId}</result></result-list>`,
            );
      }
      if (parts[5] !== q.resultId)
        throw new AsyncError(400, 'InvalidBatch', `Unable to find result: ${parts[5]}`);
      if (asJson) return this.sendRaw(res, 'application/json', JSON.stringify(q.records));
      const lines = [
        q.columns.map(csvCell).join(','),
        ...q.rows.map((r) => r.map((v) => (v === null ? '' : csvCell(v))).join(',')),
      ];
      return this.sendRaw(res, 'text/csv', `${lines.join('\n')}\n`);
    }
    if (tail === 'result') return sendResults(res, batch);
    throw new AsyncError(404, 'InvalidUrl', 'Unknown resource');
  }

  private createJob(body: Buffer, json: boolean, version: string): Job {
    const text = body.toString('utf8');
    let info: Record<string, string>;
    try {
      info = json ? (JSON.parse(text) as Record<string, string>) : fromXml(text);
    } catch {
      throw new AsyncError(400, 'InvalidJob', 'Unable to parse the job request');
    }
    const operation = info.operation ?? '';
    if (!OPERATIONS.has(operation))
      throw new AsyncError(400, 'InvalidJob', `Invalid operation: ${operation}`);
    const object = this.store.object(info.object ?? '');
    if (!object) throw new AsyncError(400, 'InvalidJob', `Unable to find object: ${info.object ?? ''}`);
    // Data Loader's Bulk API 1.0 answer to a user without "Bulk API Hard Delete" [obs: dataloader source].
    if (operation === 'hardDelete' && !this.bulk.hardDeleteAllowed)
      throw new AsyncError(
        400,
        'FeatureNotEnabled',
        'hardDelete operation requires special user profile permission, please contact your system administrator',
      );
    if (operation === 'upsert') {
      const field = object.meta.fieldByLower.get((info.externalIdFieldName ?? '').toLowerCase());
      if (!field || !(field.externalId || field.name === 'Id' || field.idLookup))
        throw new AsyncError(400, 'InvalidJob', `External ID was blank for ${object.meta.name}`);
      info.externalIdFieldName = field.name;
    }
    const contentType = info.contentType ?? 'CSV';
    if (contentType !== 'CSV' && contentType !== 'JSON')
      throw new AsyncError(400, 'InvalidJob', `Unsupported content type: ${contentType}`);
    const mode = info.concurrencyMode ?? 'Parallel';
    if (mode !== 'Parallel' && mode !== 'Serial')
      throw new AsyncError(400, 'InvalidJob', `Invalid concurrency mode: ${mode}`);
    const now = formatDateTime(this.clock());
    const job: Job = {
      id: this.newId('750'),
      operation: operation as Job['operation'],
      object: object.meta.name,
      externalIdFieldName: info.externalIdFieldName,
      concurrencyMode: mode,
      contentType,
      assignmentRuleId: info.assignmentRuleId,
      state: 'Open',
      createdDate: now,
      systemModstamp: now,
      apiVersion: Number(version).toFixed(1),
      batches: [],
      running: Promise.resolve(),
    };
    this.jobs.set(job.id, job);
    return job;
  }

  private changeState(job: Job, body: Buffer, json: boolean): void {
    const text = body.toString('utf8');
    const state = (json ? (JSON.parse(text) as { state?: string }) : fromXml(text)).state;
    if (state === 'Closed') {
      if (job.state !== 'Open') throw new AsyncError(400, 'InvalidJobState', `Job is ${job.state}, not Open`);
      job.state = 'Closed';
    } else if (state === 'Aborted') {
      job.state = 'Aborted';
      for (const b of job.batches) if (b.state === 'Queued') b.state = 'NotProcessed';
    } else throw new AsyncError(400, 'InvalidJob', `Invalid state: ${String(state)}`);
    job.systemModstamp = formatDateTime(this.clock());
  }

  private async addBatch(job: Job, req: IncomingMessage): Promise<Batch> {
    if (job.state !== 'Open')
      throw new AsyncError(400, 'InvalidJobState', `Job ${job.id} is not open for new batches: ${job.state}`);
    const now = formatDateTime(this.clock());
    const batch: Batch = {
      id: this.newId('751'),
      jobId: job.id,
      state: 'Queued',
      createdDate: now,
      systemModstamp: now,
      data: await readBody(req, 10_000_000),
      json: job.contentType === 'JSON',
      results: [],
      failed: 0,
    };
    job.batches.push(batch);
    this.bulk.batchesUsed++;
    const run = (): Promise<void> => new Promise((r) => setImmediate(r)).then(() => this.process(job, batch));
    // Serial: after the batches before it. Parallel: right away (the local org still runs one at a time).
    if (job.concurrencyMode === 'Serial') job.running = job.running.then(run);
    else void run();
    return batch;
  }

  private async process(job: Job, batch: Batch): Promise<void> {
    if (batch.state !== 'Queued') return;
    batch.state = 'InProgress';
    const object = this.store.object(job.object) as ObjectData;
    if (job.operation === 'query' || job.operation === 'queryAll') return this.runQueryBatch(job, batch);
    let header: string[];
    let rows: string[][];
    try {
      if (batch.json) {
        const records = JSON.parse(batch.data.toString('utf8')) as unknown;
        if (!Array.isArray(records)) throw new Error('a JSON batch is an array of records');
        ({ header, rows } = jsonRows(records as Array<Record<string, unknown>>));
      } else {
        const all = parse(batch.data, { bom: true, relax_column_count: false });
        header = all.shift() ?? [];
        rows = all;
      }
    } catch (err) {
      return this.failBatch(
        batch,
        `InvalidBatch : Failed to parse the batch data: ${(err as Error).message}`,
      );
    }
    if (rows.length > MAX_BATCH_RECORDS)
      return this.failBatch(batch, `InvalidBatch : Records in a batch exceeds ${MAX_BATCH_RECORDS}`);
    const columns = header.map((h) => column(object, h));
    const bad = columns.findIndex((c) => c === null);
    if (bad >= 0) return this.failBatch(batch, `InvalidBatch : Field name not found : ${header[bad]}`);
    const rowJob = {
      operation: job.operation,
      externalIdFieldName: job.externalIdFieldName,
      failed: 0,
    };
    for (const values of rows)
      batch.results.push(applyRow(this.store, rowJob, object, columns as Column[], values));
    batch.failed = rowJob.failed;
    batch.state = 'Completed';
    batch.systemModstamp = formatDateTime(this.clock());
  }

  /** A query batch: its body is the SOQL; the result set is kept for `result/{id}` [doc "Use Bulk Query"]. */
  private runQueryBatch(job: Job, batch: Batch): void {
    const soql = batch.data.toString('utf8');
    let result;
    try {
      result = runQuery(this.store, soql, { all: job.operation === 'queryAll', now: this.clock() });
    } catch (err) {
      if (err instanceof SoqlError)
        return this.failBatch(batch, `InvalidBatch : ${err.errorCode}: ${err.message}`);
      throw err;
    }
    if (result.plan.object.meta.name !== job.object)
      return this.failBatch(batch, `InvalidBatch : The query must be on the job's object: ${job.object}`);
    if (result.plan.aggregate || result.plan.hasSubqueries || result.plan.hasTypeOf) {
      return this.failBatch(
        batch,
        'InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: Aggregate queries, subqueries and TYPEOF are not supported by Bulk API',
      );
    }
    const paths = result.plan.select;
    const rows = result.rows.map((row) =>
      paths.map((p) => {
        let current: Record<string, unknown> | undefined = row;
        for (const hop of p.hops) {
          const parentId: unknown = current?.[hop.name];
          current = typeof parentId === 'string' ? this.store.find(parentId)?.row : undefined;
        }
        const v = current?.[p.field.name];
        return v === undefined || v === null ? null : String(v);
      }),
    );
    batch.query = {
      resultId: this.newId('752'),
      columns: paths.map((p) => p.names.join('.')),
      rows,
      records: batch.json
        ? result.rows.map((row) => result.project(row, `/services/data/v${job.apiVersion}`))
        : [],
    };
    batch.results = rows.map(() => ({ values: [], id: '' }));
    batch.state = 'Completed';
    batch.systemModstamp = formatDateTime(this.clock());
  }

  private failBatch(batch: Batch, message: string): void {
    batch.state = 'Failed';
    batch.stateMessage = message;
    batch.systemModstamp = formatDateTime(this.clock());
  }
}
