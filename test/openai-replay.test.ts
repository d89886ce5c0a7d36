/**
 * fromOpenAI and fromOpenAIResponses with the real openai SDK against the loopback replay server:
 * every recorded stream byte-exact and re-chunked at random byte boundaries, the non-streaming
 * path, and the faults (stall, drop, malformed chunk, HTTP errors, error events).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError, RxllmError, StreamTruncatedError } from '../src/core/errors.ts';
import { fromOpenAI, fromOpenAIResponses } from '../src/providers/openai/index.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import type { WireEvent } from '../src/replay/wire.ts';
import { listCases, loadCase, streamReply, type FixtureCase } from './support/fixtures.ts';
import { callsOf } from './support/openai-events.ts';
import { chatCompletionFromEvents, responseFromEvents } from './support/openai-nonstream.ts';
import { run, type Run } from './support/runs.ts';

const chatCases = listCases('openai-chat', 'openai-compatible');
const responsesCases = listCases('openai-responses');
const chatParams = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
const responsesParams = { model: 'gpt-4o', input: 'hi' };
const seeds = [1, 7, 42];

let server: ReplayServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startReplayServer(undefined, { record: true });
  client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server.close());




/** Checks a run against index.json's `expect` for the case. */
function expectMatches(c: FixtureCase, r: Run): void {
  const x = c.expect;
  const s = r.error instanceof RxllmError ? r.error.partial! : r.snapshot;
  expect(s.text).toBe(x.text);
  expect(s.reasoning).toBe(x.reasoning);
  expect(callsOf(s)).toEqual(x.toolCalls);
  for (const call of s.toolCalls) expect(call.args).toEqual(JSON.parse(call.argsText));
  if (x.error === null) {
    expect(r.error).toBeUndefined();
    expect(r.completed).toBe(true);
    expect(s.finishRaw).toBe(x.finishReason);
  } else {
    expect(r.error).toBeInstanceOf(ProviderError);
    expect((r.error as ProviderError).code).toBe(x.error);
    expect(s).toEqual(r.snapshot);
  }
}

/** The text of the first `n` recorded chat events (choice 0's `delta.content`), computed from the wire. */
function chatTextOf(events: readonly WireEvent[], n: number): string {
  return events
    .slice(0, n)
    .map((e: any) => e.data?.choices?.[0]?.delta?.content ?? '')
    .join('');
}

describe('fromOpenAI replaying recorded streams', () => {
  for (const c of chatCases) {
    it(`${c.id}: ${c.parts ? 'byte-exact' : 'from events'}`, async () => {
      server.reply(streamReply(c));
      expectMatches(c, await run(fromOpenAI(client, chatParams)));
      const request = server.requests.at(-1)!;
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.body).toEqual({ ...chatParams, stream: true });
    });

    it(`${c.id}: re-chunked at random byte boundaries`, async () => {
      for (const seed of seeds) {
        server.reply(streamReply(c, { chunking: 'random', seed }));
        expectMatches(c, await run(fromOpenAI(client, chatParams)));
      }
    });
  }

  it('groq error event: ProviderError with status 400, the partial reasoning, the payload as cause', async () => {
    const c = loadCase('openai-compatible/groq-reasoning-error-event');
    server.reply(streamReply(c));
    const { error } = await run(fromOpenAI(client, chatParams));
    expect(error).toMatchObject({ provider: 'openai', status: 400, code: 'tool_use_failed', retryable: false });
    expect((error as ProviderError).partial!.reasoning).toBe(c.expect.reasoning);
    expect((error as ProviderError).cause).toMatchObject({ code: 'tool_use_failed', status_code: 400 });
  });

  it('multiple-choices: choiceIndex selects the choice', async () => {
    const c = loadCase('openai-chat/multiple-choices');
    server.reply(streamReply(c));
    expect((await run(fromOpenAI(client, chatParams, { choiceIndex: 1 }))).snapshot.text).toBe(c.expect.choiceTexts![1]);
  });
});

describe('fromOpenAIResponses replaying recorded streams', () => {
  for (const c of responsesCases) {
    it(`${c.id}: ${c.parts ? 'byte-exact' : 'from events'}`, async () => {
      server.reply(streamReply(c));
      expectMatches(c, await run(fromOpenAIResponses(client, responsesParams)));
      const request = server.requests.at(-1)!;
      expect(request.path).toBe('/v1/responses');
      expect(request.body).toEqual({ ...responsesParams, stream: true });
    });

    it(`${c.id}: re-chunked at random byte boundaries`, async () => {
      for (const seed of seeds) {
        server.reply(streamReply(c, { chunking: 'random', seed }));
        expectMatches(c, await run(fromOpenAIResponses(client, responsesParams)));
      }
    });
  }
});

/** The parts of a snapshot that a streamed and a non-streamed response share. */
function final(s: Snapshot) {
  return { text: s.text, reasoning: s.reasoning, toolCalls: s.toolCalls, usage: s.usage, finishReason: s.finishReason, finishRaw: s.finishRaw, id: s.id, model: s.model };
}

describe('stream: false', () => {
  for (const c of chatCases.filter((c) => c.expect.error === null)) {
    it(`fromOpenAI ${c.id}: the same final snapshot as streamed`, async () => {
      server.reply(streamReply(c));
      const streamed = await run(fromOpenAI(client, chatParams));
      server.reply({ kind: 'json', body: chatCompletionFromEvents(c.events) });
      const whole = await run(fromOpenAI(client, chatParams, { stream: false }));
      expect(whole.error).toBeUndefined();
      expect(final(whole.snapshot)).toEqual(final(streamed.snapshot));
      expect(server.requests.at(-1)!.body).toEqual({ ...chatParams, stream: false });
    });
  }

  for (const c of responsesCases.filter((c) => c.expect.error === null)) {
    it(`fromOpenAIResponses ${c.id}: the same final snapshot as streamed`, async () => {
      server.reply(streamReply(c));
      const streamed = await run(fromOpenAIResponses(client, responsesParams));
      server.reply({ kind: 'json', body: responseFromEvents(c.events) });
      const whole = await run(fromOpenAIResponses(client, responsesParams, { stream: false }));
      expect(whole.error).toBeUndefined();
      expect(final(whole.snapshot)).toEqual(final(streamed.snapshot));
      expect(server.requests.at(-1)!.body).toEqual({ ...responsesParams, stream: false });
    });
  }

  it('a server that ignores stream: true and answers JSON is mapped as the completion', async () => {
    const c = loadCase('openai-chat/tool-call');
    server.reply({ kind: 'json', body: chatCompletionFromEvents(c.events) });
    expectMatches(c, await run(fromOpenAI(client, chatParams)));
  });
});

const text = loadCase('openai-chat/text');
const responsesText = loadCase('openai-responses/text');

describe('faults', () => {
  it('stall: unsubscribing closes the socket within 100 ms (chat and responses)', async () => {
    const own = await startReplayServer(undefined, { record: true });
    try {
      const ownClient = new OpenAI({ apiKey: 'sk-test', baseURL: `${own.url}/v1`, maxRetries: 0 });
      for (const [c, source] of [
        [text, fromOpenAI(ownClient, chatParams)],
        [responsesText, fromOpenAIResponses(ownClient, responsesParams)],
      ] as const) {
        // after 6 events both streams have sent text
        own.reply({ format: c.format, events: c.events, fault: { kind: 'stall', afterEvents: 6 } });
        const deltas: Delta[] = [];
        let ended = false;
        const subscription = source.subscribe({ next: (d) => deltas.push(d), error: () => (ended = true), complete: () => (ended = true) });
        await until(() => deltas.some((d) => d.type === 'text'));
        expect(own.openSockets()).toBe(1);
        subscription.unsubscribe();
        await own.waitForSocketsClosed(100);
        expect(ended).toBe(false);
      }
    } finally {
      await own.close();
    }
  });

  it('drop after N events → StreamTruncatedError with the text of the first N events', async () => {
    for (const afterEvents of [3, 10]) {
      server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'drop', afterEvents } });
      const { error } = await run(fromOpenAI(client, chatParams));
      expect(error).toBeInstanceOf(StreamTruncatedError);
      expect((error as StreamTruncatedError).partial!.text).toBe(chatTextOf(text.events, afterEvents));
    }
  });

  it('a Chat body that ends cleanly after finish_reason without [DONE] completes (servers that omit it)', async () => {
    server.reply({ format: 'openai-chat', events: text.events.filter((e: any) => e.data !== '[DONE]') });
    const chat = await run(fromOpenAI(client, chatParams));
    expect(chat.error).toBeUndefined();
    expect(chat.completed).toBe(true);
    expect(chat.snapshot.text).toBe(text.expect.text);
    expect(chat.snapshot.finishReason).toBe('stop');
  });

  it('a body that ends before any finish → StreamTruncatedError', async () => {
    const beforeFinish = text.events.findIndex((e: any) => e.data?.choices?.[0]?.finish_reason != null);
    server.reply({ format: 'openai-chat', events: text.events.slice(0, beforeFinish) });
    const chat = await run(fromOpenAI(client, chatParams));
    expect(chat.error).toBeInstanceOf(StreamTruncatedError);
    expect((chat.error as StreamTruncatedError).partial!.finishReason).toBeUndefined();
    server.reply({ format: 'openai-responses', events: responsesText.events.slice(0, -1) });
    const responses = await run(fromOpenAIResponses(client, responsesParams));
    expect(responses.error).toBeInstanceOf(StreamTruncatedError);
    expect((responses.error as StreamTruncatedError).partial!.text).toBe(responsesText.expect.text);
  });

  it('malformed chunk → MalformedChunkError naming the line, with partial', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'malformed', afterEvents: 4 } });
    const { error } = await run(fromOpenAI(client, chatParams));
    expect(error).toBeInstanceOf(MalformedChunkError);
    expect((error as MalformedChunkError).line).toBe('{"choices":[{"delta":{"content":"x"');
    expect((error as MalformedChunkError).partial!.text).toBe(chatTextOf(text.events, 4));
  });

  it('error event mid-stream → ProviderError (server_error, retryable) with partial', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'error-event', afterEvents: 6 } });
    const chat = await run(fromOpenAI(client, chatParams));
    expect(chat.error).toBeInstanceOf(ProviderError);
    expect(chat.error).toMatchObject({ code: 'server_error', retryable: true });
    expect((chat.error as ProviderError).partial!.text).toBe(chatTextOf(text.events, 6));
    server.reply({ format: 'openai-responses', events: responsesText.events, fault: { kind: 'error-event', afterEvents: 6 } });
    const responses = await run(fromOpenAIResponses(client, responsesParams));
    expect(responses.error).toMatchObject({ provider: 'openai-responses', code: 'server_error', retryable: true });
    expect((responses.error as ProviderError).partial!.text).toBe('The capital');
  });

  for (const [status, retryable, code] of [
    [429, true, 'rate_limit_exceeded'],
    [500, true, 'server_error'],
    [401, false, 'invalid_api_key'],
  ] as const) {
    it(`HTTP ${status} → ProviderError retryable ${retryable}, the SDK error as cause`, async () => {
      server.reply({ format: 'openai-chat', fault: { kind: 'http', status } });
      const chat = await run(fromOpenAI(client, chatParams));
      expect(chat.deltas).toEqual([]);
      expect(chat.error).toBeInstanceOf(ProviderError);
      expect(chat.error).toMatchObject({ provider: 'openai', status, code, retryable, partial: undefined });
      expect((chat.error as ProviderError).cause).toBeInstanceOf(OpenAI.APIError);
      server.reply({ format: 'openai-responses', fault: { kind: 'http', status } });
      const responses = await run(fromOpenAIResponses(client, responsesParams, { stream: false }));
      expect(responses.error).toMatchObject({ provider: 'openai-responses', status, code, retryable });
    });
  }

  it('no server → retryable ProviderError (APIConnectionError)', async () => {
    const gone = await startReplayServer(undefined, { record: true });
    await gone.close();
    const offline = new OpenAI({ apiKey: 'sk-test', baseURL: `${gone.url}/v1`, maxRetries: 0 });
    const { error } = await run(fromOpenAI(offline, chatParams));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect((error as ProviderError).cause).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('[DONE] without finish_reason: StreamTruncatedError by default, finish stop with finishOnDone', async () => {
    const events = text.events.map((e: any) =>
      e.data?.choices?.[0]?.finish_reason ? { data: { ...e.data, choices: [{ ...e.data.choices[0], finish_reason: null }] } } : e,
    );
    server.reply({ format: 'openai-chat', events });
    const strict = await run(fromOpenAI(client, chatParams));
    expect(strict.error).toBeInstanceOf(StreamTruncatedError);
    expect((strict.error as StreamTruncatedError).partial!.text).toBe(text.expect.text);
    const lenient = await run(fromOpenAI(client, chatParams, { finishOnDone: true }));
    expect(lenient.completed).toBe(true);
    expect(lenient.deltas.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });
});

describe('cold, one request per subscription, aborts', () => {
  it('sends nothing before subscribe; two subscriptions send two requests', async () => {
    const c = loadCase('openai-chat/length');
    server.reply(streamReply(c));
    const before = server.requests.length;
    const source = fromOpenAI(client, chatParams);
    fromOpenAIResponses(client, responsesParams);
    await new Promise((r) => setTimeout(r, 30));
    expect(server.requests.length).toBe(before);
    const [a, b] = await Promise.all([run(source), run(source)]);
    expect(server.requests.length).toBe(before + 2);
    expect(a.snapshot.text).toBe(c.expect.text);
    expect(b.snapshot.text).toBe(c.expect.text);
  });

  it("options.signal aborted mid-stream → errors with the signal's reason", async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'stall', afterEvents: 3 } });
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const deltas: Delta[] = [];
    const done = new Promise<unknown>((resolve) =>
      fromOpenAI(client, chatParams, { signal: controller.signal }).subscribe({ next: (d) => deltas.push(d), error: resolve, complete: () => resolve('completed') }),
    );
    await until(() => deltas.length >= 2);
    controller.abort(reason);
    expect(await done).toBe(reason);
  });

  it('an already aborted signal sends no request', async () => {
    const before = server.requests.length;
    const reason = new Error('too late');
    const { error } = await run(fromOpenAI(client, chatParams, { signal: AbortSignal.abort(reason) }));
    expect(error).toBe(reason);
    expect(server.requests.length).toBe(before);
  });
});

/** Waits until `ok()` holds (polling every 2 ms, at most 2 s). */
async function until(ok: () => boolean): Promise<void> {
  for (let waited = 0; !ok(); waited += 2) {
    if (waited > 2_000) throw new Error('condition not reached within 2 s');
    await new Promise((r) => setTimeout(r, 2));
  }
}
