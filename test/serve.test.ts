/**
 * `rxllm serve` end to end: the official openai SDK is the client, each provider's official SDK
 * (through rxllm's source) talks to the loopback replay server with recorded fixtures behind it.
 * Streamed text, reasoning, tool calls and usage; non-streaming; errors and faults mid-stream;
 * 400s and 413; client disconnect aborting the provider request; the operators; the embedded
 * replay; the command itself (start line, SIGTERM / SIGINT).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeHandle, type ServeOptions } from '../src/cli/serve/server.ts';
import { startReplayServer, type ReceivedRequest, type Reply, type ReplayServer } from '../src/replay/server.ts';
import type { WireEvent } from '../src/replay/wire.ts';
import { anthropicMessageFromEvents } from './support/anthropic-nonstream.ts';
import { converseResponseOf } from './support/bedrock-nonstream.ts';
import { loadCase, type FixtureCase } from './support/fixtures.ts';
import { geminiResponseFromEvents } from './support/gemini-nonstream.ts';
import { chatCompletionFromEvents } from './support/openai-nonstream.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const replayDir = fileURLToPath(new URL('../replay', import.meta.url));
const messages = [{ role: 'user' as const, content: 'Hello' }];

let upstream: ReplayServer;
const handles: ServeHandle[] = [];
const replays: ReplayServer[] = [];

beforeAll(async () => {
  upstream = await startReplayServer(undefined, { record: true });
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await Promise.all([upstream, ...replays].map((r) => r.close()));
});

/** Starts `rxllm serve` in-process on a free port, its provider SDK pointed at `upstreamURL` (default: the shared replay server). */
async function serve(options: Partial<ServeOptions> & Pick<ServeOptions, 'provider'>): Promise<{ handle: ServeHandle; client: OpenAI }> {
  const handle = await startServe({ port: 0, env: {}, upstreamURL: upstream.url, replayDir, ...options });
  handles.push(handle);
  return { handle, client: new OpenAI({ apiKey: 'sk-any', baseURL: handle.baseURL, maxRetries: 0 }) };
}

/** A replay server of its own, for tests that watch its sockets. */
async function ownReplay(reply?: Reply | ((r: ReceivedRequest) => Reply | undefined | Promise<Reply | undefined>)): Promise<ReplayServer> {
  const server = await startReplayServer(reply, { record: true });
  replays.push(server);
  return server;
}

/** Whether the provider SDK asked for its streaming call. */
function isStreaming(c: FixtureCase, request: ReceivedRequest): boolean {
  switch (c.format) {
    case 'gemini':
      return request.path.includes(':streamGenerateContent');
    case 'bedrock':
      return request.path.endsWith('/converse-stream');
    default:
      return request.body?.stream === true;
  }
}

/** The provider's non-streaming answer equivalent to the recorded stream. */
function wholeOf(c: FixtureCase): unknown {
  switch (c.format) {
    case 'anthropic':
      return anthropicMessageFromEvents(c.events);
    case 'gemini':
      return geminiResponseFromEvents(c.events);
    case 'bedrock':
      return converseResponseOf(c.events);
    default:
      return chatCompletionFromEvents(c.events);
  }
}

/** Answers the streaming call with the recording (byte-exact when kept) and the non-streaming call with its JSON. */
function replyWith(c: FixtureCase, extra: Partial<Extract<Reply, { format: unknown }>> = {}) {
  return (request: ReceivedRequest): Reply =>
    isStreaming(c, request) ? { format: c.format, ...(c.parts ? { parts: c.parts } : { events: c.events }), ...extra } : { kind: 'json', body: wholeOf(c) };
}

/** What the SDK client got from a stream: the chunks, and their pieces put together. */
async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (err) {
    error = err;
  }
  let text = '';
  let reasoning = '';
  let finish: string | null = null;
  const calls: { id: string; name: string; arguments: string }[] = [];
  for (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (choice === undefined) continue;
    const delta = choice.delta as ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };
    text += delta.content ?? '';
    reasoning += delta.reasoning_content ?? '';
    for (const call of delta.tool_calls ?? []) {
      calls[call.index] ??= { id: call.id ?? '', name: call.function?.name ?? '', arguments: '' };
      calls[call.index]!.arguments += call.function?.arguments ?? '';
    }
    finish = choice.finish_reason ?? finish;
  }
  return { chunks, text, reasoning, calls, finish, usage: chunks.at(-1)?.usage, error };
}

/** The raw SSE body `rxllm serve` writes for a request. */
async function rawBody(handle: ServeHandle, body: unknown): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${handle.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** A Chat Completions chunk event of a hand-made stream. */
function chunk(delta: Record<string, unknown>, finish: string | null = null): WireEvent {
  return { data: { id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] } };
}

/** A whole Chat Completions stream whose content deltas are `contents`. */
function textStream(contents: readonly string[]): WireEvent[] {
  return [chunk({ role: 'assistant', content: '' }), ...contents.map((content) => chunk({ content })), chunk({}, 'stop'), { data: '[DONE]' }];
}

describe('rxllm serve → OpenAI (pass-through), the openai SDK as client', () => {
  const text = loadCase('openai-chat/text');

  it('streams the recorded text; with include_usage, usage: null on every chunk and the counts on a last chunk', async () => {
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    upstream.reply(replyWith(text));
    const before = upstream.requests.length;
    const got = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } }));
    expect(got.error).toBeUndefined();
    expect(got.text).toBe(text.expect.text);
    expect(got.finish).toBe('stop');
    expect(got.chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(got.chunks.at(-1)!.choices).toEqual([]);
    expect(got.usage).toEqual({ prompt_tokens: 14, completion_tokens: 30, total_tokens: 44, completion_tokens_details: { reasoning_tokens: 0 } });
    // the request went on as it came, streaming, with usage asked for
    expect(upstream.requests[before]!.body).toEqual({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } });
  });

  it('without include_usage no chunk carries usage (the provider is still asked for it)', async () => {
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    upstream.reply(replyWith(text));
    const before = upstream.requests.length;
    const got = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    expect(got.text).toBe(text.expect.text);
    expect(got.chunks.every((c) => !('usage' in c))).toBe(true);
    expect(upstream.requests[before]!.body.stream_options).toEqual({ include_usage: true });
  });

  it('streams reasoning as reasoning_content on the raw chunks, then the answer', async () => {
    const c = loadCase('openai-compatible/deepseek-reasoning');
    const { client } = await serve({ provider: 'openai', model: 'deepseek-reasoner' });
    upstream.reply(replyWith(c));
    const got = await collect(await client.chat.completions.create({ model: 'deepseek-reasoner', messages, stream: true }));
    expect(got.reasoning).toBe(c.expect.reasoning);
    expect(got.text).toBe(c.expect.text);
  });

  for (const id of ['openai-chat/tool-call', 'openai-chat/parallel-tool-calls']) {
    it(`streams tool calls (${id}): ids, names and argument fragments`, async () => {
      const c = loadCase(id);
      const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
      upstream.reply(replyWith(c));
      const got = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
      expect(got.calls).toEqual(c.expect.toolCalls);
      expect(got.finish).toBe('tool_calls');
    });
  }

  it('answers a request without stream with the provider\'s non-streaming call, as one chat.completion with usage', async () => {
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    upstream.reply(replyWith(text));
    const before = upstream.requests.length;
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-4o');
    expect(completion.choices[0]!.message.content).toBe(text.expect.text);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 30, total_tokens: 44 });
    expect(upstream.requests[before]!.body).toEqual({ model: 'gpt-4o', messages, stream: false });
  });

  it('answers a non-streaming tool call with tool_calls and content null', async () => {
    const c = loadCase('openai-chat/tool-call');
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    upstream.reply(replyWith(c));
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: false });
    const message = completion.choices[0]!.message;
    expect(message.content).toBeNull();
    expect(message.tool_calls?.map((t) => (t.type === 'function' ? { id: t.id, name: t.function.name, arguments: t.function.arguments } : t))).toEqual(c.expect.toolCalls);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('lists and retrieves the served model', async () => {
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toEqual([expect.objectContaining({ id: 'gpt-4o', object: 'model', owned_by: 'openai' })]);
    expect((await client.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    await expect(client.models.retrieve('gpt-5')).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('carries a delta holding "\\n\\ndata: [DONE]\\n\\n" or CR as one event, byte for byte', async () => {
    const tricky = ['a\n\ndata: [DONE]\n\nb', 'c\rd\r\ne', '\r\n\r\n', 'data: {"x":1}\n\n', 'event: error\n'];
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    upstream.reply({ format: 'openai-chat', events: textStream(tricky) });
    const got = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    expect(got.error).toBeUndefined();
    expect(got.chunks.map((c) => c.choices[0]?.delta.content).filter((s) => s !== undefined && s !== '')).toEqual(tricky);
  });
});

describe('rxllm serve: errors and faults reach the client, which never hangs', () => {
  const text = loadCase('openai-chat/text');

  for (const fault of [{ kind: 'error-event', afterEvents: 4 } as const, { kind: 'drop', afterEvents: 4 } as const]) {
    it(`a ${fault.kind} mid-stream: the SDK throws after the text so far; the wire ends with an error event and [DONE]`, async () => {
      const { client, handle } = await serve({ provider: 'openai', model: 'gpt-4o' });
      upstream.reply({ format: 'openai-chat', events: text.events, fault });
      const got = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
      expect(got.error).toBeInstanceOf(OpenAI.APIError);
      expect(text.expect.text.startsWith(got.text) && got.text.length > 0).toBe(true);
      expect(got.finish).toBeNull();

      const raw = await rawBody(handle, { model: 'gpt-4o', messages, stream: true });
      expect(raw.status).toBe(200);
      const events = raw.text.split('\n\n').filter((e) => e !== '');
      expect(events.at(-1)).toBe('data: [DONE]');
      const error = JSON.parse(events.at(-2)!.slice('data: '.length)) as { error: { code: string; message: string } };
      expect(error.error.code).toBe(fault.kind === 'drop' ? 'stream_truncated' : 'server_error');
    });
  }

  it('a provider HTTP error before any event answers with its status and an OpenAI-shaped body', async () => {
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    upstream.reply({ format: 'openai-chat', fault: { kind: 'http', status: 429 } });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages, stream: true })).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages })).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
  });

  it('bad requests get OpenAI-shaped 400s naming the field, and never reach the provider', async () => {
    const { client, handle } = await serve({ provider: 'openai', model: 'gpt-4o' });
    const before = upstream.requests.length;
    await expect(client.chat.completions.create({ model: 'gpt-5', messages })).rejects.toMatchObject({ status: 404, param: 'model', code: 'model_not_found' });
    await expect(client.chat.completions.create({ model: 'gpt-4o' } as never)).rejects.toMatchObject({
      status: 400,
      param: 'messages',
      code: 'missing_required_parameter',
      type: 'invalid_request_error',
    });
    const bad = await fetch(`${handle.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "gpt-4o", "messages": [' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { message: expect.stringMatching(/could not parse the JSON body/), type: 'invalid_request_error', param: null, code: 'invalid_json' } });
    expect(upstream.requests.length).toBe(before);
  });

  it('a body over the limit (1 MiB) gets 413', async () => {
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    const before = upstream.requests.length;
    const big = [{ role: 'user' as const, content: 'x'.repeat(1024 * 1024) }];
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: big })).rejects.toMatchObject({ status: 413, code: 'request_too_large', type: 'invalid_request_error' });
    expect(upstream.requests.length).toBe(before);
  });

  it('unknown routes get 404 and wrong methods 405, OpenAI-shaped', async () => {
    const { handle } = await serve({ provider: 'openai', model: 'gpt-4o' });
    const notFound = await fetch(`${handle.baseURL}/embeddings`, { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { message: string } }).error.message).toMatch(/^Invalid URL \(POST \/v1\/embeddings\)/);
    const wrong = await fetch(`${handle.baseURL}/chat/completions`);
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
    const badEscape = await fetch(`${handle.baseURL}/models/%E0%A4%A`);
    expect(badEscape.status).toBe(400); // and the server lives on:
    expect((await fetch(`${handle.baseURL}/models`)).status).toBe(200);
  });

  it('answers a CORS preflight only for the allowed origin', async () => {
    const { handle } = await serve({ provider: 'openai', model: 'gpt-4o', cors: 'http://localhost:4200' });
    const preflight = await fetch(`${handle.baseURL}/chat/completions`, { method: 'OPTIONS', headers: { origin: 'http://localhost:4200', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:4200');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    const { handle: closed } = await serve({ provider: 'openai', model: 'gpt-4o' });
    const none = await fetch(`${closed.baseURL}/models`, { headers: { origin: 'http://evil.example' } });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rxllm serve: closing the client connection aborts the provider request', () => {
  it('streaming: the replay server sees its socket close within 100 ms of the client leaving', async () => {
    const slow = await ownReplay({ format: 'openai-chat', events: loadCase('openai-chat/text').events, delayMs: 40 });
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o', upstreamURL: slow.url });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    let received = 0;
    for await (const _chunk of stream) {
      if (++received === 2) break; // the SDK aborts its request
    }
    expect(slow.openSockets()).toBe(1);
    const left = performance.now();
    await slow.waitForSocketsClosed(100);
    expect(performance.now() - left).toBeLessThan(100);
  });

  it('non-streaming: the same, while the provider has not answered yet', async () => {
    const silent = await ownReplay(() => new Promise<undefined>(() => {}));
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o', upstreamURL: silent.url });
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'gpt-4o', messages }, { signal: controller.signal });
    await silent.waitForRequests(1, 2_000);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await silent.waitForSocketsClosed(100);
  });
});

describe('rxllm serve: operators', () => {
  it('--split-reasoning moves <think> text into reasoning_content, streamed and whole', async () => {
    const events = textStream(['<thi', 'nk>plan it</th', 'ink>The answer']);
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o', splitReasoning: true });
    upstream.reply((request) => (request.body.stream ? { format: 'openai-chat', events } : { kind: 'json', body: chatCompletionFromEvents(events) }));
    const got = await collect(await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    expect([got.reasoning, got.text]).toEqual(['plan it', 'The answer']);
    const whole = await client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(whole.choices[0]!.message).toMatchObject({ content: 'The answer', reasoning_content: 'plan it' });
  });

  it('--idle-timeout cuts a stalled stream: an idle_timeout error event, [DONE], and the provider request aborted', async () => {
    const stalled = await ownReplay({ format: 'openai-chat', events: loadCase('openai-chat/text').events, fault: { kind: 'stall', afterEvents: 4 } });
    const { handle } = await serve({ provider: 'openai', model: 'gpt-4o', upstreamURL: stalled.url, idleTimeoutMs: 150 });
    const raw = await rawBody(handle, { model: 'gpt-4o', messages, stream: true });
    const events = raw.text.split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.at(-2)).toContain('"code":"idle_timeout"');
    await stalled.waitForSocketsClosed(100);
  });

  it.each([
    {
      why: "OpenAI's refusal (param stream, the adapter's recognition)",
      model: 'o1',
      error: { message: "Unsupported value: 'stream' does not support true with this model. Supported values are: false.", type: 'invalid_request_error', param: 'stream', code: 'unsupported_value' },
    },
    {
      why: 'a refusal said only in words (an OpenAI-compatible server without `param`: the provider-neutral test)',
      model: 'local-model',
      error: { message: 'Streaming is not supported for this model.', type: 'invalid_request_error', param: null, code: null },
    },
  ])('--fallback sends the request again without streaming on $why', async ({ model, error }) => {
    const c = loadCase('openai-chat/text');
    const { client } = await serve({ provider: 'openai', model, fallback: true });
    upstream.reply((request) => (request.body.stream ? { kind: 'json', status: 400, body: { error } } : { kind: 'json', body: chatCompletionFromEvents(c.events) }));
    const before = upstream.requests.length;
    const got = await collect(await client.chat.completions.create({ model, messages, stream: true }));
    expect(got.error).toBeUndefined();
    expect(got.text).toBe(c.expect.text);
    expect(upstream.requests.slice(before).map((r) => r.body.stream)).toEqual([true, false]);
  });

  it("--fallback on bedrock: a model without tool use in streaming mode is asked through Converse", async () => {
    const c = loadCase('bedrock/text');
    const { client } = await serve({ provider: 'bedrock', model: 'us.meta.llama4-maverick-17b-instruct-v1:0', fallback: true });
    const refused = { message: "This model doesn't support tool use in streaming mode." };
    const headers = { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' };
    upstream.reply((request) =>
      request.path.endsWith('/converse-stream') ? { kind: 'json', status: 400, body: refused, headers } : { kind: 'json', body: converseResponseOf(c.events) },
    );
    const before = upstream.requests.length;
    const got = await collect(await client.chat.completions.create({ model: 'us.meta.llama4-maverick-17b-instruct-v1:0', messages, stream: true }));
    expect(got.error).toBeUndefined();
    expect(got.text).toBe(c.expect.text);
    expect(upstream.requests.slice(before).map((r) => r.path.split('/').at(-1))).toEqual(['converse-stream', 'converse']);
  });

  it("without --fallback, OpenAI's refusal to stream reaches the client as OpenAI's 400 (status and code kept)", async () => {
    const { client } = await serve({ provider: 'openai', model: 'o1' });
    const refusal = { error: { message: "Unsupported value: 'stream' does not support true with this model. Supported values are: false.", type: 'invalid_request_error', param: 'stream', code: 'unsupported_value' } };
    upstream.reply({ kind: 'json', status: 400, body: refusal });
    await expect(client.chat.completions.create({ model: 'o1', messages, stream: true })).rejects.toMatchObject({ status: 400, code: 'unsupported_value', type: 'invalid_request_error' });
  });
});

describe('rxllm serve → Anthropic, Gemini, Bedrock: requests translated, answers streamed back', () => {
  it('anthropic: thinking and text stream back; the request arrives as Messages API params', async () => {
    const c = loadCase('anthropic/thinking');
    const { client } = await serve({ provider: 'anthropic', model: 'claude-x' });
    upstream.reply(replyWith(c));
    const before = upstream.requests.length;
    const got = await collect(
      await client.chat.completions.create({
        model: 'claude-x',
        messages: [{ role: 'system', content: 'Be safe.' }, ...messages],
        max_completion_tokens: 2000,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect([got.reasoning, got.text, got.finish]).toEqual([c.expect.reasoning, c.expect.text, 'stop']);
    expect(got.usage?.completion_tokens).toBeGreaterThan(0);
    expect(upstream.requests[before]!.path).toBe('/v1/messages');
    expect(upstream.requests[before]!.body).toEqual({
      model: 'claude-x',
      max_tokens: 2000,
      system: 'Be safe.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      stream: true,
    });
  });

  it('anthropic: a tool call, streamed and whole; ignored fields are named in a header', async () => {
    const c = loadCase('anthropic/tool-use-weather');
    const { client } = await serve({ provider: 'anthropic', model: 'claude-x' });
    upstream.reply(replyWith(c));
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];
    const got = await collect(await client.chat.completions.create({ model: 'claude-x', messages, tools, stream: true }));
    expect([got.text, got.calls, got.finish]).toEqual([c.expect.text, c.expect.toolCalls, 'tool_calls']);
    const { data: whole, response } = await client.chat.completions.create({ model: 'claude-x', messages, tools, seed: 1, temperature: 0 }).withResponse();
    expect(whole.choices[0]!.message.tool_calls?.map((t) => (t.type === 'function' ? t.function.name : ''))).toEqual(['get_weather']);
    expect(whole.choices[0]!.message.content).toBe(c.expect.text);
    expect(response.headers.get('x-rxllm-ignored-params')).toBe('seed, temperature');
  });

  it('anthropic: a content part it cannot carry is refused with 400 before any request', async () => {
    const { client } = await serve({ provider: 'anthropic', model: 'claude-x' });
    const before = upstream.requests.length;
    const content = [{ type: 'text' as const, text: 'what is it?' }, { type: 'input_audio' as const, input_audio: { data: '', format: 'wav' as const } }];
    await expect(client.chat.completions.create({ model: 'claude-x', messages: [{ role: 'user', content }], stream: true })).rejects.toMatchObject({
      status: 400,
      param: 'messages[0].content[1].type',
    });
    expect(upstream.requests.length).toBe(before);
  });

  it('google: thoughts and text stream back; the request arrives as Gemini contents', async () => {
    const c = loadCase('gemini/thought');
    const { client } = await serve({ provider: 'google', model: 'gemini-x' });
    upstream.reply(replyWith(c));
    const before = upstream.requests.length;
    const got = await collect(await client.chat.completions.create({ model: 'gemini-x', messages, max_tokens: 100, stream: true }));
    expect([got.reasoning, got.text, got.finish]).toEqual([c.expect.reasoning, c.expect.text, 'stop']);
    const request = upstream.requests[before]!;
    expect(request.path).toMatch(/\/models\/gemini-x:streamGenerateContent\?alt=sse$/);
    expect(request.body).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }], generationConfig: { maxOutputTokens: 100 } });
  });

  it('google: a function call, streamed and whole', async () => {
    const c = loadCase('gemini/function-call');
    const { client } = await serve({ provider: 'google', model: 'gemini-x' });
    upstream.reply(replyWith(c));
    const got = await collect(await client.chat.completions.create({ model: 'gemini-x', messages, stream: true }));
    expect(got.calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(c.expect.toolCalls);
    const whole = await client.chat.completions.create({ model: 'gemini-x', messages });
    const call = whole.choices[0]!.message.tool_calls?.[0];
    expect(call?.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : call).toEqual(['get_capital', { country: 'France' }]);
  });

  it('bedrock: text and a tool call stream back; the request arrives as a Converse input', async () => {
    const c = loadCase('bedrock/tool-use');
    const { client } = await serve({ provider: 'bedrock', model: 'us.amazon.nova-micro-v1:0' });
    upstream.reply(replyWith(c));
    const before = upstream.requests.length;
    const got = await collect(await client.chat.completions.create({ model: 'us.amazon.nova-micro-v1:0', messages, stop: ['END'], stream: true }));
    expect([got.text, got.calls, got.finish]).toEqual([c.expect.text, c.expect.toolCalls, 'tool_calls']);
    expect(upstream.requests[before]!.path).toBe(`/model/${encodeURIComponent('us.amazon.nova-micro-v1:0')}/converse-stream`);
    expect(upstream.requests[before]!.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hello' }] }], inferenceConfig: { stopSequences: ['END'] } });
    const whole = await client.chat.completions.create({ model: 'us.amazon.nova-micro-v1:0', messages });
    expect(whole.choices[0]!.message.content).toBe(c.expect.text);
    expect(upstream.requests.at(-1)!.path).toMatch(/\/converse$/);
  });
});

describe('rxllm serve --provider replay (offline)', () => {
  it('serves an embedded replay through its provider SDK, streamed and whole, under the --model name', async () => {
    const c = loadCase('anthropic/thinking');
    const { client, handle } = await serve({ provider: 'replay', replay: 'anthropic-thinking', speed: 0, model: 'demo' });
    expect([handle.provider, handle.model]).toEqual(['replay anthropic-thinking', 'demo']);
    const got = await collect(await client.chat.completions.create({ model: 'demo', messages, stream: true }));
    expect([got.reasoning, got.text]).toEqual([c.expect.reasoning, c.expect.text]);
    const whole = await client.chat.completions.create({ model: 'demo', messages });
    expect(whole.choices[0]!.message).toMatchObject({ content: c.expect.text, reasoning_content: c.expect.reasoning });
  });
});

describe('rxllm serve as a service: /health, /metrics, the access log', () => {
  it('GET /health says ready, the provider and the model', async () => {
    const { handle } = await serve({ provider: 'replay', replay: 'anthropic-thinking', speed: 0, model: 'demo' });
    const health = await fetch(handle.baseURL.replace(/\/v1$/, '/health'));
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', provider: 'replay anthropic-thinking', upstream: 'anthropic', model: 'demo', open_requests: 0 }]);
  });

  it('GET /metrics (Prometheus text, prom-client) scraped while streams run, and after', async () => {
    const { handle, client } = await serve({ provider: 'replay', replay: 'openai-text', speed: 2 });
    const metricsURL = handle.baseURL.replace(/\/v1$/, '/metrics');
    const scrape = async () => {
      const response = await fetch(metricsURL);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    /** The sample of `name` whose labels are exactly `labels` plus the server's provider and model. */
    const value = (text: string, name: string, labels: Record<string, string> = {}) => {
      const want = { provider: 'replay openai-text', model: 'gpt-4o-2024-08-06', ...labels };
      for (const line of text.split('\n')) {
        const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
        if (match === null || match[1] !== name) continue;
        const got = Object.fromEntries([...match[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort())) return Number(match[3]);
      }
      return undefined;
    };
    const model = 'gpt-4o-2024-08-06';
    const streams = await Promise.all([1, 2, 3].map(() => client.chat.completions.create({ model, messages, stream: true })));
    const readers = streams.map((stream) => collect(stream));
    // all three are open: the first chunk arrived for each, none finished
    await new Promise((r) => setTimeout(r, 250));
    const during = await scrape();
    expect(value(during, 'rxllm_active_streams')).toBe(3);
    const results = await Promise.all(readers);
    for (const r of results) expect(r.error).toBeUndefined();
    // a client that leaves mid-stream, and an upstream that fails (per-request fault header)
    const leaving = await client.chat.completions.create({ model, messages, stream: true });
    for await (const _ of leaving) break;
    const failing = await collect(await client.chat.completions.create({ model, messages, stream: true }, { headers: { 'x-rxllm-fault': 'error-event=3,first=0' } }));
    expect(failing.error).toBeInstanceOf(OpenAI.APIError);
    await new Promise((r) => setTimeout(r, 100));
    const after = await scrape();
    expect(value(after, 'rxllm_active_streams')).toBe(0);
    expect(value(after, 'rxllm_requests_total', { status: '200', path: '/v1/chat/completions' })).toBe(5);
    expect(value(after, 'rxllm_client_disconnects_total')).toBe(1);
    expect(value(after, 'rxllm_upstream_errors_total', { type: 'ProviderError' })).toBe(1);
    expect(value(after, 'rxllm_deltas_total', { type: 'text' })).toBeGreaterThan(3 * 10);
    expect(value(after, 'rxllm_time_to_first_delta_seconds_count')).toBe(5);
    expect(value(after, 'rxllm_request_duration_seconds_count', { stream: 'true' })).toBe(5);
    expect(value(after, 'rxllm_response_bytes_total')).toBeGreaterThan(3 * 1000);
  });

  it('one JSON access-log line per request, never the key or the prompt; --log-bodies adds the request', async () => {
    const lines: Record<string, unknown>[] = [];
    const { handle } = await serve({ provider: 'replay', replay: 'openai-text', speed: 0, apiKey: 'serve-key-XYZ', accessLog: (l) => lines.push({ ...l }) });
    const client = new OpenAI({ apiKey: 'serve-key-XYZ', baseURL: handle.baseURL, maxRetries: 0 });
    const secret = [{ role: 'user' as const, content: 'my secret prompt 42' }];
    await collect(await client.chat.completions.create({ model: 'gpt-4o-2024-08-06', messages: secret, stream: true }));
    await client.chat.completions.create({ model: 'gpt-4o-2024-08-06', messages: secret });
    await fetch(`${handle.baseURL}/models`); // 401
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.map((l) => [l.method, l.path, l.status, l.stream, l.finish_reason, l.error_type])).toEqual([
      ['POST', '/v1/chat/completions', 200, true, 'stop', null],
      ['POST', '/v1/chat/completions', 200, false, 'stop', null],
      ['GET', '/v1/models', 401, null, null, 'http_401'],
    ]);
    expect(lines[0]).toMatchObject({ provider: 'replay openai-text', model: 'gpt-4o-2024-08-06', ttfd_ms: expect.any(Number), duration_ms: expect.any(Number), error_type: null, client_disconnected: false });
    expect(lines[0]!.deltas as number).toBeGreaterThan(10);
    expect(lines[0]!.bytes_out as number).toBeGreaterThan(1000);
    const all = JSON.stringify(lines);
    expect(all).not.toContain('serve-key-XYZ');
    expect(all).not.toContain('my secret prompt');

    const withBodies: Record<string, unknown>[] = [];
    const { client: c2 } = await serve({ provider: 'replay', replay: 'openai-text', speed: 0, logBodies: true, accessLog: (l) => withBodies.push({ ...l }) });
    await c2.chat.completions.create({ model: 'gpt-4o-2024-08-06', messages: secret });
    await new Promise((r) => setTimeout(r, 50));
    expect(JSON.stringify(withBodies)).toContain('my secret prompt 42');
  });
});

describe('rxllm serve --replay: faults on demand', () => {
  const model = 'gpt-4o-2024-08-06';

  it('--fault drop=5: every stream drops after 5 events; the SDK throws after the text so far', async () => {
    const { client } = await serve({ provider: 'replay', replay: 'openai-text', speed: 0, fault: { fault: { kind: 'drop', afterEvents: 5 } } });
    const got = await collect(await client.chat.completions.create({ model, messages, stream: true }));
    expect(got.error).toBeInstanceOf(OpenAI.APIError);
    expect(got.text.length).toBeGreaterThan(0);
    expect(got.finish).toBeNull();
  });

  it('x-rxllm-fault per request: status=429 answers 429 (others unaffected); a bad spec is a 400 naming the header', async () => {
    const { client } = await serve({ provider: 'replay', replay: 'openai-text', speed: 0 });
    await expect(client.chat.completions.create({ model, messages, stream: true }, { headers: { 'x-rxllm-fault': 'status=429' } })).rejects.toMatchObject({ status: 429 });
    const ok = await collect(await client.chat.completions.create({ model, messages, stream: true }));
    expect(ok.error).toBeUndefined();
    const stalled = await collect(await client.chat.completions.create({ model, messages, stream: true }, { headers: { 'x-rxllm-fault': 'malformed=2' } }));
    expect(stalled.error).toBeInstanceOf(OpenAI.APIError);
    await expect(client.chat.completions.create({ model, messages }, { headers: { 'x-rxllm-fault': 'explode=1' } })).rejects.toMatchObject({ status: 400, param: 'x-rxllm-fault' });
  });

  it('x-rxllm-fault reaches every provider\'s replay (fetch-based SDKs and the Bedrock SDK\'s node:http)', async () => {
    for (const replay of ['anthropic-thinking', 'gemini-thought', 'bedrock-reasoning']) {
      const { client, handle } = await serve({ provider: 'replay', replay, speed: 0 });
      await expect(client.chat.completions.create({ model: handle.model, messages, stream: true }, { headers: { 'x-rxllm-fault': 'status=429' } }), replay).rejects.toMatchObject({ status: 429 });
      const dropped = await collect(await client.chat.completions.create({ model: handle.model, messages, stream: true }, { headers: { 'x-rxllm-fault': 'drop=4' } }));
      // dropped after content arrived (metadata alone makes no chunk: a drop before content is an HTTP 502)
      expect(dropped.error, replay).toBeInstanceOf(OpenAI.APIError);
    }
  });

  it('first=MS and delay=MS pace the answer', async () => {
    const { client } = await serve({ provider: 'replay', replay: 'openai-text', speed: 0 });
    const started = performance.now();
    await client.chat.completions.create({ model, messages }, { headers: { 'x-rxllm-fault': 'first=300' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('the header is refused with a real provider', async () => {
    const { client } = await serve({ provider: 'openai', model: 'gpt-4o' });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages }, { headers: { 'x-rxllm-fault': 'drop=1' } })).rejects.toMatchObject({ status: 400, param: 'x-rxllm-fault' });
  });
});

describe('the rxllm serve command', () => {
  /** Runs `node src/cli/main.ts serve ...args` until its start line, then calls `act` and waits for the exit. */
  function runServe(args: readonly string[], act: (baseURL: string, kill: (signal: NodeJS.Signals) => void) => Promise<void>) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', ...args], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let acted = false;
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        const url = /(http:\/\/\S+\/v1)/.exec(stdout)?.[1];
        if (url !== undefined && !acted) {
          acted = true;
          act(url, (signal) => child.kill(signal)).catch(reject);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const jsonHeaders = { 'content-type': 'application/json' };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints one start line, serves, and on ${signal} lets the open stream finish (grace), then exits 0`, async () => {
      let streamed: Promise<string> = Promise.resolve('');
      const result = await runServe(['--port', '0'], async (baseURL, kill) => {
        const models = (await (await fetch(`${baseURL}/models`)).json()) as { data: { id: string }[] };
        expect(models.data.map((m) => m.id)).toEqual(['gpt-4o-2024-08-06']);
        // a stream at the replay's realistic pace is still open when the signal comes
        const response = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ model: 'gpt-4o-2024-08-06', messages, stream: true }) });
        const reader = response.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        streamed = (async () => {
          let text = first;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return text;
            text += new TextDecoder().decode(value);
          }
        })();
        kill(signal);
      });
      const text = await streamed;
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^rxllm serve: http:\/\/127\.0\.0\.1:\d+\/v1 → replay openai-text gpt-4o-2024-08-06\n$/);
      // the stream finished whole within the grace period
      expect(text).toContain('"finish_reason":"stop"');
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines.at(-1)).toBe('rxllm serve: stopped.');
      // one JSON access-log line per request
      const log = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(log.map((l) => [l.method, l.path, l.status])).toEqual([
        ['GET', '/v1/models', 200],
        ['POST', '/v1/chat/completions', 200],
      ]);
    });
  }

  it('past --grace, each open stream ends with a server_shutting_down error event and [DONE], its upstream request aborted; exit 0', async () => {
    let streamed: Promise<string> = Promise.resolve('');
    const started = performance.now();
    const result = await runServe(['--port', '0', '--speed', '0', '--grace', '300ms', '--fault', 'stall=3'], async (baseURL, kill) => {
      const response = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ model: 'gpt-4o-2024-08-06', messages, stream: true }) });
      streamed = response.text();
      await new Promise((r) => setTimeout(r, 100));
      kill('SIGTERM');
    });
    const text = await streamed;
    expect(result.code).toBe(0);
    expect(performance.now() - started).toBeLessThan(5_000);
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(events.at(-2)!.slice('data: '.length))).toEqual({
      error: { message: expect.stringMatching(/shutting down/), type: 'server_error', code: 'server_shutting_down', param: null, status_code: 503 },
    });
    expect(result.stderr).toMatch(/rxllm serve: stopped; 1 answer still open after the grace period ended with server_shutting_down\.\n$/);
  });

  it('refuses to listen beyond loopback without a key, saying how to set one (exit 2)', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--host', '0.0.0.0', '--port', '0'], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/RXLLM_API_KEY/);
  });

  it('--help fits a screen (at most 40 lines of at most 100 columns) and shows examples', async () => {
    const { serveUsage } = await import('../src/cli/serve/serve-args.ts');
    const lines = serveUsage.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(40);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(serveUsage).toMatch(/Examples:\n\s+rxllm serve\n/);
  });
});
