/**
 * `fromAnthropic` with the official `@anthropic-ai/sdk` against the loopback replay server:
 * every recorded stream byte-exact and re-chunked at random byte boundaries, the faults
 * (stall, drop, malformed, error event, HTTP errors), `stream: false`, cancellation.
 */
import { Anthropic } from '@anthropic-ai/sdk';
import { lastValueFrom, take, toArray, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { fromAnthropic, type AnthropicMessageParams } from '../src/providers/anthropic/index.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { anthropicMessageFromEvents } from './support/anthropic-nonstream.ts';
import { listCases, loadCase, streamReply, type FixtureCase } from './support/fixtures.ts';
import { run } from './support/runs.ts';

const params: AnthropicMessageParams = {
  model: 'claude-sonnet-4-6',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Hello' }],
};

let server: ReplayServer;
let client: Anthropic;
beforeAll(async () => {
  server = await startReplayServer(undefined, { record: true });
  client = new Anthropic({ apiKey: 'test', baseURL: server.url, maxRetries: 0 });
});
afterAll(() => server.close());



function expectMatches(s: Snapshot | undefined, c: FixtureCase): void {
  expect(s).toBeDefined();
  expect(s!.text).toBe(c.expect.text);
  expect(s!.reasoning).toBe(c.expect.reasoning);
  expect(s!.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.argsText }))).toEqual(c.expect.toolCalls);
  expect(s!.finishRaw ?? null).toBe(c.expect.finishReason);
  expect(s!.provider).toBe('anthropic');
}

const cases = listCases('anthropic');

describe('fromAnthropic replaying every recorded stream', () => {
  for (const c of cases) {
    for (const chunking of ['event', 'random', 'whole'] as const) {
      it(`${c.id} (${c.parts ? 'byte-exact' : 'from jsonl'}, ${chunking} chunks)`, async () => {
        server.reply(streamReply(c, { chunking, seed: 7 }));
        const { snapshot: last, error, completed } = await run(fromAnthropic(client, params));
        expectMatches(last, c);
        if (c.expect.error === null) {
          expect(error).toBeUndefined();
          expect(completed).toBe(true);
        } else {
          expect(error).toBeInstanceOf(ProviderError);
          expect(error).toMatchObject({ provider: 'anthropic', code: c.expect.error, retryable: true });
          expect((error as ProviderError).partial?.text).toBe(c.expect.text);
        }
      });
    }
  }

  it('survives many random re-chunkings of the thinking stream', async () => {
    const c = loadCase('anthropic/thinking');
    for (let seed = 1; seed <= 8; seed++) {
      server.reply(streamReply(c, { chunking: 'random', seed }));
      const { snapshot: last, completed } = await run(fromAnthropic(client, params));
      expect(completed).toBe(true);
      expectMatches(last, c);
      expect(last!.reasoningSignature).toMatch(/^EvMCCkYICxgCKkCHP2cSuEdcJK/);
    }
  });

  it('sends the params with stream: true', async () => {
    const c = loadCase('anthropic/text');
    server.reply(streamReply(c));
    const before = server.requests.length;
    await run(fromAnthropic(client, params));
    const request = server.requests[before]!;
    expect(request.path).toBe('/v1/messages');
    expect(request.body).toEqual({ ...params, stream: true });
    expect(request.headers['anthropic-version']).toBeTypeOf('string');
  });
});

describe('fromAnthropic request options', () => {
  it('passes requestOptions to the SDK call', async () => {
    server.reply(streamReply(loadCase('anthropic/text')));
    const before = server.requests.length;
    const { completed } = await run(fromAnthropic(client, params, { requestOptions: { headers: { 'x-rxllm-test': 'yes' } } }));
    expect(completed).toBe(true);
    expect(server.requests[before]!.headers['x-rxllm-test']).toBe('yes');
  });
});

describe('fromAnthropic under faults', () => {
  const text = loadCase('anthropic/text');

  it('stall: unsubscribing closes the socket within 100 ms', async () => {
    const own = await startReplayServer(streamReply(text, { fault: { kind: 'stall', afterEvents: 5 } }), { record: true });
    try {
      const ownClient = new Anthropic({ apiKey: 'test', baseURL: own.url, maxRetries: 0 });
      const seen: Delta[] = [];
      let sub: Subscription | undefined;
      await new Promise<void>((resolve, reject) => {
        sub = fromAnthropic(ownClient, params).subscribe({
          next: (d) => {
            seen.push(d);
            if (d.type === 'text' && d.text === '! I') resolve();
          },
          error: reject,
        });
      });
      // the source now waits on a read that the stalled server never answers: only the abort can end it
      await new Promise((r) => setTimeout(r, 20));
      sub!.unsubscribe();
      expect(seen.map((d) => d.type)).toContain('metadata');
      await own.waitForSocketsClosed(100);
      expect(own.openSockets()).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('take(2) unsubscribing from inside a delta also closes the socket within 100 ms', async () => {
    const own = await startReplayServer(streamReply(text, { fault: { kind: 'stall', afterEvents: 1 } }), { record: true });
    try {
      const deltas = await lastValueFrom(fromAnthropic(new Anthropic({ apiKey: 'test', baseURL: own.url, maxRetries: 0 }), params).pipe(take(2), toArray()));
      expect(deltas).toHaveLength(2);
      await own.waitForSocketsClosed(100);
    } finally {
      await own.close();
    }
  });

  it('drop mid-stream: StreamTruncatedError with the text so far', async () => {
    server.reply(streamReply(text, { fault: { kind: 'drop', afterEvents: 6 } }));
    const { error } = await run(fromAnthropic(client, params));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text).toBe("Hello! I'm doing well, thank you for asking");
    expect((error as Error).message).toMatch(/message_stop/);
  });

  it('body ends without message_stop: StreamTruncatedError', async () => {
    server.reply({ format: 'anthropic', events: text.events.slice(0, -1) });
    const { error } = await run(fromAnthropic(client, params));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.finishRaw).toBe('end_turn');
  });

  it('malformed chunk: MalformedChunkError with the partial', async () => {
    server.reply(streamReply(text, { fault: { kind: 'malformed', afterEvents: 4 } }));
    const { error } = await run(fromAnthropic(client, params));
    expect(error).toBeInstanceOf(MalformedChunkError);
    expect((error as MalformedChunkError).line).toContain('{"choices"');
    expect((error as MalformedChunkError).partial?.text).toBe('Hello');
  });

  it('error event: retryable ProviderError overloaded_error, partial kept', async () => {
    server.reply(streamReply(text, { fault: { kind: 'error-event', afterEvents: 5 } }));
    const { error } = await run(fromAnthropic(client, params));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'anthropic', code: 'overloaded_error', retryable: true });
    expect((error as ProviderError).partial?.text).toBe('Hello! I');
  });

  for (const [status, code, retryable] of [
    [401, 'authentication_error', false],
    [429, 'rate_limit_error', true],
    [500, 'api_error', true],
    [529, 'overloaded_error', true],
  ] as const) {
    it(`HTTP ${status}: ProviderError ${code}, retryable ${retryable}`, async () => {
      server.reply(streamReply(text, { fault: { kind: 'http', status } }));
      const { error, snapshot: last } = await run(fromAnthropic(client, params));
      expect(last.deltaCount).toBe(0);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: 'anthropic', status, code, retryable, partial: undefined });
      expect((error as ProviderError).cause).toBeInstanceOf(Anthropic.APIError);
    });
  }

  it('x-should-retry overrides the status rule, as in the SDK', async () => {
    server.reply(streamReply(text, { fault: { kind: 'http', status: 500, headers: { 'x-should-retry': 'false' } } }));
    const { error } = await run(fromAnthropic(client, params));
    expect(error).toMatchObject({ status: 500, retryable: false });
  });

  it('connection refused: retryable ProviderError without status', async () => {
    const gone = await startReplayServer(undefined, { record: true });
    const url = gone.url;
    await gone.close();
    const { error } = await run(fromAnthropic(new Anthropic({ apiKey: 'test', baseURL: url, maxRetries: 0 }), params));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: undefined, retryable: true });
  });

  it('options.signal aborts the request and errors with its reason', async () => {
    const own = await startReplayServer(streamReply(text, { fault: { kind: 'stall', afterEvents: 5 } }), { record: true });
    try {
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      const result = run(fromAnthropic(new Anthropic({ apiKey: 'test', baseURL: own.url, maxRetries: 0 }), params, { signal: controller.signal }));
      await own.waitForRequests(1);
      await new Promise((r) => setTimeout(r, 20));
      controller.abort(reason);
      const { error, snapshot: last } = await result;
      expect(error).toBe(reason);
      expect(last?.text).toBe('Hello! I');
      await own.waitForSocketsClosed(100);
    } finally {
      await own.close();
    }
  });
});

describe('fromAnthropic with stream: false', () => {
  for (const c of cases.filter((c) => c.expect.error === null && c.id !== 'anthropic/tool-use-max-tokens')) {
    it(`${c.id}: the same final snapshot as the streamed response`, async () => {
      server.reply(streamReply(c));
      const streamed = await run(fromAnthropic(client, params));
      server.reply((request) => (request.body?.stream === false ? { kind: 'json', body: anthropicMessageFromEvents(c.events) } : undefined));
      const before = server.requests.length;
      const whole = await run(fromAnthropic(client, params, { stream: false }));
      expect(server.requests[before]!.body).toEqual({ ...params, stream: false });
      expect(whole.completed).toBe(true);
      const { deltaCount: _a, toolCalls: callsA, ...restA } = streamed.snapshot;
      const { deltaCount: _b, toolCalls: callsB, ...restB } = whole.snapshot;
      expect(restB).toEqual(restA);
      // arguments arrive whole as compact JSON: the parsed args match, the text's spacing may not
      expect(callsB.map(({ argsText: _t, ...call }) => call)).toEqual(callsA.map(({ argsText: _t, ...call }) => call));
    });
  }

  it('HTTP 529 on the non-streaming call: retryable ProviderError', async () => {
    server.reply(streamReply(loadCase('anthropic/text'), { fault: { kind: 'http', status: 529 } }));
    const { error } = await run(fromAnthropic(client, params, { stream: false }));
    expect(error).toMatchObject({ provider: 'anthropic', status: 529, code: 'overloaded_error', retryable: true });
  });
});
