/**
 * `fromGoogle` with the official `@google/genai` against the loopback replay server: every
 * recorded stream byte-exact and re-chunked at random byte boundaries, the faults (stall, drop,
 * malformed, error chunk, HTTP errors), `stream: false`, cancellation.
 */
import { GoogleGenAI, type GenerateContentParameters } from '@google/genai';
import { lastValueFrom, take, toArray, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { fromGoogle } from '../src/providers/google/index.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { geminiResponseFromEvents } from './support/gemini-nonstream.ts';
import { listCases, loadCase, streamReply, type FixtureCase } from './support/fixtures.ts';
import { run } from './support/runs.ts';

const params: GenerateContentParameters = {
  model: 'gemini-2.5-flash',
  contents: 'Count to 30',
  config: { maxOutputTokens: 512, temperature: 0 },
};

let server: ReplayServer;
let ai: GoogleGenAI;
beforeAll(async () => {
  server = await startReplayServer(undefined, { record: true });
  ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.url } });
});
afterAll(() => server.close());



function expectMatches(s: Snapshot | undefined, c: FixtureCase): void {
  expect(s).toBeDefined();
  expect(s!.text).toBe(c.expect.text);
  expect(s!.reasoning).toBe(c.expect.reasoning);
  expect(s!.toolCalls.map((t) => ({ name: t.name, arguments: t.argsText }))).toEqual(c.expect.toolCalls);
  expect(s!.finishRaw).toBe(c.expect.finishReason);
  expect(s!.provider).toBe('google');
}

const cases = listCases('gemini');

describe('fromGoogle replaying every recorded stream', () => {
  for (const c of cases) {
    for (const chunking of ['event', 'random', 'whole'] as const) {
      it(`${c.id} (${c.parts ? 'byte-exact' : 'from jsonl'}, ${chunking} chunks)`, async () => {
        server.reply(streamReply(c, { chunking, seed: 11 }));
        const { snapshot: last, error, completed } = await run(fromGoogle(ai, params));
        expect(error).toBeUndefined();
        expect(completed).toBe(true);
        expectMatches(last, c);
      });
    }
  }

  it('survives many random re-chunkings of the thought stream', async () => {
    const c = loadCase('gemini/thought');
    for (let seed = 1; seed <= 8; seed++) {
      server.reply(streamReply(c, { chunking: 'random', seed }));
      const { snapshot: last, completed } = await run(fromGoogle(ai, params));
      expect(completed).toBe(true);
      expectMatches(last, c);
      expect(last!.reasoningSignature).toMatch(/^CiIB0e2Kb6Syj1a961Ef/);
      expect(last!.usage).toEqual({ inputTokens: 34, outputTokens: expect.any(Number), reasoningTokens: expect.any(Number) });
    }
  });

  it('sends the params to streamGenerateContent', async () => {
    server.reply(streamReply(loadCase('gemini/text')));
    const before = server.requests.length;
    await run(fromGoogle(ai, params));
    const request = server.requests[before]!;
    expect(request.path).toBe('/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(request.body.contents).toEqual([{ role: 'user', parts: [{ text: 'Count to 30' }] }]);
    expect(request.body.generationConfig).toEqual({ maxOutputTokens: 512, temperature: 0 });
    expect(JSON.stringify(request.body)).not.toContain('abortSignal');
  });
});

describe('fromGoogle under faults', () => {
  const counting = loadCase('gemini/text-usage-mid-stream');

  it('stall: unsubscribing closes the socket within 100 ms', async () => {
    const own = await startReplayServer(streamReply(counting, { fault: { kind: 'stall', afterEvents: 1 } }), { record: true });
    try {
      const ownAi = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: own.url } });
      const seen: Delta[] = [];
      let sub: Subscription | undefined;
      await new Promise<void>((resolve, reject) => {
        sub = fromGoogle(ownAi, params).subscribe({
          next: (d) => {
            seen.push(d);
            if (d.type === 'text') resolve();
          },
          error: reject,
        });
      });
      // the source now waits on a read that the stalled server never answers: only the abort can end it
      await new Promise((r) => setTimeout(r, 20));
      sub!.unsubscribe();
      expect(seen[0]!.type).toBe('metadata');
      await own.waitForSocketsClosed(100);
      expect(own.openSockets()).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('take(2) unsubscribing from inside a delta also closes the socket within 100 ms', async () => {
    const own = await startReplayServer(streamReply(counting, { fault: { kind: 'stall', afterEvents: 1 } }), { record: true });
    try {
      const deltas = await lastValueFrom(fromGoogle(new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: own.url } }), params).pipe(take(2), toArray()));
      expect(deltas).toHaveLength(2);
      await own.waitForSocketsClosed(100);
    } finally {
      await own.close();
    }
  });

  it('drop mid-stream: StreamTruncatedError with the text so far', async () => {
    server.reply(streamReply(counting, { fault: { kind: 'drop', afterEvents: 2 } }));
    const { error } = await run(fromGoogle(ai, params));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n21\n22\n23\n24\n25\n26\n27\n28\n29\n3');
    expect((error as Error).message).toMatch(/finishReason/);
  });

  it('drop before the first chunk: StreamTruncatedError without partial', async () => {
    server.reply(streamReply(counting, { fault: { kind: 'drop', afterEvents: 0 } }));
    const { error } = await run(fromGoogle(ai, params));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial).toBeUndefined();
  });

  it('body ends without a finishReason: StreamTruncatedError', async () => {
    server.reply({ format: 'gemini', events: counting.events.slice(0, 2) });
    const { error } = await run(fromGoogle(ai, params));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text.endsWith('29\n3')).toBe(true);
  });

  it('malformed chunk: MalformedChunkError with the partial', async () => {
    server.reply(streamReply(counting, { fault: { kind: 'malformed', afterEvents: 1 } }));
    const { error } = await run(fromGoogle(ai, params));
    expect(error).toBeInstanceOf(MalformedChunkError);
    expect((error as MalformedChunkError).partial?.text).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n1');
  });

  it('error chunk: retryable ProviderError UNAVAILABLE, partial kept', async () => {
    server.reply(streamReply(counting, { fault: { kind: 'error-event', afterEvents: 1 } }));
    const { error } = await run(fromGoogle(ai, params));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'google', status: 503, code: 'UNAVAILABLE', retryable: true });
    expect((error as ProviderError).partial?.text).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n1');
  });

  for (const [status, code, retryable] of [
    [401, 'UNAUTHENTICATED', false],
    [429, 'RESOURCE_EXHAUSTED', true],
    [500, 'UNAVAILABLE', true],
    [529, 'UNAVAILABLE', true],
  ] as const) {
    it(`HTTP ${status}: ProviderError ${code}, retryable ${retryable}`, async () => {
      server.reply(streamReply(counting, { fault: { kind: 'http', status } }));
      const { error, snapshot: last } = await run(fromGoogle(ai, params));
      expect(last.deltaCount).toBe(0);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: 'google', status, code, retryable, partial: undefined });
      expect((error as ProviderError).cause).toMatchObject({ name: 'ApiError', status });
    });
  }

  it('connection refused: retryable ProviderError without status', async () => {
    const gone = await startReplayServer(undefined, { record: true });
    const url = gone.url;
    await gone.close();
    const { error } = await run(fromGoogle(new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: url } }), params));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: undefined, retryable: true });
  });

  it('options.signal aborts the request and errors with its reason', async () => {
    const own = await startReplayServer(streamReply(counting, { fault: { kind: 'stall', afterEvents: 1 } }), { record: true });
    try {
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      const result = run(fromGoogle(new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: own.url } }), params, { signal: controller.signal }));
      await own.waitForRequests(1);
      await new Promise((r) => setTimeout(r, 20));
      controller.abort(reason);
      const { error, snapshot: last } = await result;
      expect(error).toBe(reason);
      expect(last?.text).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n1');
      await own.waitForSocketsClosed(100);
    } finally {
      await own.close();
    }
  });
});

describe('fromGoogle cancellation through params.config.abortSignal', () => {
  it('acts like options.signal: aborts and errors with its reason', async () => {
    const own = await startReplayServer(streamReply(loadCase('gemini/text-usage-mid-stream'), { fault: { kind: 'stall', afterEvents: 1 } }), { record: true });
    try {
      const controller = new AbortController();
      const reason = new Error('config signal');
      const result = run(fromGoogle(new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: own.url } }), { ...params, config: { ...params.config, abortSignal: controller.signal } }));
      await own.waitForRequests(1);
      await new Promise((r) => setTimeout(r, 20));
      controller.abort(reason);
      expect((await result).error).toBe(reason);
      await own.waitForSocketsClosed(100);
    } finally {
      await own.close();
    }
  });
});

describe('fromGoogle with stream: false', () => {
  for (const c of cases) {
    it(`${c.id}: the same final snapshot as the streamed response`, async () => {
      server.reply(streamReply(c));
      const streamed = await run(fromGoogle(ai, params));
      server.reply((request) => (request.path.includes(':generateContent') ? { kind: 'json', body: geminiResponseFromEvents(c.events) } : undefined));
      const before = server.requests.length;
      const whole = await run(fromGoogle(ai, params, { stream: false }));
      expect(server.requests[before]!.path).toBe('/v1/models/gemini-2.5-flash:generateContent');
      expect(server.requests[before]!.body.contents).toEqual([{ role: 'user', parts: [{ text: 'Count to 30' }] }]);
      expect(whole.completed).toBe(true);
      const { deltaCount: _a, ...restA } = streamed.snapshot;
      const { deltaCount: _b, ...restB } = whole.snapshot;
      expect(restB).toEqual(restA);
    });
  }

  it('HTTP 429 on the non-streaming call: retryable ProviderError', async () => {
    server.reply({ kind: 'json', status: 429, body: { error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } } });
    const { error } = await run(fromGoogle(ai, params, { stream: false }));
    expect(error).toMatchObject({ provider: 'google', status: 429, code: 'RESOURCE_EXHAUSTED', retryable: true });
  });
});
