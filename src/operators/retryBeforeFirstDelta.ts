import { asyncScheduler, type MonoTypeOperatorFunction, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { operateUntilContent } from '../core/operate-until-content.ts';
import { isTransientError, retryDelayFor } from '../core/retry-policy.ts';

/** Configuration of {@link retryBeforeFirstDelta}. */
export interface RetryBeforeFirstDeltaConfig {
  /** Retries at most, after the first attempt (default 2; `Infinity` for no limit). */
  readonly count?: number;
  /**
   * Wait before retry `attempt` (1-based), in ms: a number, or a function of the attempt and the
   * error. Default: the server's `retry-after-ms` / `retry-after` header when the error carries
   * one (0–60 s), else exponential backoff from 500 ms doubling up to 8 s, with up to 25 % jitter
   * (the openai SDK's rule).
   */
  readonly delay?: number | ((attempt: number, error: unknown) => number);
  /**
   * Whether this error (raised before any content delta) is retried; `attempt` is the retry it
   * would start (1-based). Default: a `ProviderError` with `retryable: true` (408, 409, 429, 5xx,
   * overload), a `StreamTruncatedError`, an `IdleTimeoutError` of phase `first`, and connection
   * failures in the `cause` chain (`APIConnectionError`, `ECONNRESET`, `ECONNREFUSED`, …); never
   * an abort.
   */
  readonly when?: (error: unknown, attempt: number) => boolean;
  /** Where the delays are scheduled (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Resubscribes the source (so sends the request again) when it fails before any content delta,
 * after a backoff delay; once content was emitted, errors pass through and nothing is repeated.
 *
 * <span class="informal">Like `retry({ count, delay })`, but only while a retry cannot duplicate
 * text, and only for errors where sending again may help.</span>
 *
 * ```
 * source (1st):  -m-#                         # = 429 rate limited
 * source (2nd):       -n-a---(f|)              subscribed `delay` ms after the error
 * retryBeforeFirstDelta({ delay: 2 })
 * result:        --------(na)(f|)             the 1st attempt's metadata m is dropped
 * ```
 *
 * Content is what {@link isContentDelta} says (text, reasoning, tool calls). Until the first
 * content delta of an attempt, its other deltas (`metadata`, `usage`, `finish`) are held back;
 * when the attempt fails and is retried they are dropped, else they pass on, in order, right
 * before the first content delta (or before the complete or the final error). So downstream sees
 * the deltas of exactly one attempt, with one `metadata`, and never a failed attempt's; the cost
 * is that `metadata` arrives with the first content.
 *
 * On a source error before content, with retries left and `when(error, attempt)` true: the
 * failed attempt is released and the source is subscribed again after `delay` ms (through
 * `scheduler`). On any other error: the held deltas, then the error unchanged (an rxllm source's
 * error carries `partial`). On complete: the held deltas, then complete. On unsubscribe: releases
 * the running attempt (aborting its request), cancels a pending retry and drops the held deltas.
 * A throw in `when` or `delay` errors the result with what was thrown.
 *
 * @example Retry rate limits and dropped connections up to 3 times, 1 s, 2 s, 4 s apart
 * ```ts
 * fromAnthropic(client, params).pipe(
 *   retryBeforeFirstDelta({ count: 3, delay: (attempt) => 1_000 * 2 ** (attempt - 1) }),
 *   accumulate(),
 * );
 * ```
 *
 * @see {@link timeoutIdle} to turn a stalled start into a retryable `IdleTimeoutError`
 * @see {@link raceFirstDelta} to hedge instead of waiting for a failure
 * @see {@link fallbackToNonStreaming}
 *
 * @see docs/marbles/retryBeforeFirstDelta.svg: the diagram drawn from this operator's spec (marbles/retryBeforeFirstDelta.marble.ts)
 * @param config `count` (retries), `delay` (ms, or a function of attempt and error), `when`,
 * `scheduler`. A negative or NaN `count`, or a `delay` that is not a finite number >= 0, throws
 * a `TypeError` when the operator is created; a `delay` function returning one errors the result.
 * @return A function that returns an Observable of the deltas of the first attempt that produced
 * content (or of the last attempt).
 */
export function retryBeforeFirstDelta(config: RetryBeforeFirstDeltaConfig = {}): MonoTypeOperatorFunction<Delta> {
  const { count = 2, delay, when = isTransientError, scheduler = asyncScheduler } = config;
  if (!(count >= 0)) throw new TypeError(`retryBeforeFirstDelta: \`count\` must be 0 or more, got ${String(count)}.`);
  const delayFor = retryDelayFor('retryBeforeFirstDelta', delay, scheduler);

  return (source) =>
    new Observable<Delta>((subscriber) => {
      let attempt = 0;
      let timer: Subscription | null = null;
      const subscribeSource = () => {
        timer = null;
        operateUntilContent(source, subscriber, (err) => {
          if (attempt >= count || !when(err, attempt + 1)) return false;
          attempt++;
          timer = scheduler.schedule(subscribeSource, delayFor(attempt, err));
          return true;
        });
      };

      subscribeSource();
      return () => {
        timer?.unsubscribe();
        timer = null;
      };
    });
}
