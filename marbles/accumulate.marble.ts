import { mergeMap, of, repeat, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot, ToolCallSnapshot } from '../src/core/delta.ts';
import { ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import {
  deltaMarbles,
  fakeSource,
  finishDelta,
  metadataDelta,
  reasoningDelta,
  textDelta,
  textDeltas,
  toolCallArgs,
  toolCallEnd,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
const a = textDelta('Hel');
const b = textDelta('lo');
const u = usageDelta({ inputTokens: 12, outputTokens: 2 });
const f = finishDelta('stop', 'stop');
const values = { m, a, b, u, f };

/** A snapshot written out by hand: the spec does not build its expectations with accumulate's code. */
function snap(fields: Partial<Snapshot> & { deltaCount: number }): Snapshot {
  return { text: '', reasoning: '', toolCalls: [], ...fields };
}
function call(index: number, id: string, name: string, argsText: string, end?: { args?: unknown; argsError?: string }): ToolCallSnapshot {
  return end === undefined ? { index, id, name, argsText, complete: false } : { index, id, name, argsText, complete: true, ...end };
}
const meta = { provider: 'openai', id: 'chatcmpl-1', model: 'gpt-4o' };

describe('accumulate', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('emits the response so far after every delta, then completes', () => {
    testScheduler.run((helpers) => {
      const { expectObservable, expectSubscriptions } = helpers;
      const source = deltaMarbles(helpers, '-m-a-b-(uf|)', values);
      const subs = '                         ^------!';
      const expected = '                     -M-A-B-(UF|)';
      expectObservable(source.pipe(accumulate())).toBe(expected, {
        M: snap({ ...meta, deltaCount: 1 }),
        A: snap({ ...meta, text: 'Hel', deltaCount: 2 }),
        B: snap({ ...meta, text: 'Hello', deltaCount: 3 }),
        U: snap({ ...meta, text: 'Hello', usage: { inputTokens: 12, outputTokens: 2 }, deltaCount: 4 }),
        F: snap({ ...meta, text: 'Hello', usage: { inputTokens: 12, outputTokens: 2 }, finishReason: 'stop', finishRaw: 'stop', deltaCount: 5 }),
      });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('completes without a value on an empty source', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '|');
      helpers.expectObservable(source.pipe(accumulate())).toBe('|');
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('emits nothing and stays subscribed on a source that never emits', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-');
      helpers.expectObservable(source.pipe(accumulate())).toBe('-');
      helpers.expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('passes an error on unchanged: it never writes into an error it did not make', () => {
    testScheduler.run((helpers) => {
      const thrown = new StreamTruncatedError('the body ended', { provider: 'openai' });
      const source = deltaMarbles(helpers, '-a-b-#', values, thrown);
      const seen: unknown[] = [];
      source.pipe(accumulate()).subscribe({ error: (e: unknown) => seen.push(e) });
      helpers.expectObservable(source.pipe(accumulate())).toBe(
        '-A-B-#',
        { A: snap({ text: 'Hel', deltaCount: 1 }), B: snap({ text: 'Hello', deltaCount: 2 }) },
        new StreamTruncatedError('the body ended', { provider: 'openai' }),
      );
      helpers.flush();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBe(thrown);
      expect(thrown.partial).toBeUndefined();
      helpers.expectSubscriptions(source.subscriptions).toBe(['^----!', '^----!']);
    });
  });

  it('keeps a `partial` the error already carries, and leaves it unset when nothing had arrived', () => {
    testScheduler.run((helpers) => {
      const carried = snap({ text: 'from the source', deltaCount: 9 });
      const withPartial = deltaMarbles(helpers, '-a-#', values, new ProviderError('overloaded', { provider: 'anthropic', retryable: true, partial: carried }));
      const beforeAny = deltaMarbles(helpers, '--#', values, new ProviderError('rate limited', { provider: 'openai', status: 429, retryable: true }));
      helpers.expectObservable(withPartial.pipe(accumulate())).toBe(
        '-A-#',
        { A: snap({ text: 'Hel', deltaCount: 1 }) },
        new ProviderError('overloaded', { provider: 'anthropic', retryable: true, partial: carried }),
      );
      helpers.expectObservable(beforeAny.pipe(accumulate())).toBe(
        '--#',
        undefined,
        new ProviderError('rate limited', { provider: 'openai', status: 429, retryable: true }),
      );
      helpers.expectSubscriptions(withPartial.subscriptions).toBe('^--!');
      helpers.expectSubscriptions(beforeAny.subscriptions).toBe('^-!');
    });
  });

  it('passes an error that is not an RxllmError through unchanged', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-#', values, new TypeError('fetch failed'));
      helpers.expectObservable(source.pipe(accumulate())).toBe('-A-#', { A: snap({ text: 'Hel', deltaCount: 1 }) }, new TypeError('fetch failed'));
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  // accumulate takes no callback, so there is no user code whose throw it could route to `error`.

  it('releases the source on early unsubscribe', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-u-f-|', values);
      const unsub = '                       ----!';
      helpers.expectObservable(source.pipe(accumulate()), unsub).toBe('-A-B', {
        A: snap({ text: 'Hel', deltaCount: 1 }),
        B: snap({ text: 'Hello', deltaCount: 2 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-u-f-|', values);
      const unsub = '                       ----!';
      const result = source.pipe(
        mergeMap((x) => of(x)),
        accumulate(),
        mergeMap((x) => of(x)),
      );
      helpers.expectObservable(result, unsub).toBe('-A-B', {
        A: snap({ text: 'Hel', deltaCount: 1 }),
        B: snap({ text: 'Hello', deltaCount: 2 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('stops a synchronous source when take() has what it needs', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '(abuf|)', values);
      helpers.expectObservable(source.pipe(accumulate(), take(2))).toBe('(AB|)', {
        A: snap({ text: 'Hel', deltaCount: 1 }),
        B: snap({ text: 'Hello', deltaCount: 2 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('stops a source that emits in a synchronous loop as soon as take() unsubscribes', () => {
    const source = fakeSource(textDeltas('a', 'b', 'c', 'd', 'e'));
    const texts: string[] = [];
    source.pipe(accumulate(), take(2)).subscribe((s) => texts.push(s.text));
    expect(texts).toEqual(['a', 'ab']);
    expect({ requests: source.requests, active: source.active, aborted: source.aborted }).toEqual({ requests: 1, active: 0, aborted: 1 });
  });

  it('starts from an empty snapshot on every resubscription', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b|', values);
      const A = snap({ text: 'Hel', deltaCount: 1 });
      const B = snap({ text: 'Hello', deltaCount: 2 });
      helpers.expectObservable(source.pipe(accumulate(), repeat(2))).toBe('-A-B-A-B|', { A, B });
      helpers.expectSubscriptions(source.subscriptions).toBe(['^---!', '----^---!']);
    });
  });

  it('keeps interleaved parallel tool calls apart by index and parses each one at its end', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-stpqxeyz|', {
        s: toolCallStart(0, 'call_a', 'get_weather'),
        t: toolCallStart(1, 'call_b', 'get_time'),
        p: toolCallArgs(0, '{"city":'),
        q: toolCallArgs(1, '{"tz":"UTC"}'),
        x: toolCallArgs(0, '"Paris"}'),
        e: toolCallEnd(1),
        y: toolCallEnd(0),
        z: finishDelta('tool-calls', 'tool_calls'),
      });
      const a0 = call(0, 'call_a', 'get_weather', '');
      const b0 = call(1, 'call_b', 'get_time', '');
      const a1 = call(0, 'call_a', 'get_weather', '{"city":');
      const b1 = call(1, 'call_b', 'get_time', '{"tz":"UTC"}');
      const a2 = call(0, 'call_a', 'get_weather', '{"city":"Paris"}');
      const b2 = call(1, 'call_b', 'get_time', '{"tz":"UTC"}', { args: { tz: 'UTC' } });
      const a3 = call(0, 'call_a', 'get_weather', '{"city":"Paris"}', { args: { city: 'Paris' } });
      helpers.expectObservable(source.pipe(accumulate())).toBe('-STPQXEYZ|', {
        S: snap({ toolCalls: [a0], deltaCount: 1 }),
        T: snap({ toolCalls: [a0, b0], deltaCount: 2 }),
        P: snap({ toolCalls: [a1, b0], deltaCount: 3 }),
        Q: snap({ toolCalls: [a1, b1], deltaCount: 4 }),
        X: snap({ toolCalls: [a2, b1], deltaCount: 5 }),
        E: snap({ toolCalls: [a2, b2], deltaCount: 6 }),
        Y: snap({ toolCalls: [a3, b2], deltaCount: 7 }),
        Z: snap({ toolCalls: [a3, b2], finishReason: 'tool-calls', finishRaw: 'tool_calls', deltaCount: 8 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('starts a new call when an index is reused after its call ended, and keeps unparsable arguments with argsError', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-spe-tqe|', {
        s: toolCallStart(0, 'call_a', 'search'),
        p: toolCallArgs(0, '{"q": "rx'),
        e: toolCallEnd(0),
        t: toolCallStart(0, 'call_b', 'search'),
        q: toolCallArgs(0, ''),
      });
      let argsError = '';
      try {
        JSON.parse('{"q": "rx');
      } catch (err) {
        argsError = (err as Error).message;
      }
      const first = call(0, 'call_a', 'search', '{"q": "rx', { argsError });
      helpers.expectObservable(source.pipe(accumulate())).toBe('-SPE-TQF|', {
        S: snap({ toolCalls: [call(0, 'call_a', 'search', '')], deltaCount: 1 }),
        P: snap({ toolCalls: [call(0, 'call_a', 'search', '{"q": "rx')], deltaCount: 2 }),
        E: snap({ toolCalls: [first], deltaCount: 3 }),
        T: snap({ toolCalls: [first, call(0, 'call_b', 'search', '')], deltaCount: 4 }),
        Q: snap({ toolCalls: [first, call(0, 'call_b', 'search', '')], deltaCount: 5 }),
        F: snap({ toolCalls: [first, call(0, 'call_b', 'search', '', { args: {} })], deltaCount: 6 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('records usage that arrives after the finish, as OpenAI sends it', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-f-u|', values);
      helpers.expectObservable(source.pipe(accumulate())).toBe('-A-F-U|', {
        A: snap({ text: 'Hel', deltaCount: 1 }),
        F: snap({ text: 'Hel', finishReason: 'stop', finishRaw: 'stop', deltaCount: 2 }),
        U: snap({ text: 'Hel', finishReason: 'stop', finishRaw: 'stop', usage: { inputTokens: 12, outputTokens: 2 }, deltaCount: 3 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('merges usage field by field, later values winning', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-uv|', {
        u: usageDelta({ inputTokens: 12, outputTokens: 1 }),
        v: usageDelta({ outputTokens: 5, reasoningTokens: 3 }),
      });
      helpers.expectObservable(source.pipe(accumulate())).toBe('-UV|', {
        U: snap({ usage: { inputTokens: 12, outputTokens: 1 }, deltaCount: 1 }),
        V: snap({ usage: { inputTokens: 12, outputTokens: 5, reasoningTokens: 3 }, deltaCount: 2 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('joins reasoning, keeps the last signature and redacted blocks apart', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-rsx|', {
        r: reasoningDelta('Let me '),
        s: reasoningDelta('think', { signature: 'sig-1' }),
        x: reasoningDelta('opaque', { redacted: true }),
      });
      helpers.expectObservable(source.pipe(accumulate())).toBe('-RSX|', {
        R: snap({ reasoning: 'Let me ', deltaCount: 1 }),
        S: snap({ reasoning: 'Let me think', reasoningSignature: 'sig-1', deltaCount: 2 }),
        X: snap({ reasoning: 'Let me think', reasoningSignature: 'sig-1', redactedReasoning: ['opaque'], deltaCount: 3 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('keeps a refusal apart from the text', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-nf|', { n: { type: 'refusal', text: "I can't" }, f });
      helpers.expectObservable(source.pipe(accumulate())).toBe('-NF|', {
        N: snap({ refusal: "I can't", deltaCount: 1 }),
        F: snap({ refusal: "I can't", finishReason: 'stop', finishRaw: 'stop', deltaCount: 2 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('rolls back to the empty snapshot on a reset, then accumulates the new answer', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-masxbf|', {
        m,
        a,
        s: toolCallStart(0, 'call_1', 'f'),
        x: { type: 'reset', reason: 'retry after overloaded' },
        b,
        f,
      });
      helpers.expectObservable(source.pipe(accumulate())).toBe('-MASXBF|', {
        M: snap({ ...meta, deltaCount: 1 }),
        A: snap({ ...meta, text: 'Hel', deltaCount: 2 }),
        S: snap({ ...meta, text: 'Hel', toolCalls: [call(0, 'call_1', 'f', '')], deltaCount: 3 }),
        X: snap({ deltaCount: 0 }),
        B: snap({ text: 'lo', deltaCount: 1 }),
        F: snap({ text: 'lo', finishReason: 'stop', finishRaw: 'stop', deltaCount: 2 }),
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });
});
