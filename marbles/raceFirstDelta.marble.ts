import { mergeMap, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { raceFirstDelta } from '../src/operators/raceFirstDelta.ts';
import { fakeSource, finishDelta, metadataDelta, reasoningDelta, snapshotOf, textDelta, usageDelta } from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
const n = metadataDelta('anthropic', 'msg_1', 'claude-sonnet-4-5');
const a = textDelta('Hel');
const b = textDelta('lo');
const r = reasoningDelta('hmm');
const u = usageDelta({ inputTokens: 12 });
const f = finishDelta('stop');
const values: Record<string, Delta> = { m, n, a, b, r, u, f };

const overloaded = new ProviderError('anthropic request failed with HTTP 529', { provider: 'anthropic', status: 529, retryable: true });
const rateLimited = new ProviderError('openai request failed with HTTP 429', { provider: 'openai', status: 429, retryable: true });

describe('raceFirstDelta', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('never starts the next source when the first produces content within hedgeAfter', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m-a----b-(f|)', values);
      const s1 = cold('-n-a|', values);
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 5 })).toBe('---(ma)-b-(f|)', values);
      expectSubscriptions(s0.subscriptions).toBe('^---------!');
      expectSubscriptions(s1.subscriptions).toBe([]);
    });
  });

  it("hedges a stalled source after hedgeAfter ms, releasing it at the winner's first content", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m-----------', values);
      const s1 = cold('   -n-a---b|', values);
      const expected = '------(na)b|';
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 3 })).toBe(expected, values);
      expectSubscriptions(s0.subscriptions).toBe('^-----!');
      expectSubscriptions(s1.subscriptions).toBe('---^-------!');
    });
  });

  it('starts each next source hedgeAfter ms after the previous one and releases every loser', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m-------', values);
      const s1 = cold('  -n------', values);
      const s2 = cold('    -a|', values);
      expectObservable(raceFirstDelta([s0, s1, s2], { hedgeAfter: 2 })).toBe('-----a|', values);
      expectSubscriptions(s0.subscriptions).toBe('^----!');
      expectSubscriptions(s1.subscriptions).toBe('--^--!');
      expectSubscriptions(s2.subscriptions).toBe('----^-!');
    });
  });

  it('lets an earlier source win after a hedge started', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('----r-a|', values);
      const s1 = cold('   --a|', values);
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 3 })).toBe('----r-a|', values);
      expectSubscriptions(s0.subscriptions).toBe('^------!');
      expectSubscriptions(s1.subscriptions).toBe('---^!');
    });
  });

  it('drops a source that errors before content and starts the next one at once', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m#', values, rateLimited);
      const s1 = cold('  -n-(a|)', values);
      const s2 = cold('a|', values);
      expectObservable(raceFirstDelta([s0, s1, s2], { hedgeAfter: 10 })).toBe('-----(na|)', values);
      expectSubscriptions(s0.subscriptions).toBe('^-!');
      expectSubscriptions(s1.subscriptions).toBe('--^--!');
      expectSubscriptions(s2.subscriptions).toBe([]);
    });
  });

  it('keeps racing the others when one contender fails', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('------a|', values);
      const s1 = cold('  -#', values, overloaded);
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 2 })).toBe('------a|', values);
      expectSubscriptions(s0.subscriptions).toBe('^------!');
      expectSubscriptions(s1.subscriptions).toBe('--^!');
    });
  });

  it('errors with the last error when every source failed before content', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('------#', values, rateLimited);
      const s1 = cold('  -#', values, overloaded);
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 2 })).toBe('------#', values, rateLimited);
      expectSubscriptions(s0.subscriptions).toBe('^-----!');
      expectSubscriptions(s1.subscriptions).toBe('--^!');
    });
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m#', values, rateLimited);
      const s1 = cold('  --#', values, overloaded);
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 5 })).toBe('----#', values, overloaded);
      expectSubscriptions(s0.subscriptions).toBe('^-!');
      expectSubscriptions(s1.subscriptions).toBe('--^-!');
    });
  });

  it("passes the winner's error after content unchanged, without switching", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new StreamTruncatedError('cut', { provider: 'openai', partial: snapshotOf([a]) });
      const s0 = cold('-a---#', values, error);
      const s1 = cold('-b|', values);
      const expectedError = new StreamTruncatedError('cut', { provider: 'openai', partial: snapshotOf([a]) });
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 2 })).toBe('-a---#', values, expectedError);
      expectSubscriptions(s0.subscriptions).toBe('^----!');
      expectSubscriptions(s1.subscriptions).toBe([]);
    });
  });

  it('lets a source that completes without content win', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m-------a|', values);
      const s1 = cold('  -(uf|)', values);
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 2 })).toBe('---(uf|)', values);
      expectSubscriptions(s0.subscriptions).toBe('^--!');
      expectSubscriptions(s1.subscriptions).toBe('--^!');
    });
  });

  it('completes with an empty source and stays silent with one that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      const never = cold<Delta>('-');
      expectObservable(raceFirstDelta([empty], { hedgeAfter: 2 })).toBe('|');
      expectObservable(raceFirstDelta([never], { hedgeAfter: 2 })).toBe('-');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^');
    });
  });

  it('throws a TypeError for no sources, a bad hedgeAfter or a source that is not observable', () => {
    testScheduler.run(({ cold, expectSubscriptions }) => {
      const s0 = cold('-a|', values);
      expect(() => raceFirstDelta([], { hedgeAfter: 1 })).toThrow(TypeError);
      expect(() => raceFirstDelta([s0], { hedgeAfter: -1 })).toThrow(TypeError);
      expect(() => raceFirstDelta([s0], { hedgeAfter: Number.NaN })).toThrow(TypeError);
      expect(() => raceFirstDelta([s0, null as never], { hedgeAfter: 1 })).toThrow(TypeError);
      expectSubscriptions(s0.subscriptions).toBe([]);
    });
  });

  it('releases every running source and starts no more after an early unsubscribe', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m--------', values);
      const s1 = cold('  -n-------', values);
      const s2 = cold('a|', values);
      const unsub = '  ---!';
      expectObservable(raceFirstDelta([s0, s1, s2], { hedgeAfter: 2 }), unsub).toBe('-----', values);
      expectSubscriptions(s0.subscriptions).toBe('^--!');
      expectSubscriptions(s1.subscriptions).toBe('--^!');
      expectSubscriptions(s2.subscriptions).toBe([]);
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('-m--------', values);
      const s1 = cold('  -a-b----', values);
      const unsub = '  -----!';
      const result = raceFirstDelta([s0.pipe(mergeMap((x) => of(x))), s1.pipe(mergeMap((x) => of(x)))], { hedgeAfter: 2 }).pipe(
        mergeMap((x) => of(x)),
      );
      expectObservable(result, unsub).toBe('---a--', values);
      expectSubscriptions(s0.subscriptions).toBe('^--!');
      expectSubscriptions(s1.subscriptions).toBe('--^--!');
    });
  });

  it('stops a synchronous winner when a downstream take unsubscribes, starting no other source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const s0 = cold('(mab|)', values);
      const s1 = cold('(nab|)', values);
      expectObservable(raceFirstDelta([s0, s1], { hedgeAfter: 0 }).pipe(take(2))).toBe('(ma|)', values);
      expectSubscriptions(s0.subscriptions).toBe('(^!)');
      expectSubscriptions(s1.subscriptions).toBe([]);
    });
    const failing = fakeSource([m], { errorAfter: 1, error: rateLimited });
    const winner = fakeSource([n, a, b, f]);
    const never = fakeSource([a]);
    const seen: Delta[] = [];
    raceFirstDelta([failing, winner, never], { hedgeAfter: 0 })
      .pipe(take(2))
      .subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([n, a]);
    expect([failing.requests, winner.requests, winner.active, winner.aborted, never.requests]).toStrictEqual([1, 1, 0, 1, 0]);
  });
});
