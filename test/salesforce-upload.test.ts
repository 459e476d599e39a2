import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, fixedToken } from '../src/salesforce/transport.js';

// A Bulk upload streams its job's file: fetch (undici) read a streamed body as fast as the file gave it, so a job
// of 45 MB was held whole in memory while it went out. The upload reads the file only as the connection takes it.

const MB = 1 << 20;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfsync-upload-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a file upload', () => {
  it('holds about a megabyte of the file at a time, however large, and sends every byte', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const file = path.join(dir, 'job.csv');
    fs.writeFileSync(file, Buffer.alloc(24 * MB, 'a'));
    let received = 0;
    let nextLook = 0;
    let held = 0;
    // Each time the server has taken another 2 MB: what the sending side holds, its garbage collected first.
    const server = http.createServer((req, res) => {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received < nextLook) return;
        nextLook = received + 2 * MB;
        gc();
        held = Math.max(held, process.memoryUsage().arrayBuffers);
      });
      req.on('end', () => res.writeHead(201).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const send = createTransport(url, '62.0', fixedToken('token'));
      gc();
      const before = process.memoryUsage().arrayBuffers;
      await send({ method: 'PUT', url: '/jobs/ingest/750x/batches', body: { file, bytes: 24 * MB } });
      expect(received).toBe(24 * MB);
      expect((held - before) / MB).toBeLessThan(8);
    } finally {
      server.close();
    }
  });
});
