/**
 * The gateway's request body readers on node:http: what they keep while a body arrives. A body
 * over the limit (or refused unread) is read to its end and dropped; its chunks must not pile up
 * as garbage until some later GC (node:http copies each into its own malloc'd ArrayBuffer, and
 * V8 lets about 64 MiB of such external garbage gather before it collects: the malloc heap grows
 * and stays fragmented). And a body read in chunks decodes as one text.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../src/gateway/invalid-request.ts';
import { refuseUnread } from '../src/gateway/node-handler.ts';
import { readJSONBody, releaseChunk } from '../src/gateway/read-body.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.closeAllConnections(), server.close();
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * Sends `total` bytes in 64 KiB pieces (one Buffer, written again and again) and samples this
 * process's ArrayBuffer memory after each piece; resolves with the answer's status and the
 * largest growth seen, in bytes.
 */
function upload(port: number, total: number, piece: Buffer): Promise<{ status: number; grewBy: number }> {
  const before = process.memoryUsage().arrayBuffers;
  let grewBy = 0;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(total) } });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, grewBy }));
    });
    let sent = 0;
    const next = () => {
      grewBy = Math.max(grewBy, process.memoryUsage().arrayBuffers - before);
      if (sent >= total) return void req.end();
      const n = Math.min(piece.length, total - sent);
      sent += n;
      req.write(n === piece.length ? piece : piece.subarray(0, n), next);
    };
    next();
  });
}

const BIG = 48 * 2 ** 20;

/** `handle` for each request, and the growth of this process's ArrayBuffer memory from its start to its body's end. */
function measured(handle: (req: IncomingMessage, res: ServerResponse) => void, grew: number[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const before = process.memoryUsage().arrayBuffers;
    req.once('end', () => grew.push(process.memoryUsage().arrayBuffers - before));
    handle(req, res);
  };
}

describe('request bodies on node:http', () => {
  it('a body over the limit is dropped chunk by chunk by readJSONBody: memory does not grow with its size', async () => {
    const grew: number[] = [];
    const port = await listen(
      measured((req, res) => {
        readJSONBody(req, 2 ** 20).then(
          () => res.writeHead(200).end('{}'),
          (error: InvalidRequestError) => res.writeHead(error.status).end(JSON.stringify(error.toBody())),
        );
      }, grew),
    );
    const { status, grewBy } = await upload(port, BIG, Buffer.alloc(64 * 1024, 0x20));
    expect(status).toBe(413);
    expect(grewBy).toBeLessThan(8 * 2 ** 20);
    expect(grew[0]).toBeLessThan(2 ** 20);
  });

  it('a body refused unread (refuseUnread) is drained chunk by chunk: memory does not grow with its size', async () => {
    const grew: number[] = [];
    const port = await listen(measured((req, res) => refuseUnread(req, res, new InvalidRequestError('refused', { status: 403 }), {}), grew));
    // refuseUnread answers at the body's end, or closes once more than 1 MiB arrived: 1,000 KiB here
    const { status } = await upload(port, 1000 * 1024, Buffer.alloc(64 * 1024, 0x20));
    expect(status).toBe(403);
    expect(grew[0]).toBeLessThan(256 * 1024);
  });

  it('a body in many chunks decodes as one text, characters split across chunks included; a BOM is still refused', async () => {
    const port = await listen((req, res) => {
      readJSONBody(req, 2 ** 20).then(
        (body) => res.writeHead(200).end(JSON.stringify(body)),
        (error: InvalidRequestError) => res.writeHead(error.status).end(JSON.stringify(error.toBody())),
      );
    });
    const send = (parts: Buffer[]) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': 'application/json' } });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (s: string) => (text += s));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        // each part its own write, after a pause: the server reads them as separate chunks
        const write = (i: number) => (i === parts.length ? req.end() : req.write(parts[i], () => setTimeout(() => write(i + 1), 10)));
        write(0);
      });
    const bytes = Buffer.from(JSON.stringify({ content: '名é🙂'.repeat(3) }));
    const parts = [bytes.subarray(0, 14), bytes.subarray(14, 15), bytes.subarray(15, 29), bytes.subarray(29)];
    expect(await send(parts)).toEqual({ status: 200, text: JSON.stringify({ content: '名é🙂'.repeat(3) }) });
    const bom = await send([Buffer.from([0xef, 0xbb]), Buffer.from([0xbf, ...Buffer.from('{}')])]);
    expect(bom.status).toBe(400);
    expect(JSON.parse(bom.text).error.code).toBe('invalid_json');
  });

  it('releaseChunk frees only a chunk nobody else sees that owns its whole ArrayBuffer', async () => {
    const seen: { detached: boolean; pooled: boolean }[] = [];
    const port = await listen((req, res) => {
      const other = () => {};
      req.on('data', (chunk: Buffer) => {
        // the first chunk while a second listener sees it too: left alone; a pool slice: always left alone
        const first = seen.length === 0;
        if (first) req.on('data', other);
        const pooled = Buffer.from('x');
        releaseChunk(req, pooled);
        releaseChunk(req, chunk);
        seen.push({ detached: chunk.buffer.byteLength === 0, pooled: pooled.toString() === 'x' && pooled.buffer.byteLength > 0 });
        if (first) req.off('data', other);
      });
      req.on('end', () => res.end());
    });
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST' }, (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      req.write('a'.repeat(1000), () => setTimeout(() => req.end('b'.repeat(1000)), 20));
    });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toEqual({ detached: false, pooled: true });
    expect(seen.at(-1)).toEqual({ detached: true, pooled: true });
  });
});

describe('readJSONBody when a framework read the body already (req.body)', () => {
  /** Answers with what readJSONBody gives for a request whose `body` the handler set to `preset`. */
  async function readWith(preset: unknown, maxBytes: number): Promise<{ status: number; body: unknown }> {
    const port = await listen((req, res) => {
      (req as IncomingMessage & { body?: unknown }).body = preset;
      readJSONBody(req, maxBytes).then(
        (value) => res.writeHead(200).end(JSON.stringify({ value })),
        (error: InvalidRequestError) => res.writeHead(error.status).end(JSON.stringify(error.toBody())),
      );
    });
    // the request's own body is never read: it stays unsent until the answer
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'not json' });
    return { status: response.status, body: await response.json() };
  }

  it('takes a parsed value as it is, and parses text or bytes with the same limits and errors', async () => {
    expect(await readWith({ model: 'm' }, 100)).toEqual({ status: 200, body: { value: { model: 'm' } } });
    expect(await readWith('{"model":"t"}', 100)).toEqual({ status: 200, body: { value: { model: 't' } } });
    expect(await readWith(new TextEncoder().encode('{"model":"b"}'), 100)).toEqual({ status: 200, body: { value: { model: 'b' } } });
    expect(await readWith('{"x":"' + 'y'.repeat(200) + '"}', 100)).toMatchObject({ status: 413, body: { error: { code: 'request_too_large' } } });
    expect(await readWith('nope', 100)).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
    expect(await readWith('['.repeat(5000) + ']'.repeat(5000), 1e6)).toMatchObject({ status: 400, body: { error: { code: 'too_deep' } } });
  });
});
