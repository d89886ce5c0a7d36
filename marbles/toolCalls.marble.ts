import { mergeMap, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { StreamTruncatedError } from '../src/core/errors.ts';
import { toolCalls, type CompletedToolCall } from '../src/operators/toolCalls.ts';
import {
  deltaMarbles,
  fakeSource,
  finishDelta,
  textDelta,
  toolCallArgs,
  toolCallEnd,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const s = toolCallStart(0, 'call_a', 'get_weather');
const p = toolCallArgs(0, '{"city":');
const q = toolCallArgs(0, '"Paris"}');
const e = toolCallEnd(0);
const x = textDelta('Let me check.');
const u = usageDelta({ outputTokens: 20 });
const f = finishDelta('tool-calls', 'tool_calls');
const values = { s, p, q, e, x, u, f };

const weather: CompletedToolCall = { index: 0, id: 'call_a', name: 'get_weather', args: { city: 'Paris' }, argsText: '{"city":"Paris"}' };

/** JSON.parse's own message for `text`, as argsError quotes it. */
function parseMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${text} parses`);
}

describe('toolCalls', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('emits a call with parsed arguments when its tool-call-end arrives, ignoring other deltas', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-x-s-p-q-e-u-f-|', values);
      const subs = '                       ^--------------!';
      const expected = '                   ---------c-----|';
      helpers.expectObservable(source.pipe(toolCalls())).toBe(expected, { c: weather });
      helpers.expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('assembles interleaved parallel calls by index and emits them in the order they end', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-stpaqbEe-|', {
        s,
        t: toolCallStart(1, 'call_b', 'get_time'),
        p,
        a: toolCallArgs(1, '{"tz":'),
        q,
        b: toolCallArgs(1, '"UTC"}'),
        E: toolCallEnd(1),
        e,
      });
      helpers.expectObservable(source.pipe(toolCalls())).toBe('-------BA-|', {
        B: { index: 1, id: 'call_b', name: 'get_time', args: { tz: 'UTC' }, argsText: '{"tz":"UTC"}' },
        A: weather,
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('starts a new call when an index is reused after its call ended; empty arguments parse as {}', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-spqe-te|', { s, p, q, e, t: toolCallStart(0, 'call_c', 'now') });
      helpers.expectObservable(source.pipe(toolCalls())).toBe('----a--b|', {
        a: weather,
        b: { index: 0, id: 'call_c', name: 'now', args: {}, argsText: '' },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('emits a call whose arguments do not parse with argsError, and goes on', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-spe-x|', { s, p, e, x });
      helpers.expectObservable(source.pipe(toolCalls())).toBe('---c--|', {
        c: {
          index: 0,
          id: 'call_a',
          name: 'get_weather',
          args: undefined,
          argsText: '{"city":',
          argsError: `the arguments are not valid JSON (${parseMessage('{"city":')})`,
        },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('emits calls that never ended with argsError: at complete, and when a start reuses their index', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-sp-tq-|', { s, p, t: toolCallStart(0, 'call_c', 'now'), q: toolCallArgs(0, '{}') });
      helpers.expectObservable(source.pipe(toolCalls())).toBe('----a--(b|)', {
        a: {
          index: 0,
          id: 'call_a',
          name: 'get_weather',
          args: undefined,
          argsText: '{"city":',
          argsError: 'the call did not end: a new tool call started at the same index before this one ended',
        },
        b: {
          index: 0,
          id: 'call_c',
          name: 'now',
          args: undefined,
          argsText: '{}',
          argsError: 'the call did not end: the stream completed before its tool-call-end arrived',
        },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('opens a call without id and name for fragments without a start, and ignores a stray end', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-Eae-|', { E: toolCallEnd(3), a: toolCallArgs(2, '[1]'), e: toolCallEnd(2) });
      helpers.expectObservable(source.pipe(toolCalls())).toBe('---c-|', {
        c: { index: 2, id: '', name: '', args: [1], argsText: '[1]' },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('completes without a value on an empty source', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '|');
      helpers.expectObservable(source.pipe(toolCalls())).toBe('|');
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('emits nothing and stays subscribed on a source that never emits', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-');
      helpers.expectObservable(source.pipe(toolCalls())).toBe('-');
      helpers.expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('passes a source error on unchanged, emitting no open call', () => {
    testScheduler.run((helpers) => {
      const error = new StreamTruncatedError('the body ended', { provider: 'openai' });
      const source = deltaMarbles(helpers, '-sp-#', values, error);
      helpers.expectObservable(source.pipe(toolCalls())).toBe('----#', undefined, new StreamTruncatedError('the body ended', { provider: 'openai' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  // toolCalls takes no callback: no user code can throw inside it (a bad JSON is argsError, not a throw).

  it('releases the source on early unsubscribe', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-spqe-|', values);
      const unsub = '                       ---!';
      helpers.expectObservable(source.pipe(toolCalls()), unsub).toBe('---');
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-spqe-spq-|', values);
      const unsub = '                       -------!';
      const result = source.pipe(
        mergeMap((d) => of(d)),
        toolCalls(),
        mergeMap((c) => of(c)),
      );
      helpers.expectObservable(result, unsub).toBe('----c--', { c: weather });
      helpers.expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('stops a synchronous source when take() has what it needs', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '(spqespqe|)', values);
      helpers.expectObservable(source.pipe(toolCalls(), take(1))).toBe('(c|)', { c: weather });
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('stops a source that emits in a synchronous loop as soon as take() unsubscribes', () => {
    const source = fakeSource([s, p, q, e, s, p, q, e, f]);
    const out: CompletedToolCall[] = [];
    source.pipe(toolCalls(), take(1)).subscribe((c) => out.push(c));
    expect(out).toStrictEqual([weather]);
    expect({ requests: source.requests, active: source.active, aborted: source.aborted }).toEqual({ requests: 1, active: 0, aborted: 1 });
  });
});
