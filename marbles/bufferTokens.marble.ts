import { mergeMap, of, type SchedulerLike, type Subscription, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { StreamTruncatedError } from '../src/core/errors.ts';
import { bufferTokens } from '../src/operators/bufferTokens.ts';
import {
  deltaMarbles,
  deltaValues,
  fakeSource,
  finishDelta,
  reasoningDelta,
  textDeltas,
  toolCallStart,
  usageDelta,
} from '../src/testing/index.ts';

const u = usageDelta({ outputTokens: 4 });
const f = finishDelta('stop');

describe('bufferTokens', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('emits one delta per `size` text fragments, flushes before another delta type and on complete', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-c-u-d-|', { a: 'Hel', b: 'lo', c: ' wor', d: 'ld', u });
      const subs = '                         ^----------!';
      const expected = '                     ---B---(cu)(d|)';
      helpers.expectObservable(source.pipe(bufferTokens(2))).toBe(expected, deltaValues({ B: 'Hello', c: ' wor', u, d: 'ld' }));
      helpers.expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes each delta on as the same object with size 1', () => {
    const input = textDeltas('Hel', 'lo');
    const out: Delta[] = [];
    fakeSource(input).pipe(bufferTokens(1)).subscribe((d) => out.push(d));
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(input[0]);
    expect(out[1]).toBe(input[1]);
  });

  it('completes without a value on an empty source', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '|');
      helpers.expectObservable(source.pipe(bufferTokens({ size: 3, maxDelay: 5 }))).toBe('|');
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('emits nothing and stays subscribed on a source that never emits', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-');
      helpers.expectObservable(source.pipe(bufferTokens({ size: 3, maxDelay: 5 }))).toBe('-');
      helpers.expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('flushes what it holds before passing a source error on', () => {
    testScheduler.run((helpers) => {
      const error = new StreamTruncatedError('the body ended', { provider: 'openai' });
      const source = deltaMarbles(helpers, '-a-b-c-#', { a: 'Hel', b: 'lo', c: ' wor' }, error);
      const expected = '                     ---B---(c#)';
      helpers.expectObservable(source.pipe(bufferTokens(2))).toBe(
        expected,
        deltaValues({ B: 'Hello', c: ' wor' }),
        new StreamTruncatedError('the body ended', { provider: 'openai' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('throws a RangeError at call time for a size below 1 or a bad maxDelay', () => {
    expect(() => bufferTokens(0)).toThrow(RangeError);
    expect(() => bufferTokens({ maxDelay: -1 })).toThrow(RangeError);
    expect(() => bufferTokens({ maxDelay: Infinity })).toThrow(RangeError);
  });

  // bufferTokens takes no callback: no user code can throw inside it.

  it('emits `maxDelay` ms after the first held fragment', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-------c-|', { a: 'Hel', b: 'lo', c: '!' });
      const expected = '                     -----B-------(c|)';
      helpers.expectObservable(source.pipe(bufferTokens({ maxDelay: 4 }))).toBe(expected, deltaValues({ B: 'Hello', c: '!' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^------------!');
    });
  });

  it('emits on whichever of size and maxDelay comes first', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-abc-d------|', { a: 'a', b: 'b', c: 'c', d: 'd' });
      const expected = '                     ---C----D---|';
      helpers.expectObservable(source.pipe(bufferTokens({ size: 3, maxDelay: 3 }))).toBe(expected, deltaValues({ C: 'abc', D: 'd' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
  });

  it('keeps counting maxDelay from the first fragment of each group when size emitted the one before', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-abcd----|');
      const expected = '                     ---C----D|';
      helpers.expectObservable(source.pipe(bufferTokens({ size: 3, maxDelay: 4 }))).toBe(expected, deltaValues({ C: 'abc', D: 'd' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it("with only boundary 'word', emits whole words as soon as they are complete", () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-c-d-|', { a: 'Hel', b: 'lo wo', c: 'rld ', d: 'and' });
      const expected = '                     ---B-C---(d|)';
      helpers.expectObservable(source.pipe(bufferTokens({ boundary: 'word' }))).toBe(
        expected,
        deltaValues({ B: 'Hello ', C: 'world ', d: 'and' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it("with boundary 'line', a size trigger emits up to the last line end and holds the rest", () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-abcd|', { a: '# Ti', b: 'tle\n\nSo', c: 'me', d: ' text\nmo' });
      const expected = '                     --B-D(m|)';
      helpers.expectObservable(source.pipe(bufferTokens({ size: 2, boundary: 'line' }))).toBe(
        expected,
        deltaValues({ B: '# Title\n\n', D: 'Some text\n', m: 'mo' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('with a RegExp boundary, cuts after its last match, also one split across fragments', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-abc-|', { a: 'One. Tw', b: 'o!', c: ' Three' });
      const expected = '                     -A-C-(T|)';
      helpers.expectObservable(source.pipe(bufferTokens({ boundary: /[.!?]\s+/ }))).toBe(
        expected,
        deltaValues({ A: 'One. ', C: 'Two! ', T: 'Three' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('after maxDelay passed without a boundary, emits at the next fragment that brings one', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a---------b--c----|', { a: 'Hel', b: 'lo wo', c: 'rld' });
      const expected = '                     -----------B-------(c|)';
      helpers.expectObservable(source.pipe(bufferTokens({ maxDelay: 3, boundary: 'word' }))).toBe(
        expected,
        deltaValues({ B: 'Hello ', c: 'world' }),
      );
      helpers.expectSubscriptions(source.subscriptions).toBe('^------------------!');
    });
  });

  it('coalesces reasoning apart from text, and a signature ends the group and survives', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-abxyz--cd|', {
        a: reasoningDelta('Let '),
        b: reasoningDelta('me '),
        x: reasoningDelta('think', { signature: 'sig-1' }),
        y: reasoningDelta('More'),
        z: reasoningDelta('encrypted', { redacted: true }),
        c: 'Hi',
        d: ' there',
      });
      const expected = '                     ---X-(yz)-(D|)';
      helpers.expectObservable(source.pipe(bufferTokens(10))).toBe(expected, {
        X: reasoningDelta('Let me think', { signature: 'sig-1' }),
        y: reasoningDelta('More'),
        z: reasoningDelta('encrypted', { redacted: true }),
        D: { type: 'text', text: 'Hi there' },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('flushes text before reasoning and reasoning before text, keeping the order', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-abcd-|', { a: 'x', b: reasoningDelta('r'), c: reasoningDelta('s'), d: 'y' });
      const expected = '                     --a-R-(y|)';
      helpers.expectObservable(source.pipe(bufferTokens(5))).toBe(expected, {
        a: { type: 'text', text: 'x' },
        R: reasoningDelta('rs'),
        y: { type: 'text', text: 'y' },
      });
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('on early unsubscribe releases the source, cancels the pending maxDelay action and emits nothing held', () => {
    const scheduled: Subscription[] = [];
    testScheduler.run((helpers) => {
      const recording: SchedulerLike = {
        now: () => testScheduler.now(),
        schedule(work: any, delay?: number, state?: any) {
          const action = testScheduler.schedule(work, delay, state);
          scheduled.push(action);
          return action;
        },
      };
      const source = deltaMarbles(helpers, '-a-b-----c-|', { a: 'Hel', b: 'lo', c: '!' });
      const unsub = '                         ----!';
      helpers.expectObservable(source.pipe(bufferTokens({ maxDelay: 6, scheduler: recording })), unsub).toBe('-----');
      helpers.expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.closed).toBe(true);
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '-a-b-c-d-|', { a: 'a', b: 'b', c: 'c', d: 'd' });
      const unsub = '                         ------!';
      const result = source.pipe(
        mergeMap((x) => of(x)),
        bufferTokens(2),
        mergeMap((x) => of(x)),
      );
      helpers.expectObservable(result, unsub).toBe('---B---', deltaValues({ B: 'ab' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('stops a synchronous source when take() has what it needs', () => {
    testScheduler.run((helpers) => {
      const source = deltaMarbles(helpers, '(abcdef|)');
      helpers.expectObservable(source.pipe(bufferTokens(2), take(2))).toBe('(AB|)', deltaValues({ A: 'ab', B: 'cd' }));
      helpers.expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('stops a source that emits in a synchronous loop as soon as take() unsubscribes', () => {
    const source = fakeSource([...textDeltas('a', 'b', 'c', 'd', 'e'), toolCallStart(0, 'c1', 'f'), f]);
    const out: Delta[] = [];
    source.pipe(bufferTokens(2), take(1)).subscribe((d) => out.push(d));
    expect(out).toStrictEqual([{ type: 'text', text: 'ab' }]);
    expect({ requests: source.requests, active: source.active, aborted: source.aborted }).toEqual({ requests: 1, active: 0, aborted: 1 });
  });
});
