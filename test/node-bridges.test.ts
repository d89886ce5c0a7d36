/**
 * rxllm/node: toNodeReadable, and sseHandler on a real node:http server on 127.0.0.1, read by
 * the official openai SDK; as a proxy in front of fromOpenAI and the replay server, a client that
 * disconnects must close the upstream socket within 100 ms.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import OpenAI, { APIError } from 'openai';
import { Observable, Subject, concat, of, throwError } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { BufferOverflowError, ProviderError } from '../src/core/errors.ts';
import { sseHandler, toNodeReadable } from '../src/node/index.ts';
import { fromOpenAI } from '../src/providers/openai/index.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { finishDelta, metadataDelta, textDelta } from '../src/testing/index.ts';
import { listCases, loadCase } from './support/fixtures.ts';

/** A synchronous source of `count` numbers that records how many it emitted and whether it was released. */
function counted(count: number, end: 'complete' | Error = 'complete') {
  const state = { emitted: 0, released: 0 };
  const source = new Observable<number>((subscriber) => {
    for (let i = 0; i < count && !subscriber.closed; i++) {
      state.emitted++;
      subscriber.next(i);
    }
    if (end === 'complete') subscriber.complete();
    else subscriber.error(end);
    return () => state.released++;
  });
  return { source, state };
}

function sink<T>(values: T[]): Writable {
  return new Writable({
    objectMode: true,
    write(value: T, _encoding, callback) {
      values.push(value);
      callback();
    },
  });
}

describe('toNodeReadable', () => {
  it('pipes every value, then ends', async () => {
    const { source, state } = counted(50);
    const values: number[] = [];
    await pipeline(toNodeReadable(source), sink(values));
    expect(values).toStrictEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(state.released).toBe(1);
  });

  it('byte mode (objectMode: false) concatenates strings', async () => {
    const readable = toNodeReadable(of('data: 1\n\n', 'data: [DONE]\n\n'), { objectMode: false });
    let text = '';
    for await (const chunk of readable) text += String(chunk);
    expect(text).toBe('data: 1\n\ndata: [DONE]\n\n');
  });

  it('destroys the stream with the source error after the buffered values', async () => {
    const error = new ProviderError('boom', { provider: 'x', retryable: false });
    const values: number[] = [];
    await expect(pipeline(toNodeReadable(counted(3, error).source), sink(values))).rejects.toBe(error);
    expect(values).toStrictEqual([0, 1, 2]);
  });

  it('destroy() releases the source at once', async () => {
    const subject = new Subject<number>();
    let released = 0;
    const readable = toNodeReadable(new Observable<number>((s) => (subject.subscribe(s), () => released++)));
    const first = once(readable, 'data');
    await new Promise((r) => setImmediate(r));
    subject.next(1);
    expect(await first).toStrictEqual([1]);
    readable.destroy();
    expect(released).toBe(1);
    expect(subject.observed).toBe(false);
  });

  it('subscribes on the first read', async () => {
    let subscribed = 0;
    const readable = toNodeReadable(new Observable<number>(() => void subscribed++));
    await new Promise((r) => setImmediate(r));
    expect(subscribed).toBe(0);
    readable.resume();
    await new Promise((r) => setImmediate(r));
    expect(subscribed).toBe(1);
    readable.destroy();
  });

  it("overflow 'error': a stream nobody reads gets BufferOverflowError after its buffered values; the source is released", async () => {
    const { source, state } = counted(100_000);
    const readable = toNodeReadable(source, { highWaterMark: 8 });
    readable.read(0); // one _read: subscribes; Node's own buffer (16 objects) fills, then ours (8), then the mark is passed
    await new Promise((r) => setImmediate(r));
    expect(state.released).toBe(1);
    expect(state.emitted).toBe(16 + 8 + 1);
    const values: number[] = [];
    await expect(pipeline(readable, sink(values))).rejects.toBeInstanceOf(BufferOverflowError);
    expect(values).toStrictEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});

/** Starts a node:http server with `handler` on 127.0.0.1. */
async function listen(handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('sseHandler: a proxy in front of fromOpenAI, read by the openai SDK', () => {
  let upstream: ReplayServer;
  let proxy: { server: Server; url: string };
  let client: OpenAI;
  beforeAll(async () => {
    upstream = await startReplayServer(undefined, { record: true });
    const upstreamClient = new OpenAI({ apiKey: 'sk-upstream', baseURL: `${upstream.url}/v1`, maxRetries: 0 });
    proxy = await listen(
      sseHandler((body) => fromOpenAI(upstreamClient, { model: body.model, messages: body.messages, stream_options: body.stream_options })),
    );
    client = new OpenAI({ apiKey: 'sk-proxy', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await closeServer(proxy.server);
    await upstream.close();
  });

  const cases = listCases('openai-chat').filter((c) => c.parts !== undefined && c.id !== 'openai-chat/multiple-choices');
  it.each(cases.map((c) => [c.id, c] as const))('%s: the SDK gets the recorded response through the proxy', async (_id, c) => {
    upstream.reply({ format: c.format, parts: c.parts!, chunking: 'random', seed: 11 });
    const completion = await client.chat.completions
      .stream({ model: c.model, messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } })
      .finalChatCompletion();
    const message = completion.choices[0]!.message;
    expect(message.content ?? '').toBe(c.expect.text);
    expect((message.tool_calls ?? []).map((t) => (t.type === 'function' ? { id: t.id, name: t.function.name, arguments: t.function.arguments } : t))).toStrictEqual(
      c.expect.toolCalls,
    );
    expect(completion.choices[0]!.finish_reason).toBe(c.expect.finishReason);
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('an upstream HTTP 429 before any delta reaches the SDK as HTTP 429 (RateLimitError)', async () => {
    upstream.reply({ format: 'openai-chat', fault: { kind: 'http', status: 429 } });
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as APIError).code).toBe('rate_limit_exceeded');
  });

  it('a client that disconnects mid-stream closes the upstream socket within 100 ms', async () => {
    const text = loadCase('openai-chat/text');
    upstream.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'stall', afterEvents: 4 } });
    const controller = new AbortController();
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('"content":"I\'m"')) seen += new TextDecoder().decode((await reader.read()).value);
    expect(upstream.openSockets()).toBe(1);
    controller.abort();
    await upstream.waitForSocketsClosed(100);
  });
});

describe('sseHandler on node:http', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map(closeServer));
    servers = [];
  });
  async function serve(...args: Parameters<typeof sseHandler>) {
    const s = await listen(sseHandler(...args));
    servers.push(s.server);
    return s.url;
  }

  it('client disconnect → the source is unsubscribed within 100 ms', async () => {
    let subscribedAt = 0;
    let releasedAt = 0;
    const url = await serve(
      () =>
        new Observable<Delta>((subscriber) => {
          subscribedAt = Date.now();
          subscriber.next(metadataDelta('x'));
          subscriber.next(textDelta('hello'));
          return () => (releasedAt = Date.now());
        }),
    );
    const controller = new AbortController();
    const response = await fetch(url, { method: 'POST', body: '{"model":"m"}', signal: controller.signal });
    await response.body!.getReader().read();
    expect(subscribedAt).toBeGreaterThan(0);
    expect(releasedAt).toBe(0);
    const abortedAt = Date.now();
    controller.abort();
    const deadline = abortedAt + 100;
    while (releasedAt === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    expect(releasedAt).toBeGreaterThan(0);
    expect(releasedAt - abortedAt).toBeLessThanOrEqual(100);
  });

  it('writes SSE headers, the chunks, and [DONE]; honours the body model and stream_options', async () => {
    const url = await serve((body: { messages: { content: string }[] }) =>
      of(metadataDelta('x'), textDelta(body.messages[0]!.content), finishDelta('stop'), { type: 'usage' as const, inputTokens: 1, outputTokens: 1 }),
    );
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ model: 'echo', messages: [{ content: 'hi' }], stream_options: { include_usage: true } }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const events = (await response.text()).split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.map((c) => c.model)).toStrictEqual(['echo', 'echo', 'echo']);
    expect(chunks[0].choices[0].delta).toStrictEqual({ role: 'assistant', content: 'hi', refusal: null });
    expect(chunks.at(-1).usage).toStrictEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
  });

  it('an error after content: an error event, then [DONE]', async () => {
    const url = await serve(() => concat(of(textDelta('a')), throwError(() => new ProviderError('upstream died', { provider: 'x', retryable: true }))));
    const text = await (await fetch(url, { method: 'POST', body: '{}' })).text();
    expect(text).toMatch(/data: \{"error":\{"message":"upstream died","type":"server_error","code":null,"param":null\}\}\n\ndata: \[DONE\]\n\n$/);
  });

  it('a body that is not JSON → 400; one larger than maxBodyBytes → 413; a framework-parsed req.body is used', async () => {
    const url = await serve((body) => of(textDelta(JSON.stringify(body)), finishDelta('stop')), { maxBodyBytes: 100 });
    const bad = await fetch(url, { method: 'POST', body: 'nope' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.type).toBe('invalid_request_error');
    const big = await fetch(url, { method: 'POST', body: JSON.stringify({ x: 'y'.repeat(500) }) });
    expect(big.status).toBe(413);

    const handler = sseHandler((body) => of(textDelta(body.already), finishDelta('stop')));
    const parsed = await listen((req, res) => {
      (req as IncomingMessage & { body?: unknown }).body = { already: 'parsed' };
      handler(req, res);
    });
    servers.push(parsed.server);
    expect(await (await fetch(parsed.url, { method: 'POST', body: 'ignored' })).text()).toContain('"content":"parsed"');
  });

  it('a body nested too deep → 400 too_deep (the gateway body reader); a body a framework read as text is parsed', async () => {
    const url = await serve((body) => of(textDelta(JSON.stringify(body)), finishDelta('stop')));
    const deep = await fetch(url, { method: 'POST', body: '['.repeat(10_000) + ']'.repeat(10_000) });
    expect(deep.status).toBe(400);
    expect((await deep.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'too_deep' });

    const handler = sseHandler((body) => of(textDelta(body.as), finishDelta('stop')));
    const text = await listen((req, res) => {
      (req as IncomingMessage & { body?: unknown }).body = '{"as":"text"}';
      handler(req, res);
    });
    servers.push(text.server);
    expect(await (await fetch(text.url, { method: 'POST', body: 'ignored' })).text()).toContain('"content":"text"');
  });

  it('a client that stops reading: past highWaterMark frames the source is released, error event and [DONE] come last', async () => {
    let emitted = 0;
    let released = false;
    const big = 'x'.repeat(64 * 1024);
    const url = await serve(
      () =>
        new Observable<Delta>((subscriber) => {
          // 64 MiB in one go: far more than the socket buffers
          for (let i = 0; i < 1024 && !subscriber.closed; i++) {
            emitted++;
            subscriber.next(textDelta(big));
          }
          return () => (released = true);
        }),
      { highWaterMark: 8 },
    );
    const { port, hostname } = new URL(url);
    const res = await new Promise<IncomingMessage>((resolve) => {
      const req = httpRequest({ host: hostname, port, method: 'POST' }, resolve);
      req.end('{}');
    });
    res.pause();
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(true);
    expect(emitted).toBeLessThan(1024);
    res.setEncoding('utf8');
    let text = '';
    for await (const chunk of res) text += chunk;
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.length).toBe(emitted + 2);
    expect(JSON.parse(events.at(-2)!.slice(6)).error.code).toBe('buffer_overflow');
    expect(events.at(-1)).toBe('data: [DONE]');
  });
});
