import { APIError } from 'openai';
import { mergeMap, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta } from '../src/core/delta.ts';
import { ProviderError, StreamingUnsupportedError, StreamTruncatedError } from '../src/core/errors.ts';
import { fallbackToNonStreaming } from '../src/operators/fallbackToNonStreaming.ts';
import { fakeSource, finishDelta, metadataDelta, snapshotOf, textDelta, usageDelta } from '../src/testing/index.ts';

const m = metadataDelta('openai', 'chatcmpl-stream', 'o1');
const n = metadataDelta('openai', 'chatcmpl-plain', 'o1');
const a = textDelta('Hel');
const b = textDelta('lo');
const u = usageDelta({ inputTokens: 12, outputTokens: 2 });
const f = finishDelta('stop');
const values: Record<string, Delta> = { m, n, a, b, u, f };

const unsupported = new StreamingUnsupportedError('o1 does not stream', { provider: 'openai' });
/** What the openai source raises for OpenAI's real 400 on `stream: true`. */
const openAI400 = new StreamingUnsupportedError('openai request failed with HTTP 400', {
  provider: 'openai',
  status: 400,
  code: 'unsupported_value',
  cause: APIError.generate(
    400,
    {
      error: {
        message: "Unsupported value: 'stream' does not support true with this model. Only the default (false) value is supported.",
        type: 'invalid_request_error',
        param: 'stream',
        code: 'unsupported_value',
      },
    },
    undefined,
    new Headers(),
  ),
});
const rateLimited = new ProviderError('openai request failed with HTTP 429', { provider: 'openai', status: 429, retryable: true });

describe('fallbackToNonStreaming', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('passes a working stream through and never calls the factory', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-(uf|)', values);
      const fallback = cold('-a|', values);
      let calls = 0;
      const result = source.pipe(fallbackToNonStreaming(() => (calls++, fallback)));
      expectObservable(result).toBe('-a-b-(uf|)', values);
      testScheduler.flush();
      expect(calls).toBe(0);
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(fallback.subscriptions).toBe([]);
    });
  });

  it("subscribes the fallback at the frame the source fails with OpenAI's 400 on param stream", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('---#', values, openAI400);
      const fallback = cold('  -n-(abf|)', values);
      const expected = '   ----n-(abf|)';
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(fallback.subscriptions).toBe('---^--!');
    });
  });

  it("drops the failed stream's metadata: only the fallback's metadata is emitted", () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-#', values, unsupported);
      const fallback = cold('-n-a|', values);
      const expected = '   ----n-a|';
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(fallback.subscriptions).toBe('---^---!');
    });
  });

  it('holds metadata and usage until the first content delta, then passes them in order', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-u-a-----(f|)', values);
      const expected = '   -----(mua)-(f|)';
      expectObservable(source.pipe(fallbackToNonStreaming(() => of(b)))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  it('never switches after content: rethrows the source error with its partial', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new StreamingUnsupportedError('late', { provider: 'openai', partial: snapshotOf([m, a]) });
      const source = cold('-m-a---#', values, error);
      const fallback = cold('-b|', values);
      const expected = '   ---(ma)#';
      const expectedError = new StreamingUnsupportedError('late', { provider: 'openai', partial: snapshotOf([m, a]) });
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback))).toBe(expected, values, expectedError);
      expectSubscriptions(source.subscriptions).toBe('^------!');
      expectSubscriptions(fallback.subscriptions).toBe([]);
    });
  });

  it('passes other errors before content on, after the held deltas', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-#', values, rateLimited);
      const fallback = cold('-b|', values);
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback))).toBe('---(m#)', values, rateLimited);
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(fallback.subscriptions).toBe([]);
    });
  });

  it('uses `when` instead of the default test', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', values, rateLimited);
      const fallback = cold('  a|', values);
      const when = (err: unknown) => err instanceof ProviderError && err.status === 429;
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback, { when }))).toBe('--a|', values);
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(fallback.subscriptions).toBe('--^!');
    });
  });

  it('passes the fallback error on', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const truncated = new StreamTruncatedError('cut', { provider: 'openai', partial: snapshotOf([n, a]) });
      const source = cold('-#', values, unsupported);
      const fallback = cold(' na#', values, truncated);
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback))).toBe('-na#', values, truncated);
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(fallback.subscriptions).toBe('-^-!');
    });
  });

  it('errors with what `when` throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', values, unsupported);
      const fallback = cold('a|', values);
      const when = (): boolean => {
        throw new Error('when failed');
      };
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback, { when }))).toBe('--#', values, new Error('when failed'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(fallback.subscriptions).toBe([]);
    });
  });

  it('errors with what the factory throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', values, unsupported);
      const factory = (): never => {
        throw new Error('factory failed');
      };
      expectObservable(source.pipe(fallbackToNonStreaming(factory))).toBe('--#', values, new Error('factory failed'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('completes on an empty source, and passes the held deltas of a response without content', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      expectObservable(empty.pipe(fallbackToNonStreaming(() => of(a)))).toBe('|');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      const noContent = cold('-m-(f|)', values);
      expectObservable(noContent.pipe(fallbackToNonStreaming(() => of(a)))).toBe('---(mf|)', values);
      expectSubscriptions(noContent.subscriptions).toBe('^--!');
    });
  });

  it('stays silent on a source that never emits', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Delta>('-');
      expectObservable(source.pipe(fallbackToNonStreaming(() => of(a)))).toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('releases the fallback on an early unsubscribe', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', values, unsupported);
      const fallback = cold(' -a--b--|', values);
      const unsub = '      -----!';
      expectObservable(source.pipe(fallbackToNonStreaming(() => fallback)), unsub).toBe('--a---', values);
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(fallback.subscriptions).toBe('-^---!');
    });
  });

  it('releases the source on an early unsubscribe and drops what it held', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m---a-|', values);
      const unsub = '      ---!';
      expectObservable(source.pipe(fallbackToNonStreaming(() => of(b))), unsub).toBe('----', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-#', values, unsupported);
      const fallback = cold(' -a--b--|', values);
      const unsub = '      -----!';
      const result = source.pipe(
        mergeMap((x) => of(x)),
        fallbackToNonStreaming(() => fallback),
        mergeMap((x) => of(x)),
      );
      expectObservable(result, unsub).toBe('--a---', values);
      expectSubscriptions(source.subscriptions).toBe('^!');
      expectSubscriptions(fallback.subscriptions).toBe('-^---!');
    });
  });

  it('stops a synchronous source, and a synchronous fallback, when a downstream take unsubscribes', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(mab|)', values);
      expectObservable(source.pipe(fallbackToNonStreaming(() => of(b)), take(2))).toBe('(ma|)', values);
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
    const failing = fakeSource([m], { errorAfter: 1, error: unsupported });
    const fallback = fakeSource([n, a, b, f]);
    const seen: Delta[] = [];
    failing.pipe(fallbackToNonStreaming(() => fallback), take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([n, a]);
    expect([failing.requests, failing.active, fallback.requests, fallback.active, fallback.aborted]).toStrictEqual([1, 0, 1, 0, 1]);
  });
});
