/**
 * fromSSE against recorded OpenAI-compatible streams (byte-exact bodies, served by the loopback
 * replay server and read with fetch), the wire faults, the input kinds and cancellation, and the
 * round trip through rxllm's own encoder.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { MalformedChunkError, ProviderError, RxllmError, StreamTruncatedError } from '../src/core/errors.ts';
import { ChatStreamMapper } from '../src/providers/openai/decode-stream.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { fromSSE, toChatCompletionChunks, toServerSentEvents } from '../src/sse/index.ts';
import { finishDelta, metadataDelta, reasoningDelta, textDelta, toolCallArgs, toolCallEnd, toolCallStart, usageDelta } from '../src/testing/index.ts';
import { listCases, loadCase } from './support/fixtures.ts';
import { accumulateAll, callsOf, runMapper, sseEvents } from './support/openai-events.ts';
import { run } from './support/runs.ts';

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer(undefined, { record: true });
});
afterAll(() => server.close());

const post = (signal?: AbortSignal) =>
  fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, signal: signal ?? null });


async function until(ok: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const recorded = listCases('openai-chat', 'openai-compatible').filter((c) => c.parts !== undefined);

describe('fromSSE on recorded streams (fetch against the replay server, random byte chunking)', () => {
  it.each(recorded.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    server.reply({ format: c.format, parts: c.parts!, chunking: 'random', seed: 7 });
    const { deltas, error } = await run(fromSSE(await post()));
    const expected = runMapper(sseEvents(c), (out) => new ChatStreamMapper(out));
    // the same mapper as fromOpenAI, fed over a real socket
    expect(deltas).toStrictEqual(expected.deltas);
    const s = accumulateAll(deltas);
    expect(s.text).toBe(c.expect.text);
    expect(s.reasoning).toBe(c.expect.reasoning);
    expect(callsOf(s)).toStrictEqual(c.expect.toolCalls.map((t) => ({ id: t.id ?? '', name: t.name, arguments: t.arguments })));
    if (c.expect.error === null) {
      expect(error).toBeUndefined();
      expect(s.finishRaw).toBe(c.expect.finishReason);
    } else {
      // Groq's `event: error` (tool_use_failed, status_code 400), then the connection closes
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe(c.expect.error);
      expect((error as ProviderError).status).toBe(400);
      expect((error as ProviderError).retryable).toBe(false);
      expect((error as ProviderError).partial?.reasoning).toBe(c.expect.reasoning);
    }
  });
});

describe('fromSSE: faults', () => {
  const text = loadCase('openai-chat/text');
  const chatText = (n: number) =>
    text.events
      .slice(0, n)
      .map((e: any) => e.data?.choices?.[0]?.delta?.content ?? '')
      .join('');

  it('drop after N events → StreamTruncatedError carrying the text of the first N events', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'drop', afterEvents: 6 } });
    const { error } = await run(fromSSE(await post()));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text).toBe(chatText(6));
  });

  it('a body that ends cleanly after the finish without [DONE] completes (servers that omit it)', async () => {
    const noDone = text.events.filter((e: any) => e.data !== '[DONE]');
    server.reply({ format: 'openai-chat', events: noDone });
    const { deltas, error } = await run(fromSSE(await post()));
    expect(error).toBeUndefined();
    expect(deltas.slice(-2)).toStrictEqual([finishDelta('stop', 'stop'), usageDelta({ inputTokens: 14, outputTokens: 30, reasoningTokens: 0 })]);
  });

  it('a body that ends before any finish → StreamTruncatedError naming [DONE]', async () => {
    const beforeFinish = text.events.findIndex((e: any) => e.data?.choices?.[0]?.finish_reason != null);
    server.reply({ format: 'openai-chat', events: text.events.slice(0, beforeFinish) });
    const { error } = await run(fromSSE(await post()));
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text).toBe(chatText(beforeFinish));
    expect((error as StreamTruncatedError).message).toContain('[DONE]');
  });

  it('a data line that is not JSON → MalformedChunkError naming it', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'malformed', afterEvents: 3, text: '{"choices":[' } });
    const { error } = await run(fromSSE(await post()));
    expect(error).toBeInstanceOf(MalformedChunkError);
    expect((error as MalformedChunkError).line).toBe('{"choices":[');
    expect((error as MalformedChunkError).partial?.text).toBe(chatText(3));
  });

  it('the error event after content → ProviderError with code and the partial text', async () => {
    server.reply({ format: 'openai-chat', events: text.events, fault: { kind: 'error-event', afterEvents: 4 } });
    const { error } = await run(fromSSE(await post()));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('server_error');
    expect((error as ProviderError).retryable).toBe(true);
    expect((error as ProviderError).partial?.text).toBe(chatText(4));
  });

  it('an HTTP error Response → ProviderError with status, code and retryable', async () => {
    for (const [status, code, retryable] of [
      [429, 'rate_limit_exceeded', true],
      [401, 'invalid_api_key', false],
    ] as const) {
      server.reply({ format: 'openai-chat', fault: { kind: 'http', status } });
      const { deltas, error } = await run(fromSSE(await post()));
      expect(deltas).toStrictEqual([]);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ status, code, retryable, partial: undefined });
    }
  });

  it('a function input whose fetch is refused → retryable ProviderError', async () => {
    const gone = await startReplayServer(undefined, { record: true });
    const url = gone.url;
    await gone.close();
    const { error } = await run(fromSSE((signal) => fetch(`${url}/v1/chat/completions`, { method: 'POST', body: '{}', signal })));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, status: undefined, partial: undefined });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('stall: unsubscribing cancels the body and the socket closes within 100 ms', async () => {
    const own = await startReplayServer({ format: 'openai-chat', events: text.events, fault: { kind: 'stall', afterEvents: 4 } }, { record: true });
    try {
      const deltas: Delta[] = [];
      let ended = false;
      const response = await fetch(`${own.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
      const subscription = fromSSE(response).subscribe({ next: (d) => deltas.push(d), error: () => (ended = true), complete: () => (ended = true) });
      await until(() => deltas.some((d) => d.type === 'text'));
      expect(own.openSockets()).toBe(1);
      subscription.unsubscribe();
      await own.waitForSocketsClosed(100);
      expect(ended).toBe(false);
    } finally {
      await own.close();
    }
  });

  it('stall with a function input: unsubscribing aborts the request it made, within 100 ms', async () => {
    const own = await startReplayServer({ format: 'openai-chat', events: text.events, fault: { kind: 'stall', afterEvents: 4 } }, { record: true });
    try {
      const deltas: Delta[] = [];
      const subscription = fromSSE((signal) => fetch(`${own.url}/v1/chat/completions`, { method: 'POST', body: '{}', signal })).subscribe((d) => deltas.push(d));
      await until(() => deltas.some((d) => d.type === 'text'));
      subscription.unsubscribe();
      await own.waitForSocketsClosed(100);
    } finally {
      await own.close();
    }
  });
});

describe('fromSSE: inputs, coldness, cancellation', () => {
  const text = loadCase('openai-chat/text');
  const body = () => concatBytes(text.parts!);

  it('a function input is cold: one request per subscription', async () => {
    server.reply({ format: 'openai-chat', parts: text.parts! });
    const before = server.requests.length;
    const source = fromSSE((signal) => post(signal));
    const a = await run(source);
    const b = await run(source);
    expect(server.requests.length - before).toBe(2);
    expect(a.error).toBeUndefined();
    expect(b.deltas).toStrictEqual(a.deltas);
  });

  it('a Response can be read once: a second subscription errors, saying what to pass instead', async () => {
    server.reply({ format: 'openai-chat', parts: text.parts! });
    const source = fromSSE(await post());
    expect((await run(source)).error).toBeUndefined();
    const second = await run(source);
    expect(second.error).toBeInstanceOf(RxllmError);
    expect((second.error as Error).message).toContain('fromSSE((signal) => fetch(url, { ...init, signal }))');
  });

  it('a ReadableStream: unsubscribing cancels it', async () => {
    let cancelled: unknown = 'not cancelled';
    const bytes = body();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, 600)); // the first events, then nothing more
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const deltas: Delta[] = [];
    const subscription = fromSSE(stream).subscribe((d) => deltas.push(d));
    await until(() => deltas.length > 1);
    subscription.unsubscribe();
    await until(() => cancelled !== 'not cancelled');
    expect(stream.locked).toBe(true);
  });

  it('an async iterable (a Node IncomingMessage is one): unsubscribing calls its return()', async () => {
    let returned = false;
    const bytes = body();
    const iterable: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        let sent = false;
        return {
          next: () => (sent ? new Promise<IteratorResult<Uint8Array>>(() => {}) : ((sent = true), Promise.resolve({ value: bytes.subarray(0, 600), done: false }))),
          return: async () => ((returned = true), { value: undefined, done: true }),
        };
      },
    };
    const deltas: Delta[] = [];
    const subscription = fromSSE(iterable).subscribe((d) => deltas.push(d));
    await until(() => deltas.length > 1);
    subscription.unsubscribe();
    await until(() => returned);
  });

  it('an async iterable read to the end gives the whole response', async () => {
    async function* chunks() {
      const bytes = body();
      for (let at = 0; at < bytes.length; at += 100) yield bytes.subarray(at, at + 100);
    }
    const { deltas, error } = await run(fromSSE(chunks()));
    expect(error).toBeUndefined();
    expect(accumulateAll(deltas).text).toBe(text.expect.text);
  });

  it('options.signal aborts with its reason', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(body().subarray(0, 600)) });
    const result = run(fromSSE(stream, { signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 5));
    const reason = new Error('user stop');
    controller.abort(reason);
    expect((await result).error).toBe(reason);
  });

  it('take(n) stops reading', async () => {
    let pulls = 0;
    const bytes = body();
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const at = pulls++ * 200;
        if (at >= bytes.length) c.close();
        else c.enqueue(bytes.subarray(at, at + 200));
      },
    });
    const deltas = await lastValueFrom(fromSSE(stream).pipe(take(2), toArray()));
    expect(deltas).toHaveLength(2);
    expect(pulls).toBeLessThan(Math.ceil(bytes.length / 200));
  });
});

describe('round trip: toChatCompletionChunks → toServerSentEvents → fromSSE', () => {
  const cases: [string, Delta[]][] = [
    [
      'text, reasoning, parallel tool calls, usage',
      [
        metadataDelta('anthropic', 'msg_1', 'claude'),
        reasoningDelta('Let me think\n\ndata: [DONE]\r\n'),
        textDelta('Héllo 👋 \u2028 world\n'),
        toolCallStart(0, 'call_a', 'get_weather'),
        toolCallStart(1, 'call_b', 'get_time'),
        toolCallArgs(0, '{"city":"Par'),
        toolCallArgs(1, '{}'),
        toolCallArgs(0, 'is"}'),
        toolCallEnd(0),
        toolCallEnd(1),
        finishDelta('tool-calls', 'tool_use'),
        usageDelta({ inputTokens: 10, outputTokens: 20, reasoningTokens: 5, cachedInputTokens: 3 }),
      ],
    ],
    ['length', [metadataDelta('google'), textDelta('cut'), finishDelta('length', 'MAX_TOKENS')]],
    ['content filter', [metadataDelta('google'), finishDelta('content-filter', 'SAFETY')]],
    [
      'a refusal with logprobs',
      [
        metadataDelta('openai'),
        { type: 'refusal', text: "I can't", logprobs: [{ token: "I can't", logprob: -0.1, bytes: null, top_logprobs: [] }] },
        { type: 'refusal', text: ' help.' },
        finishDelta('stop', 'stop'),
      ],
    ],
    [
      'a reset mid-answer (rxllm extension chunk)',
      [
        metadataDelta('anthropic'),
        textDelta('wrong'),
        toolCallStart(0, 'call_a', 'f'),
        toolCallArgs(0, '{"x'),
        { type: 'reset', reason: 'retry after overloaded' },
        textDelta('right'),
        finishDelta('stop', 'end_turn'),
      ],
    ],
  ];

  it.each(cases)('%s', async (_name, deltas) => {
    const frames = await lastValueFrom(from(deltas).pipe(toChatCompletionChunks({ model: 'rx', includeUsage: true }), toServerSentEvents(), toArray()));
    const bytes = new TextEncoder().encode(frames.join(''));
    const { deltas: decoded, error } = await run(fromSSE(new ReadableStream({ start: (c) => (c.enqueue(bytes), c.close()) })));
    expect(error).toBeUndefined();
    const sent = accumulateAll(deltas);
    const got = accumulateAll(decoded);
    expect(got.text).toBe(sent.text);
    expect(got.refusal).toBe(sent.refusal);
    expect(got.reasoning).toBe(sent.reasoning);
    expect(got.toolCalls).toStrictEqual(sent.toolCalls);
    expect(decoded.filter((d) => d.type === 'reset' || d.type === 'refusal')).toStrictEqual(deltas.filter((d) => d.type === 'reset' || d.type === 'refusal'));
    expect(got.finishReason).toBe(sent.finishReason);
    expect(got.usage).toStrictEqual(sent.usage);
    expect(got.model).toBe('rx');
  });
});

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// The browser-safety of rxllm/sse: the modules it loads, followed from src/sse/index.ts.
describe('rxllm/sse is browser-safe', () => {
  const root = fileURLToPath(new URL('../src/', import.meta.url));
  function importsOf(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
    if (seen.has(file)) return seen;
    const code = readFileSync(file, 'utf8');
    const specifiers = [...code.matchAll(/^\s*(?:import|export)\s(?!type\b)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
    seen.set(file, specifiers.filter((s) => !s.startsWith('.')));
    for (const s of specifiers) if (s.startsWith('.')) importsOf(fileURLToPath(new URL(s, `file://${file}`)), seen);
    return seen;
  }
  const graph = importsOf(`${root}sse/index.ts`);

  it('no module under src/sse imports node:', () => {
    for (const file of readdirSync(`${root}sse`)) {
      expect(readFileSync(`${root}sse/${file}`, 'utf8')).not.toMatch(/from\s+'node:/);
    }
    for (const [file, bare] of graph) expect(bare.filter((s) => s.startsWith('node:')), file).toStrictEqual([]);
  });

  it('loads no package but rxjs and eventsource-parser (no provider SDK)', () => {
    const packages = new Set([...graph.values()].flat());
    expect([...packages].sort()).toStrictEqual(['eventsource-parser', 'rxjs']);
  });
});
