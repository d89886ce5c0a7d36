/**
 * `rxllm/gateway` as a library: the README's ten-line server (examples/gateway-anthropic.ts) run
 * as its own process in front of a replayed Anthropic stream, read by the official openai SDK;
 * the Web `Request → Response` handler with several routes; and what crosses it: ignored fields
 * named in an encoded header, an upstream error with its status, `retry-after` and request id, one
 * upstream request per client request (no SDK retries), errors read back through `fromSSE` with
 * their type and `retryable`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { adapterNamed } from '../src/providers/adapters.ts';
import { chatCompletionsHandler, nodeChatCompletionsHandler } from '../src/gateway/index.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { fromSSE } from '../src/sse/fromSSE.ts';
import { loadCase, streamReply } from './support/fixtures.ts';

let upstream: ReplayServer;
beforeAll(async () => {
  upstream = await startReplayServer(undefined, { record: true });
});
afterAll(() => upstream.close());

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('the README gateway example (its own process)', () => {
  let child: ChildProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    child = spawn(process.execPath, ['examples/gateway-anthropic.ts'], {
      env: { ...process.env, ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: upstream.url, PORT: String(port) },
      stdio: 'inherit',
    });
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the example server did not start');
  });
  afterAll(() => {
    child.kill();
  });

  it('serves Claude to the openai SDK: streamed thinking and text, and the Messages API request upstream', async () => {
    const c = loadCase('anthropic/thinking');
    upstream.reply(streamReply(c));
    const before = upstream.requests.length;
    const client = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Cross?' }], stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(c.expect.text);
    expect(upstream.requests.length - before).toBe(1);
    expect(upstream.requests[before]).toMatchObject({ path: '/v1/messages', body: { model: 'claude-sonnet-4-6', messages: [{ role: 'user' }], stream: true } });
  });
});

describe('chatCompletionsHandler (Web Request → Response) with several routes', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const routes = await Promise.all(
      (['openai', 'anthropic', 'google', 'bedrock'] as const).map(async (name) => {
        const adapter = adapterNamed(name)!;
        const { client } = await adapter.createClient({ env: {}, baseURL: upstream.url, maxRetries: 0 });
        return { model: `${name}-model`, adapter, client };
      }),
    );
    const handle = chatCompletionsHandler({ routes });
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const response = await handle(new Request(`http://127.0.0.1${req.url}`, { method: 'POST', headers: req.headers as HeadersInit, body: Buffer.concat(chunks) }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of response.body) res.write(chunk);
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const cases = [
    ['anthropic-model', 'anthropic/text'],
    ['google-model', 'gemini/text'],
    ['bedrock-model', 'bedrock/text'],
    ['openai-model', 'openai-chat/text'],
  ] as const;
  for (const [model, fixture] of cases) {
    it(`${model}: a recorded stream, streamed to the openai SDK through the Web handler`, async () => {
      const c = loadCase(fixture);
      upstream.reply(streamReply(c));
      const client = new OpenAI({ apiKey: 'k', baseURL: base, maxRetries: 0 });
      let text = '';
      for await (const chunk of await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true })) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe(c.expect.text);
    });
  }

  it('names what the provider has no place for in x-rxllm-ignored-params, encoded', async () => {
    upstream.reply(streamReply(loadCase('anthropic/text')));
    const response = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic-model', messages: [{ role: 'user', content: 'hi' }], seed: 1, temperature: 0, '名\r\nx': 1 }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-rxllm-ignored-params')).toBe('seed, temperature, %E5%90%8D%0D%0Ax');
    await response.text();
  });

  it('response_format reaches each provider as its structured output (Anthropic output_config, Bedrock a forced tool)', async () => {
    const response_format = { type: 'json_schema', json_schema: { name: 'plan', schema: { type: 'object', properties: { city: { type: 'string' } } } } };
    for (const [model, fixture, check] of [
      ['anthropic-model', 'anthropic/text', (b: any) => expect(b.output_config).toEqual({ format: { type: 'json_schema', schema: response_format.json_schema.schema } })],
      ['bedrock-model', 'bedrock/text', (b: any) => expect(b.toolConfig.toolChoice).toEqual({ tool: { name: 'plan' } })],
      ['openai-model', 'openai-chat/text', (b: any) => expect(b.response_format).toEqual(response_format)],
    ] as const) {
      upstream.reply(streamReply(loadCase(fixture)));
      const before = upstream.requests.length;
      const response = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: true, response_format }),
      });
      expect(response.headers.get('x-rxllm-ignored-params'), model).toBeNull();
      await response.text();
      check(upstream.requests[before]!.body);
    }
  });

  it('an unknown model is 404 model_not_found; stream_options without stream is 400', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: base, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    await expect(client.chat.completions.create({ model: 'openai-model', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } })).rejects.toMatchObject({ status: 400, param: 'stream_options' });
  });

  it('an upstream 429 reaches the client once, with its status, retry-after and request id (no upstream retries)', async () => {
    upstream.reply({ format: 'anthropic', fault: { kind: 'http', status: 429, headers: { 'retry-after': '7', 'request-id': 'req_abc' } } });
    const before = upstream.requests.length;
    const response = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('x-request-id')).toBe('req_abc');
    expect(await response.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_error' } });
    expect(upstream.requests.length - before).toBe(1);
  });

  it('an error mid-stream reads back through fromSSE as a ProviderError with its retryable flag, after the text so far', async () => {
    const c = loadCase('anthropic/text');
    upstream.reply(streamReply(c, { fault: { kind: 'error-event', afterEvents: 4 } }));
    const deltas$ = fromSSE(() =>
      fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'anthropic-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      }),
    );
    const error = await lastValueFrom(deltas$.pipe(accumulate())).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'overloaded_error', retryable: true });
    expect((error as ProviderError).message).not.toMatch(/reported an error mid-response.*reported an error mid-response/);
  });
});

describe('nodeChatCompletionsHandler', () => {
  it('needs an adapter or routes', () => {
    expect(() => nodeChatCompletionsHandler({})).toThrow(/adapter/);
  });
});
