import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { defer, mergeMap, type Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { IdleTimeoutError, MalformedChunkError, ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { retryBeforeFirstDelta } from '../src/operators/retryBeforeFirstDelta.ts';
import { fakeSource, finishDelta, metadataDelta, snapshotOf, textDelta, usageDelta } from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-1', 'gpt-4o');
const n = metadataDelta('openai', 'chatcmpl-2', 'gpt-4o');
const a = textDelta('Hel');
const b = textDelta('lo');
const u = usageDelta({ inputTokens: 12 });
const f = finishDelta('stop');
const values: Record<string, Delta> = { m, n, a, b, u, f };

const rateLimited = new ProviderError('openai request failed with HTTP 429', { provider: 'openai', status: 429, code: 'rate_limit_exceeded', retryable: true });
const badRequest = new ProviderError('openai request failed with HTTP 400', { provider: 'openai', status: 400, retryable: false });

/** A source whose attempts are `attempts[0]`, `attempts[1]`, … (each a cold marble Observable). */
function attemptsOf(attempts: Observable<Delta>[]): Observable<Delta> {
  let i = 0;
  return defer(() => attempts[Math.min(i++, attempts.length - 1)]!);
}

describe('retryBeforeFirstDelta', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('passes a working stream through with one subscription', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-(uf|)', values);
      expectObservable(source.pipe(retryBeforeFirstDelta({ delay: 2 }))).toBe('-a-b-(uf|)', values);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it("retries a 429 after `delay` ms and drops the failed attempt's metadata", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-m-#', values, rateLimited);
      const second = cold('     -n-a---(f|)', values);
      const expected = '   --------(na)(f|)';
      expectObservable(attemptsOf([first, second]).pipe(retryBeforeFirstDelta({ delay: 2 }))).toBe(expected, values);
      expectSubscriptions(first.subscriptions).toBe('^--!');
      expectSubscriptions(second.subscriptions).toBe('-----^------!');
    });
  });

  it('gives up after `count` retries: the last attempt\'s held deltas, then its error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-#', values, rateLimited);
      const subs = ['       ^--!', '----^--!', '--------^--!'];
      const expected = '   -----------(m#)';
      expectObservable(source.pipe(retryBeforeFirstDelta({ count: 2, delay: 1 }))).toBe(expected, values, rateLimited);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('never retries after content: the error passes with its partial', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new StreamTruncatedError('cut', { provider: 'openai', partial: snapshotOf([m, a]) });
      const source = cold('-m-a---#', values, error);
      const expectedError = new StreamTruncatedError('cut', { provider: 'openai', partial: snapshotOf([m, a]) });
      expectObservable(source.pipe(retryBeforeFirstDelta({ delay: 1 }))).toBe('---(ma)#', values, expectedError);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('does not retry a non-retryable error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('---#', values, badRequest);
      expectObservable(source.pipe(retryBeforeFirstDelta({ delay: 1 }))).toBe('---#', values, badRequest);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('retries by default truncations, first-delta timeouts and connection errors, never aborts or malformed chunks', () => {
    const retried = [
      rateLimited,
      new StreamTruncatedError('the body ended', { provider: 'openai' }),
      new IdleTimeoutError('slow start', { phase: 'first', afterMs: 10, deltaCount: 0 }),
      new ProviderError('openai request failed', { provider: 'openai', retryable: false, cause: new APIConnectionError({ message: 'Connection error.' }) }),
      new ProviderError('openai request failed', {
        provider: 'openai',
        retryable: false,
        cause: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }),
      }),
    ];
    const notRetried = [
      badRequest,
      new IdleTimeoutError('stalled', { phase: 'idle', afterMs: 10, deltaCount: 0 }),
      new ProviderError('aborted', { provider: 'openai', retryable: false, cause: new APIUserAbortError() }),
      new DOMException('This operation was aborted', 'AbortError'),
      new MalformedChunkError('bad chunk', { provider: 'openai', line: '{' }),
      new Error('boom'),
    ];
    // A fresh scheduler per case: frames do not restart between run() calls of one scheduler.
    const fresh = () => new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
    for (const error of retried) {
      fresh().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, error);
        expectObservable(source.pipe(retryBeforeFirstDelta({ count: 1, delay: 1 }))).toBe('---#', values, error);
        expectSubscriptions(source.subscriptions).toBe(['^!', '--^!']);
      });
    }
    for (const error of notRetried) {
      fresh().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, error);
        expectObservable(source.pipe(retryBeforeFirstDelta({ count: 1, delay: 1 }))).toBe('-#', values, error);
        expectSubscriptions(source.subscriptions).toBe('^!');
      });
    }
  });

  it('asks `delay` and `when` with the 1-based attempt and the error', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', values, badRequest);
      const calls: string[] = [];
      const config = {
        count: 2,
        when: (err: unknown, attempt: number) => (calls.push(`when ${attempt} ${String(err === badRequest)}`), true),
        delay: (attempt: number, err: unknown) => (calls.push(`delay ${attempt} ${String(err === badRequest)}`), attempt * 3),
      };
      // errors at 1; retry 1 at 1 + 3 = 4, errors at 5; retry 2 at 5 + 6 = 11, errors at 12
      expectObservable(source.pipe(retryBeforeFirstDelta(config))).toBe('------------#', values, badRequest);
      testScheduler.flush();
      expect(calls).toStrictEqual(['when 1 true', 'delay 1 true', 'when 2 true', 'delay 2 true']);
      expectSubscriptions(source.subscriptions).toBe(['^!', '----^!', '-----------^!']);
    });
  });

  it("waits the server's retry-after-ms by default", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const sdk = APIError.generate(429, { error: { message: 'Rate limit reached' } }, undefined, new Headers({ 'retry-after-ms': '30' }));
      const error = new ProviderError('openai request failed with HTTP 429', { provider: 'openai', status: 429, retryable: true, cause: sdk });
      const first = cold('-#', values, error);
      const second = cold('a|', values);
      // errors at frame 1, resubscribed 30 ms later
      expectObservable(attemptsOf([first, second]).pipe(retryBeforeFirstDelta())).toBe('31ms a|', values);
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(second.subscriptions).toBe('31ms ^!');
    });
  });

  it('backs off exponentially by default: 500 ms, then 1000 ms (no jitter when Math.random() is 0)', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#', values, rateLimited);
      expectObservable(source.pipe(retryBeforeFirstDelta())).toBe('1500ms #', values, rateLimited);
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '500ms (^!)', '1500ms (^!)']);
    });
  });

  it('jitters the default backoff down by at most 25 %', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#', values, rateLimited);
      // 500 × (1 − 0.99 × 0.25) = 376.25
      expectObservable(source.pipe(retryBeforeFirstDelta({ count: 1 }))).toBe('376.25ms #', values, rateLimited);
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '376.25ms (^!)']);
    });
  });

  it('errors with what `when` or `delay` throws, and with a TypeError for a bad delay', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', values, rateLimited);
      const when = (): boolean => {
        throw new Error('when failed');
      };
      const delay = (): number => {
        throw new Error('delay failed');
      };
      expectObservable(source.pipe(retryBeforeFirstDelta({ when }))).toBe('--#', values, new Error('when failed'));
      expectObservable(source.pipe(retryBeforeFirstDelta({ delay }))).toBe('--#', values, new Error('delay failed'));
      expectObservable(source.pipe(retryBeforeFirstDelta({ delay: () => -1 }))).toBe(
        '--#',
        values,
        new TypeError('retryBeforeFirstDelta: `delay` must be a finite number of ms >= 0, got -1.'),
      );
      expect(() => source.pipe(retryBeforeFirstDelta({ count: -1 }))).toThrow(TypeError);
      expect(() => source.pipe(retryBeforeFirstDelta({ delay: Number.NaN }))).toThrow(TypeError);
      expectSubscriptions(source.subscriptions).toBe(['^-!', '^-!', '^-!']);
    });
  });

  it('completes on an empty source, passing the held deltas of a response without content', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      expectObservable(empty.pipe(retryBeforeFirstDelta())).toBe('|');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      const noContent = cold('-m-(f|)', values);
      expectObservable(noContent.pipe(retryBeforeFirstDelta())).toBe('---(mf|)', values);
      expectSubscriptions(noContent.subscriptions).toBe('^--!');
    });
  });

  it('stays silent on a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Delta>('-');
      expectObservable(source.pipe(retryBeforeFirstDelta())).toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('cancels a pending retry on unsubscribe', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', values, rateLimited);
      const unsub = '      ---!';
      expectObservable(source.pipe(retryBeforeFirstDelta({ delay: 5 })), unsub).toBe('----', values);
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('releases a running retry on unsubscribe', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-#', values, rateLimited);
      const second = cold('  -a---b|', values);
      const unsub = '      -----!';
      expectObservable(attemptsOf([first, second]).pipe(retryBeforeFirstDelta({ delay: 1 })), unsub).toBe('---a--', values);
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(second.subscriptions).toBe('--^--!');
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-#', values, rateLimited);
      const second = cold('  -a---b|', values);
      const unsub = '      -----!';
      const result = attemptsOf([first, second]).pipe(
        mergeMap((x) => of(x)),
        retryBeforeFirstDelta({ delay: 1 }),
        mergeMap((x) => of(x)),
      );
      expectObservable(result, unsub).toBe('---a--', values);
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(second.subscriptions).toBe('--^--!');
    });
  });

  it('stops a synchronous source when a downstream take unsubscribes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(mab|)', values);
      expectObservable(source.pipe(retryBeforeFirstDelta(), take(2))).toBe('(ma|)', values);
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
    const sync = fakeSource([m, a, b, f]);
    const seen: Delta[] = [];
    sync.pipe(retryBeforeFirstDelta(), take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([m, a]);
    expect([sync.requests, sync.active, sync.aborted]).toStrictEqual([1, 0, 1]);
  });
});
