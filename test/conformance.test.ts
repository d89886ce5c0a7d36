/**
 * One conformance suite over every rxllm source (issue 3): the same expectations, for every
 * recorded fixture of every provider, through the provider's official SDK against the loopback
 * replay server (the table is test/support/conformance.ts):
 *
 * - the accumulated text, reasoning, tool calls (name, parsed arguments), usage and finish
 *   reason (the provider's raw value normalized by DESIGN.md's table) are right, the deltas are
 *   the pure mapper's, and the delta rules hold (metadata first, no empty fragment but a
 *   signature alone, finish once);
 * - a connection dropped mid-stream is a `StreamTruncatedError` whose `partial` is what the
 *   events before the drop give;
 * - an error event mid-stream is a `ProviderError` with that `partial`;
 * - unsubscribing mid-stream closes the connection within 100 ms;
 * - `stream: false` gives the same snapshot as the stream, with its deltas in the stream's order;
 * - the operators treat every source's deltas alike, a signature alone (empty text) included.
 *
 * Provider-specific behaviour (request bodies, paths, options such as `choiceIndex`) stays in
 * the per-provider replay tests; the full fault table is in test/faults/.
 */
import { from, lastValueFrom, toArray, type OperatorFunction } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { bufferTokens } from '../src/operators/bufferTokens.ts';
import { splitReasoning } from '../src/operators/splitReasoning.ts';
import { toolCalls } from '../src/operators/toolCalls.ts';
import { toChatCompletionChunks } from '../src/sse/toChatCompletionChunks.ts';
import { ProviderError, RxllmError, StreamTruncatedError } from '../src/core/errors.ts';
import type { ReplayServer } from '../src/replay/server.ts';
import { adapters } from '../src/providers/adapters.ts';
import { openaiAdapter } from '../src/providers/openai/adapter.ts';
import { casesOf, type Connection, entryOf, expectedFinish, providers, serve, streamReply, wireHasUsage } from './support/conformance.ts';
import { run, snapshotOf, unsubscribeAfter } from './support/runs.ts';
import type { FixtureCase } from './support/fixtures.ts';

/** The arguments text parsed, or `undefined` when it is not JSON (a call cut off by the token limit). */
function parsed(argsText: string): unknown {
  try {
    return JSON.parse(argsText === '' ? '{}' : argsText);
  } catch {
    return undefined;
  }
}

/** The wire event count after which a mid-stream fault goes in: half the events, at least one. */
function half(c: FixtureCase): number {
  return Math.max(1, Math.floor(c.events.length / 2));
}

/** Consecutive equal entries merged: the shape of a delta sequence. */
function runs(types: readonly string[]): string[] {
  return types.filter((t, i) => i === 0 || types[i - 1] !== t);
}

/** The order of content: the content delta types, repeats merged. */
function contentOrder(deltas: readonly Delta[]): string[] {
  return runs(deltas.filter((d) => d.type !== 'metadata' && d.type !== 'usage' && d.type !== 'finish').map((d) => d.type));
}

/** Whether the last usage comes before or after the finish. */
function usageOrder(deltas: readonly Delta[]): string[] {
  return runs(deltas.filter((d) => d.type === 'usage' || d.type === 'finish').map((d) => d.type)).slice(-2);
}

/**
 * The rules every source keeps (src/delta.ts): metadata first and once; no empty fragment, but
 * a reasoning signature always alone, with empty text; one finish, last but for usage.
 */
function expectDeltaRules(deltas: readonly Delta[], provider: string, finished: boolean): void {
  expect(deltas[0]).toMatchObject({ type: 'metadata', provider });
  expect(deltas.filter((d) => d.type === 'metadata')).toHaveLength(1);
  expect(deltas.filter((d) => d.type === 'finish')).toHaveLength(finished ? 1 : 0);
  if (finished) expect(deltas.slice(deltas.findIndex((d) => d.type === 'finish') + 1).every((d) => d.type === 'usage')).toBe(true);
  for (const d of deltas) {
    if (d.type === 'text') expect(d.text).not.toBe('');
    if (d.type === 'reasoning' && !d.redacted) expect(d.signature === undefined).toBe(d.text !== '');
    if (d.type === 'tool-call-delta') expect(d.argsText).not.toBe('');
  }
}

/** The parts of a snapshot a streamed and a non-streamed response share (arguments compared parsed: `stream: false` sends them re-encoded). */
function comparable(s: Snapshot) {
  const { deltaCount: _count, toolCalls, ...rest } = s;
  return { ...rest, toolCalls: toolCalls.map(({ argsText: _text, ...call }) => call) };
}

describe('the table', () => {
  it('has one entry per adapter of src/providers/adapters.ts with a wire, in its order, each with fixtures', () => {
    const wired = adapters.filter((a) => a.replay !== undefined);
    expect(wired.length).toBeGreaterThanOrEqual(adapters.length - 1); // only the in-process local model has none
    expect(providers.map((p) => p.name)).toEqual(wired.map((a) => a.name));
    expect(providers.map((p) => p.format)).toEqual(wired.map((a) => a.replay!.format));
    for (const entry of providers) expect(casesOf(entry).length).toBeGreaterThan(0);
  });

  it('an adapter without expectations fails the suite, naming it and what to add', () => {
    expect(() => entryOf({ ...openaiAdapter, name: 'newcomer' })).toThrow(/no expectations for the adapter 'newcomer'.*add its fixture folders/);
  });
});

describe.concurrent.each(providers)('$name', (entry) => {
  let server: ReplayServer;
  let connection: Connection;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ server, connection, close } = await serve(entry));
  });
  afterAll(() => close());

  const cases = casesOf(entry);
  /** Cases whose first half does not yet end the response: a fault can go in there. */
  const midStream = cases.filter((c) => {
    const m = entry.map(c, half(c));
    return !m.done && m.error === undefined;
  });
  /** Cases with a non-streaming equivalent (not an error, not a tool call cut off mid-JSON). */
  const wholes = cases.flatMap((c) => {
    if (c.expect.error !== null) return [];
    try {
      return [{ c, body: entry.nonStreamBody(c) }];
    } catch {
      return [];
    }
  });

  it.each(cases)('$id: text, reasoning, tool calls, usage and finish as recorded', { concurrent: false }, async (c) => {
    server.reply(streamReply(c, { chunking: 'random', seed: c.events.length }));
    const r = await run(connection.source(c));
    const x = c.expect;
    const mapped = entry.map(c);
    expect(r.deltas).toEqual(mapped.deltas);
    const s = x.error === null ? snapshotOf(r.deltas)! : (r.error as RxllmError).partial!;
    if (x.error === null) {
      expect(r.error).toBeUndefined();
      expect(r.completed).toBe(true);
      expect(s.finishRaw).toBe(x.finishReason);
      expect(s.finishReason).toBe(expectedFinish(x.finishReason!, x.toolCalls.length > 0));
    } else {
      expect(r.error).toBeInstanceOf(ProviderError);
      expect(r.error).toMatchObject({ provider: entry.provider, code: x.error });
      expect(s).toEqual(snapshotOf(r.deltas));
      expect(s.finishReason).toBeUndefined();
    }
    expect(s.provider).toBe(entry.provider);
    expect(s.text).toBe(x.text);
    expect(s.reasoning).toBe(x.reasoning);
    expect(s.toolCalls.map((t) => ({ name: t.name, args: t.args, complete: t.complete }))).toEqual(
      x.toolCalls.map((t) => ({ name: t.name, args: parsed(t.arguments), complete: true })),
    );
    for (const [i, call] of x.toolCalls.entries()) {
      if (call.id !== undefined) expect(s.toolCalls[i]!.id).toBe(call.id);
      if (parsed(call.arguments) === undefined) expect(s.toolCalls[i]).toMatchObject({ argsText: call.arguments, argsError: expect.any(String) });
    }
    expect(s.toolCalls.map((t) => t.index)).toEqual(s.toolCalls.map((_, i) => i));
    expect(s.usage !== undefined).toBe(wireHasUsage(c));
    expectDeltaRules(r.deltas, entry.provider, x.error === null);
    if (x.signatures !== undefined) expect(r.deltas.filter((d) => d.type === 'reasoning' && d.signature !== undefined)).toHaveLength(x.signatures);
  });

  it.each(midStream)('$id: a connection dropped mid-stream is a StreamTruncatedError with what had arrived', { concurrent: false }, async (c) => {
    const n = half(c);
    server.reply(streamReply(c, { fault: { kind: 'drop', afterEvents: n } }));
    const r = await run(connection.source(c));
    expect(r.error).toBeInstanceOf(StreamTruncatedError);
    expect(r.error).toMatchObject({ provider: entry.provider });
    expect((r.error as StreamTruncatedError).partial).toEqual(snapshotOf(entry.map(c, n).deltas));
    await server.waitForSocketsClosed(1_500);
  });

  it.each(midStream)('$id: an error event mid-stream is a ProviderError with what had arrived', { concurrent: false }, async (c) => {
    const n = half(c);
    server.reply(streamReply(c, { fault: { kind: 'error-event', afterEvents: n } }));
    const r = await run(connection.source(c));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ provider: entry.provider, ...entry.errorEvent, retryable: true });
    expect((r.error as ProviderError).partial).toEqual(snapshotOf(entry.map(c, n).deltas));
    await server.waitForSocketsClosed(1_500);
  });

  it.each(midStream.filter((c) => entry.map(c, half(c)).deltas.length > 0))(
    '$id: unsubscribing mid-stream closes the connection within 100 ms',
    { concurrent: false },
    async (c) => {
      const n = half(c);
      const expected = entry.map(c, n).deltas;
      server.reply(streamReply(c, { fault: { kind: 'stall', afterEvents: n } }));
      const { deltas } = await unsubscribeAfter(connection.source(c), expected.length);
      expect(deltas).toEqual(expected);
      await server.waitForSocketsClosed(100);
    },
  );

  it.each(wholes)('$c.id: stream: false gives the streamed snapshot, deltas in the stream’s order', { concurrent: false }, async ({ c, body }) => {
    server.reply(streamReply(c));
    const streamed = await run(connection.source(c));
    server.reply({ kind: 'json', body });
    const whole = await run(connection.source(c, { stream: false }));
    expect(whole.error).toBeUndefined();
    expect(whole.completed).toBe(true);
    expect(comparable(snapshotOf(whole.deltas)!)).toEqual(comparable(snapshotOf(streamed.deltas)!));
    expectDeltaRules(whole.deltas, entry.provider, true);
    expect(contentOrder(whole.deltas)).toEqual(contentOrder(streamed.deltas));
    expect(usageOrder(whole.deltas)).toEqual(usageOrder(streamed.deltas));
  });
});

/** `deltas` through `operator`, all outputs. */
function through<T>(deltas: readonly Delta[], operator: OperatorFunction<Delta, T>): Promise<T[]> {
  return lastValueFrom(from(deltas).pipe(operator, toArray()));
}

describe.each(providers)('operators on $name deltas', (entry) => {
  const finished = casesOf(entry).filter((c) => c.expect.error === null);

  it.each(finished)('$id: bufferTokens, splitReasoning, toolCalls and toChatCompletionChunks keep everything, signatures too', async (c) => {
    const { deltas } = entry.map(c);
    const snapshot = snapshotOf(deltas)!;
    const signatures = deltas.filter((d) => d.type === 'reasoning' && d.signature !== undefined).length;

    // bufferTokens joins fragments: the same snapshot, a signature still ending its group
    const buffered = await through(deltas, bufferTokens(4));
    expect({ ...snapshotOf(buffered)!, deltaCount: 0 }).toEqual({ ...snapshot, deltaCount: 0 });
    expect(buffered.filter((d) => d.type === 'reasoning' && d.signature !== undefined)).toHaveLength(signatures);

    // splitReasoning leaves a provider's own reasoning (and text without tags) as it is
    expect(await through(deltas, splitReasoning())).toEqual(deltas);

    // toolCalls: the calls the snapshot has, none lost to a reasoning delta in between
    const calls = await through(deltas, toolCalls());
    expect(calls.map(({ index, id, name, args }) => ({ index, id, name, args }))).toEqual(
      snapshot.toolCalls.map(({ index, id, name, args }) => ({ index, id, name, args })),
    );

    // the OpenAI wire has no place for a signature: its delta sends no chunk, nothing empty goes out
    const chunks = await through(deltas, toChatCompletionChunks({ model: 'm', id: 'chatcmpl-1', created: 0 }));
    const sent = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
    expect(sent.every((d) => d.reasoning_content === undefined || d.reasoning_content !== '')).toBe(true);
    expect(sent.map((d) => d.reasoning_content ?? '').join('')).toBe(snapshot.reasoning);
    expect(sent.map((d) => d.content ?? '').join('')).toBe(snapshot.text);
  });
});
