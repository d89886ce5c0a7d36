import { defer, mergeMap, Observable, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Delta, Snapshot } from '../src/core/delta.ts';
import { ProviderError, StreamTruncatedError } from '../src/core/errors.ts';
import { RecoveryFailedError } from '../src/core/recovery-failed-error.ts';
import { retryStream } from '../src/operators/retryStream.ts';
import { finishDelta, metadataDelta, resetDelta, snapshotOf, textDelta } from '../src/testing/index.ts';

const m = metadataDelta('anthropic', 'msg_1', 'claude');
const n = metadataDelta('anthropic', 'msg_2', 'claude');
const a = textDelta('Hel');
const b = textDelta('lo');
const f = finishDelta('stop');
const x = resetDelta('retry');
const values: Record<string, Delta> = { m, n, a, b, f, x };

const drop = (partial?: Snapshot) => new StreamTruncatedError('The stream ended before the provider finished the response.', { provider: 'anthropic', partial });
const badRequest = new ProviderError('400 invalid request', { provider: 'anthropic', status: 400, retryable: false });

/** A source whose `i`-th subscription is `attempts[i]`. */
function attemptsOf(attempts: Observable<Delta>[]): Observable<Delta> {
  let i = 0;
  return defer(() => attempts[i++]!);
}

describe('retryStream', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toStrictEqual(expected));
  });

  it('passes values and completion through when nothing fails', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-a----b-(f|)', values);
      expectObservable(source.pipe(retryStream({ delay: 2 }))).toBe('---(ma)-b-(f|)', values);
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('restart: after content emits reset at once, then resubscribes after `delay`', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-m-a-----#', values, drop(snapshotOf([m, a])));
      const second = cold('-n-b-----(f|)', values);
      const result = attemptsOf([first, second]).pipe(retryStream({ delay: 2, scheduler: testScheduler }));
      expectObservable(result).toBe('---(ma)--x----(nb)--(f|)', values);
      expectSubscriptions(first.subscriptions).toBe('^--------!');
      expectSubscriptions(second.subscriptions).toBe('-----------^--------!');
    });
  });

  it('before content: retries silently (the failed attempt leaves no trace)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-m-#', values, drop(snapshotOf([m])));
      const second = cold('-n-a----(f|)', values);
      const result = attemptsOf([first, second]).pipe(retryStream({ delay: 1 }));
      expectObservable(result).toBe('-------(na)-(f|)', values);
      expectSubscriptions(first.subscriptions).toBe('^--!');
      expectSubscriptions(second.subscriptions).toBe('----^-------!');
    });
  });

  it('continue: subscribes continueWith(partial) and appends its deltas without reset, dropping its metadata', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-m-a-#', values, drop(snapshotOf([m, a])));
      const continuation = cold('-n-b-(f|)', values);
      const partials: Snapshot[] = [];
      const continueWith = (partial: Snapshot) => {
        partials.push(partial);
        return continuation;
      };
      const result = first.pipe(retryStream({ delay: 2, mode: 'continue', continueWith }));
      expectObservable(result).toBe('---(ma)---b-(f|)', values);
      expectSubscriptions(first.subscriptions).toBe('^----!');
      expectSubscriptions(continuation.subscriptions).toBe('-------^----!');
      testScheduler.flush();
      expect(partials).toStrictEqual([snapshotOf([m, a])]);
    });
  });

  it('gives up with the last error as is after `count` restarts', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = drop(snapshotOf([a]));
      const source = cold('-a-#', values, error);
      expectObservable(source.pipe(retryStream({ count: 1, delay: 1 }))).toBe('-a-x-a-#', values, error);
      expectSubscriptions(source.subscriptions).toBe(['^--!', '----^--!']);
    });
  });

  it('after a joined continuation gives up with RecoveryFailedError holding the whole answer', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-a-#', values, drop(snapshotOf([a])));
      const lastError = drop(snapshotOf([b]));
      const continuation = cold('-b-#', values, lastError);
      const result = first.pipe(retryStream({ count: 1, delay: 1, mode: 'continue', continueWith: () => continuation }));
      const expectedError = new RecoveryFailedError(
        'retryStream gave up after 1 recovery (last error: StreamTruncatedError: The stream ended before the provider finished the response.). ' +
          '`partial` holds the whole answer as emitted, `cause` the last error; send the request again later or to another provider.',
        { attempts: 1, cause: lastError, partial: snapshotOf([a, b]) },
      );
      expectObservable(result).toBe('-a---b-#', values, expectedError);
      expectSubscriptions(first.subscriptions).toBe('^--!');
      expectSubscriptions(continuation.subscriptions).toBe('----^--!');
    });
  });

  it('does not retry an error `when` rejects (a 400), passing it through with the held deltas', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-m-#', values, badRequest);
      expectObservable(source.pipe(retryStream({ delay: 1 }))).toBe('---(m#)', values, badRequest);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('honours retry-after from the error cause', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cause = { headers: new Headers({ 'retry-after-ms': '5' }) };
      const limited = new ProviderError('429 rate limited', { provider: 'anthropic', status: 429, retryable: true, cause });
      const first = cold('-#', values, limited);
      const second = cold('-a|', values);
      const result = attemptsOf([first, second]).pipe(retryStream({ scheduler: testScheduler }));
      expectObservable(result).toBe('-------a|', values);
      expectSubscriptions(first.subscriptions).toBe('^!');
      expectSubscriptions(second.subscriptions).toBe('------^-!');
    });
  });

  it('completes on an empty source and never emits on a never source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<Delta>('|');
      const never = cold<Delta>('-');
      expectObservable(empty.pipe(retryStream())).toBe('|');
      expectObservable(never.pipe(retryStream()), '^---!').toBe('-');
      expectSubscriptions(empty.subscriptions).toBe('(^!)');
      expectSubscriptions(never.subscriptions).toBe('^---!');
    });
  });

  it('errors with what `when` throws', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const thrown = new Error('boom');
      const source = cold('-a-#', values, drop());
      const result = source.pipe(
        retryStream({
          when: () => {
            throw thrown;
          },
        }),
      );
      expectObservable(result).toBe('-a-#', values, thrown);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribing early releases the running attempt, and cancels a pending retry', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', values, drop());
      expectObservable(source.pipe(retryStream({ delay: 5 })), '^-----!').toBe('-a-x--', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('does not break unsubscription chains', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-(f|)', values);
      const result = source.pipe(
        mergeMap((d) => of(d)),
        retryStream(),
        mergeMap((d) => of(d)),
      );
      expectObservable(result, '^--!').toBe('-a-', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('stops a synchronous source with take', () => {
    const seen: Delta[] = [];
    let emitted = 0;
    const source = new Observable<Delta>((s) => {
      for (let i = 0; i < 10 && !s.closed; i++) {
        emitted++;
        s.next(textDelta(String(i)));
      }
      s.complete();
    });
    source.pipe(retryStream(), take(2)).subscribe((d) => seen.push(d));
    expect(seen).toStrictEqual([textDelta('0'), textDelta('1')]);
    expect(emitted).toBe(2);
  });

  it('throws a TypeError at call time for continue without continueWith, or a bad count', () => {
    expect(() => retryStream({ mode: 'continue' })).toThrow(TypeError);
    expect(() => retryStream({ count: -1 })).toThrow(TypeError);
    expect(() => retryStream({ delay: Number.NaN })).toThrow(TypeError);
  });
});
