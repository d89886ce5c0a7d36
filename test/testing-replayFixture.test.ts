/**
 * rxllm/testing's replayFixture: real recorded streams through the real decoders, timed in
 * virtual time; and a user's pipeline (timeoutIdle + bufferTokens + accumulate) against a
 * recorded stream with a stall injected, entirely under TestScheduler.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, lastValueFrom, queueScheduler, tap, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/delta.ts';
import { IdleTimeoutError, ProviderError, RxllmError, StreamTruncatedError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { bufferTokens } from '../src/operators/bufferTokens.ts';
import { timeoutIdle } from '../src/operators/timeoutIdle.ts';
import { fromSSE } from '../src/sse/fromSSE.ts';
import { replayFixture, type RecordedEvent } from '../src/testing/index.ts';
import { listCases } from './support/fixtures.ts';

const fixture = (path: string) => fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));
const eventsOf = (path: string): RecordedEvent[] =>
  readFileSync(fixture(path), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as RecordedEvent);
const scheduler = () => new TestScheduler((a, e) => expect(a).toStrictEqual(e));

/** [frame, value] of each notification, under run(). */
function timed<T>(ts: TestScheduler, source: Observable<T>): { values: [number, T][]; end?: [number, 'complete' | unknown] } {
  const log: { values: [number, T][]; end?: [number, unknown] } = { values: [] };
  source.subscribe({
    next: (v) => log.values.push([ts.now(), v]),
    error: (e) => (log.end = [ts.now(), e]),
    complete: () => (log.end = [ts.now(), 'complete']),
  });
  return log;
}

describe('replayFixture', () => {
  it('gives the deltas fromSSE gives for the same recorded bytes (openai-text), timed by pace', async () => {
    const viaSSE = await lastValueFrom(fromSSE(new Response(readFileSync(fixture('openai-chat/text.sse')))).pipe(toArray()));
    const ts = scheduler();
    ts.run(() => {
      const log = timed(ts, replayFixture('openai-text', { pace: { first: 300, interval: 20 } }));
      ts.flush();
      expect(log.values.map(([, d]) => d)).toStrictEqual(viaSSE);
      expect(log.values[0]![0]).toBe(300); // the metadata, with the first event
      expect(log.end).toEqual([300 + 20 * 33, 'complete']); // 34 events: the last, [DONE], at 960
    });
  });

  it('replays every recorded fixture of every format to the snapshot index.json expects (paths, synchronously)', async () => {
    let cases = 0;
    for (const c of listCases('openai-chat', 'openai-compatible', 'openai-responses', 'anthropic', 'gemini', 'bedrock')) {
      if (c.expect.error !== null || c.expect.choiceTexts !== undefined) continue; // error and n>1 cases: below / not followed
      const snapshots = await lastValueFrom(replayFixture(fixture(`${c.id}.jsonl`), { scheduler: queueScheduler }).pipe(accumulate(), toArray()), { defaultValue: [] as Snapshot[] }).catch((e: unknown) => e);
      expect(snapshots, c.id).toBeInstanceOf(Array);
      const last = (snapshots as Snapshot[]).at(-1)!;
      expect({ id: c.id, text: last.text, reasoning: last.reasoning, calls: last.toolCalls.map((t) => t.name) }).toEqual({
        id: c.id,
        text: c.expect.text,
        reasoning: c.expect.reasoning,
        calls: c.expect.toolCalls.map((t) => t.name),
      });
      cases++;
    }
    expect(cases).toBeGreaterThan(15);
  });

  it('a recording cut short errors with StreamTruncatedError carrying the partial; an error event with the typed ProviderError', async () => {
    const events = eventsOf('openai-chat/text.jsonl').slice(0, 6);
    const error = await firstValueFrom(replayFixture({ events }).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamTruncatedError);
    expect((error as StreamTruncatedError).partial?.text).toBe('I\'m unable to provide real');

    const failing = listCases('openai-chat', 'anthropic', 'gemini').find((c) => c.expect.error !== null)!;
    const failure = await lastValueFrom(replayFixture({ events: failing.events }).pipe(toArray())).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
  });

  it('is cold: each subscription replays from the start, and unsubscribing stops it; an unknown name says what to do', () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const source = replayFixture({ events: eventsOf('openai-chat/text.jsonl') }, { pace: 1 }).pipe(accumulate());
      const text = (t: string) => expect.objectContaining({ text: t });
      const values = { a: text(''), b: text("I'm"), c: text("I'm unable"), d: text("I'm unable to"), e: text("I'm unable to provide") };
      expectObservable(source, '^----!').toBe('-abcd', values);
      expectObservable(source, '---^----!').toBe('----abcd', values);
    });
    expect(() => replayFixture('no-such-recording')).toThrow(RxllmError);
  });
});

describe("a user's pipeline against a real recorded stream with a stall, in virtual time", () => {
  it('timeoutIdle + bufferTokens + accumulate: the stall after event 7 raises IdleTimeoutError 2 s later, the partial answer kept, the source released', () => {
    const events = eventsOf('openai-chat/text.jsonl');
    // what had arrived before the stall, read straight off the wire events 0..7
    const before = events
      .slice(0, 8)
      .map((e) => ((e as { data: { choices: { delta: { content?: string } }[] } }).data.choices[0]?.delta.content ?? ''))
      .join('');
    const ts = scheduler();
    ts.run(() => {
      let subscribedAt: number | undefined;
      let releasedAt: number | undefined;
      const source = replayFixture('openai-text', { pace: (i) => (i === 0 ? 300 : i === 8 ? 5_000 : 20) }).pipe(
        tap({ subscribe: () => (subscribedAt = ts.now()), finalize: () => (releasedAt = ts.now()) }),
      );
      const answer = source.pipe(timeoutIdle({ first: 1_000, idle: 2_000 }), bufferTokens({ size: 12, maxDelay: 50 }), accumulate());
      const log = timed(ts, answer);
      ts.flush();

      const stallStart = 300 + 7 * 20; // event 7, the last before the stall
      const [at, error] = log.end as [number, IdleTimeoutError];
      expect(at).toBe(stallStart + 2_000);
      expect(error).toBeInstanceOf(IdleTimeoutError);
      expect({ phase: error.phase, afterMs: error.afterMs, partial: error.partial?.text }).toEqual({ phase: 'idle', afterMs: 2_000, partial: before });
      expect(log.values.at(-1)![1].text).toBe(before); // bufferTokens flushed before the error
      expect(log.values.every(([frame]) => frame <= stallStart + 50)).toBe(true); // nothing during the stall but the last flush
      expect([subscribedAt, releasedAt]).toEqual([0, stallStart + 2_000]);
    });
  });
});

describe('fakeProviderServer (rxllm/testing/server): the real SDK on loopback, with faults', () => {
  it('answers the OpenAI SDK with the recording; a drop fault gives StreamTruncatedError with the partial', async () => {
    const { fakeProviderServer } = await import('../src/testing/server.ts');
    const { default: OpenAI } = await import('openai');
    const { fromOpenAI } = await import('../src/providers/openai/index.ts');
    const server = await fakeProviderServer({ recording: 'openai-text', chunking: 'random' });
    try {
      const client = new OpenAI({ apiKey: 'test', baseURL: `${server.url}/v1`, maxRetries: 0 });
      const ask = () => lastValueFrom(fromOpenAI(client, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).pipe(accumulate()));
      expect((await ask()).text).toBe(listCases('openai-chat').find((c) => c.id === 'openai-chat/text')!.expect.text);
      server.setFault({ kind: 'drop', afterEvents: 6 });
      const error = await ask().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamTruncatedError);
      expect((error as StreamTruncatedError).partial?.text).toBe("I'm unable to provide real");
      expect(server.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    } finally {
      await server.close();
    }
  });
});
