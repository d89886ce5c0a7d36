/**
 * timeoutIdle, fallbackToNonStreaming, retryBeforeFirstDelta and raceFirstDelta on real requests:
 * fromOpenAI with the openai SDK against the loopback replay server, with its faults. Proves that
 * the operators release (so abort) the HTTP requests they drop: the server sees the socket close.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { IdleTimeoutError, ProviderError } from '../src/core/errors.ts';
import { fallbackToNonStreaming } from '../src/operators/fallbackToNonStreaming.ts';
import { raceFirstDelta } from '../src/operators/raceFirstDelta.ts';
import { retryBeforeFirstDelta } from '../src/operators/retryBeforeFirstDelta.ts';
import { timeoutIdle } from '../src/operators/timeoutIdle.ts';
import { fromOpenAI } from '../src/providers/openai/index.ts';
import { startReplayServer, type Reply, type ReplayServer } from '../src/replay/server.ts';
import { loadCase } from './support/fixtures.ts';
import { chatCompletionFromEvents } from './support/openai-nonstream.ts';
import { run } from './support/runs.ts';

const textCase = loadCase('openai-chat/text');
const params = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };
const stream: Reply = { format: 'openai-chat', parts: textCase.parts! };

const servers: ReplayServer[] = [];
async function server(): Promise<{ server: ReplayServer; client: OpenAI }> {
  const s = await startReplayServer(undefined, { record: true });
  servers.push(s);
  return { server: s, client: new OpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1`, maxRetries: 0 }) };
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});


function textOf(deltas: readonly Delta[]): string {
  return deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
}

/** The text of the first `n` recorded events (computed from the wire, without rxllm). */
function recordedText(n: number): string {
  return textCase.events
    .slice(0, n)
    .map((e) => ((e as { data?: any }).data?.choices?.[0]?.delta?.content as string | undefined) ?? '')
    .join('');
}

describe('operators on real requests (openai SDK → replay server)', () => {
  it('timeoutIdle: a stalled stream errors with IdleTimeoutError carrying the partial, and the socket closes', async () => {
    const { server: s, client } = await server();
    s.reply({ ...stream, fault: { kind: 'stall', afterEvents: 5 } });
    const started = performance.now();
    const { deltas, error } = await run(fromOpenAI(client, params).pipe(timeoutIdle({ first: 5_000, idle: 150 })));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(error).toBeInstanceOf(IdleTimeoutError);
    const timeout = error as IdleTimeoutError;
    expect(timeout.phase).toBe('idle');
    expect(timeout.afterMs).toBe(150);
    expect(recordedText(5)).not.toBe('');
    expect(timeout.partial?.text).toBe(recordedText(5));
    expect(textOf(deltas)).toBe(recordedText(5));
    expect(timeout.deltaCount).toBe(deltas.filter((d) => d.type === 'text').length);
    await s.waitForSocketsClosed(100);
  });

  it("fallbackToNonStreaming: OpenAI's 400 on stream: true switches to stream: false, yielding the text once", async () => {
    const { server: s, client } = await server();
    const completion = chatCompletionFromEvents(textCase.events);
    s.reply((request) =>
      request.body?.stream === true
        ? {
            kind: 'json',
            status: 400,
            body: {
              error: {
                message: "Unsupported value: 'stream' does not support true with this model. Only the default (false) value is supported.",
                type: 'invalid_request_error',
                param: 'stream',
                code: 'unsupported_value',
              },
            },
          }
        : { kind: 'json', body: completion },
    );
    const source = fromOpenAI(client, params).pipe(fallbackToNonStreaming(() => fromOpenAI(client, params, { stream: false })));
    const { deltas, error } = await run(source);
    expect(error).toBeUndefined();
    expect(textCase.expect.text).not.toBe('');
    expect(textOf(deltas)).toBe(textCase.expect.text);
    expect(deltas.filter((d) => d.type === 'metadata')).toHaveLength(1);
    expect(deltas.filter((d) => d.type === 'finish')).toEqual([{ type: 'finish', reason: 'stop', raw: 'stop' }]);
    expect(s.requests.map((r) => r.body?.stream ?? false)).toStrictEqual([true, false]);
  });

  it('fallbackToNonStreaming: a 429 is not a reason to fall back', async () => {
    const { server: s, client } = await server();
    s.reply({ kind: 'json', status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } });
    const { deltas, error } = await run(fromOpenAI(client, params).pipe(fallbackToNonStreaming(() => fromOpenAI(client, params, { stream: false }))));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(429);
    expect(deltas).toStrictEqual([]);
    expect(s.requests).toHaveLength(1);
  });

  it('retryBeforeFirstDelta: a 429 is retried and the second request streams the answer', async () => {
    const { server: s, client } = await server();
    let n = 0;
    s.reply(() =>
      n++ === 0
        ? { kind: 'json', status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } }
        : stream,
    );
    const { deltas, error } = await run(fromOpenAI(client, params).pipe(retryBeforeFirstDelta({ delay: 10 })));
    expect(error).toBeUndefined();
    expect(textOf(deltas)).toBe(textCase.expect.text);
    expect(deltas.filter((d) => d.type === 'metadata')).toHaveLength(1);
    expect(s.requests).toHaveLength(2);
  });

  it('retryBeforeFirstDelta: a stream dropped after content is not retried', async () => {
    const { server: s, client } = await server();
    s.reply({ ...stream, fault: { kind: 'drop', afterEvents: 5 } });
    const { deltas, error } = await run(fromOpenAI(client, params).pipe(retryBeforeFirstDelta({ delay: 10 })));
    expect(error).toBeInstanceOf(Error);
    expect((error as { partial?: { text: string } }).partial?.text).toBe(recordedText(5));
    expect(textOf(deltas)).toBe(recordedText(5));
    expect(s.requests).toHaveLength(1);
  });

  it("raceFirstDelta: a stalled source loses to a good one, and the stalled one's socket closes at the win", async () => {
    const stalled = await server();
    const good = await server();
    stalled.server.reply({ ...stream, fault: { kind: 'stall', afterEvents: 1 } });
    good.server.reply(stream);
    const race = raceFirstDelta([fromOpenAI(stalled.client, params), fromOpenAI(good.client, params)], { hedgeAfter: 50 });
    const { deltas, error } = await run(race);
    expect(error).toBeUndefined();
    expect(textOf(deltas)).toBe(textCase.expect.text);
    expect(deltas.filter((d) => d.type === 'metadata')).toHaveLength(1);
    expect(stalled.server.requests).toHaveLength(1);
    expect(good.server.requests).toHaveLength(1);
    await stalled.server.waitForSocketsClosed(100);
  });

  it('raceFirstDelta: the loser is released at the first content delta, while the winner still streams', async () => {
    const stalled = await server();
    const good = await server();
    stalled.server.reply({ ...stream, fault: { kind: 'stall', afterEvents: 1 } });
    good.server.reply({ ...stream, fault: { kind: 'stall', afterEvents: 5 } });
    const race = raceFirstDelta([fromOpenAI(stalled.client, params), fromOpenAI(good.client, params)], { hedgeAfter: 50 });
    const deltas: Delta[] = [];
    let firstContent!: () => void;
    const content = new Promise<void>((resolve) => (firstContent = resolve));
    const subscription = race.subscribe((d) => {
      deltas.push(d);
      if (d.type === 'text') firstContent();
    });
    await content;
    await stalled.server.waitForSocketsClosed(100);
    expect(good.server.openSockets()).toBe(1);
    subscription.unsubscribe();
    await good.server.waitForSocketsClosed(100);
    expect(deltas[0]).toMatchObject({ type: 'metadata', provider: 'openai' });
  });
});
