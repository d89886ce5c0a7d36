import { mergeMap, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError } from '../src/core/errors.ts';
import { splitReasoning } from '../src/operators/splitReasoning.ts';
import {
  deltaMarbles,
  deltaValues,
  fakeSource,
  finishDelta,
  metadataDelta,
  reasoningDelta,
  textDelta,
  textDeltas,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const r = reasoningDelta;
const u = usageDelta({ outputTokens: 3 });
const f = finishDelta('stop');

describe('splitReasoning', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('moves the text between the tags into reasoning, recognising tags split across deltas', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a--b--c-|', { a: 'Hi <thi', b: 'nk>hm</think', c: '>ok' });
      const subs = '                       ^--------!';
      const expected = '                   -a--r--c-|';
      helpers.expectObservable(source.pipe(splitReasoning())).toBe(expected, deltaValues({ a: 'Hi ', r: r('hm'), c: 'ok' }));
      helpers.expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('handles a section at the very start and several sections in one delta', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a------|', { a: '<think>one</think>A<think>two</think>B' });
      helpers.expectObservable(source.pipe(splitReasoning())).toBe(
        '-(wxyz)-|',
        deltaValues({ w: r('one'), x: 'A', y: r('two'), z: 'B' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('passes text without a tag on as the same object, and makes reasoning of it inside a section', () => {
    const input = [textDelta('plain'), textDelta('a < b'), textDelta('<think>'), textDelta('deep'), textDelta('</think>')];
    const out: Delta[] = [];
    fakeSource(input).pipe(splitReasoning()).subscribe((d) => out.push(d));
    expect(out[0]).toBe(input[0]);
    expect(out[1]).toBe(input[1]);
    expect(out.slice(2)).toStrictEqual([r('deep')]);
  });

  it('starts inside a section with startInReasoning', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b----|', { a: 'thinking', b: ' done</think>Answer' });
      helpers.expectObservable(source.pipe(splitReasoning({ startInReasoning: true }))).toBe(
        '-a-(bc)-|',
        deltaValues({ a: r('thinking'), b: r(' done'), c: 'Answer' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('uses the given tags', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a----b-|', { a: 'x<thinking>y</thin', b: 'king>z' });
      helpers.expectObservable(source.pipe(splitReasoning({ open: '<thinking>', close: '</thinking>' }))).toBe(
        '-(xy)-z-|',
        deltaValues({ x: 'x', y: r('y'), z: 'z' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('holds only a possible tag prefix and releases it as soon as it cannot become the tag', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-c-|', { a: 'a <', b: 'thin', c: 'g>' });
      helpers.expectObservable(source.pipe(splitReasoning())).toBe('-a---c-|', deltaValues({ a: 'a ', c: '<thing>' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('emits a held suffix as what it was at complete: text outside, reasoning in an unclosed section', () => {
    testScheduler.run((helpers) => {
      const outside = deltaMarbles(helpers, '-a-|', { a: 'x <th' });
      const unclosed = deltaMarbles(helpers, '-a-b-|', { a: '<think>abc', b: '</thi' });
      helpers.expectObservable(outside.pipe(splitReasoning())).toBe('-a-(h|)', deltaValues({ a: 'x ', h: '<th' }));
      helpers.expectObservable(unclosed.pipe(splitReasoning())).toBe('-a---(h|)', deltaValues({ a: r('abc'), h: r('</thi') }));
      helpers.expectSubscriptions(outside.subscriptions).toBe('^--!');
      helpers.expectSubscriptions(unclosed.subscriptions).toBe('^----!');
    });
  });

  it('completes without a value on an empty source', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '|');
      helpers.expectObservable(source.pipe(splitReasoning())).toBe('|');
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('emits nothing and stays subscribed on a source that never emits', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-');
      helpers.expectObservable(source.pipe(splitReasoning())).toBe('-');
      helpers.expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('emits the held suffix before passing a source error on', () => {
    testScheduler.run((helpers) => {
      const error = new ProviderError('overloaded', { provider: 'anthropic', retryable: true });
      const source = deltaMarbles(helpers, '-a-#', { a: 'ok <thi' }, error);
      helpers.expectObservable(source.pipe(splitReasoning())).toBe(
        '-a-(h#)',
        deltaValues({ a: 'ok ', h: '<thi' }),
        new ProviderError('overloaded', { provider: 'anthropic', retryable: true }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('throws a TypeError at call time for an empty tag', () => {
    expect(() => splitReasoning({ open: '' })).toThrow(TypeError);
    expect(() => splitReasoning({ close: '' })).toThrow(TypeError);
  });

  // splitReasoning takes no callback: no user code can throw inside it.

  it('emits held characters before content and finish deltas, keeping the order', () => {
    testScheduler.run((helpers) => {
      const t = toolCallStart(0, 'call_1', 'search');
      const p = r('native');
      const source = deltaMarbles(helpers, '-a-t---b-p---c-f---|', { a: 'x<', t, b: '<think', p, c: 'y<', f });
      helpers.expectObservable(source.pipe(splitReasoning())).toBe(
        '-a-(ht)--(Bp)c-(Cf)|',
        { a: textDelta('x'), h: textDelta('<'), t, B: textDelta('<think'), p, c: textDelta('y'), C: textDelta('<'), f },
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^------------------!');
    });
  });

  it('lets metadata and usage pass without releasing held characters, so a tag split around them is recognised', () => {
    testScheduler.run((helpers) => {
      const m = metadataDelta('google', undefined, 'gemini-2.5-flash');
      const source = deltaMarbles(helpers, '-m-a-u-b-u-c---|', { m, a: 'A <th', u, b: 'ink>', c: 'R</think>B' });
      helpers.expectObservable(source.pipe(splitReasoning())).toBe(
        '-m-a-u---u-(RB)|',
        { m, a: textDelta('A '), u, R: r('R'), B: textDelta('B') },
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^--------------!');
    });
  });

  it('releases the source on early unsubscribe', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-c-|', { a: 'x<thi', b: 'nk>y', c: 'z' });
      const unsub = '                       ---!';
      helpers.expectObservable(source.pipe(splitReasoning()), unsub).toBe('-a-', deltaValues({ a: 'x' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-c-|', { a: 'x<thi', b: 'nk>y', c: 'z' });
      const unsub = '                       ----!';
      const result = source.pipe(
        mergeMap((x) => of(x)),
        splitReasoning(),
        mergeMap((x) => of(x)),
      );
      helpers.expectObservable(result, unsub).toBe('-a-b', deltaValues({ a: 'x', b: r('y') }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('stops a synchronous source when take() has what it needs', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '(abc|)', { a: 'x<think>y', b: 'z', c: '</think>' });
      helpers.expectObservable(source.pipe(splitReasoning(), take(2))).toBe('(xy|)', deltaValues({ x: 'x', y: r('y') }));
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('stops a source that emits in a synchronous loop as soon as take() unsubscribes', () => {
    const source = fakeSource(textDeltas('a<think>b</think>c', 'd', 'e', 'f'));
    const out: Delta[] = [];
    source.pipe(splitReasoning(), take(2)).subscribe((d) => out.push(d));
    expect(out).toStrictEqual([textDelta('a'), r('b')]);
    expect({ requests: source.requests, active: source.active, aborted: source.aborted }).toEqual({ requests: 1, active: 0, aborted: 1 });
  });
});
