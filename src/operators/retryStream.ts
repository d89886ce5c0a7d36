import { asyncScheduler, type MonoTypeOperatorFunction, type Observable, type SchedulerLike } from 'rxjs';
import type { Delta, Snapshot } from '../core/delta.ts';
import { IdleTimeoutError } from '../core/errors.ts';
import { recover, type RecoveryMode } from '../core/recover.ts';
import { isTransientError, retryDelayFor } from '../core/retry-policy.ts';

/** Configuration of {@link retryStream}. */
export interface RetryStreamConfig {
  /** Retries at most, after the first attempt (default 2; `Infinity` for no limit). */
  readonly count?: number;
  /**
   * Wait before retry `attempt` (1-based), in ms: a number, or a function of the attempt and the
   * error. Default: the server's `retry-after-ms` / `retry-after` header when the error carries
   * one (0–60 s), else exponential backoff from 500 ms doubling up to 8 s, with up to 25 % jitter.
   */
  readonly delay?: number | ((attempt: number, error: unknown) => number);
  /**
   * Whether this error is retried; `attempt` is the retry it would start (1-based). Default: what
   * `retryBeforeFirstDelta` retries (retryable `ProviderError`, `StreamTruncatedError`,
   * connection failures) and any `IdleTimeoutError` (a stall mid-answer too); never an abort.
   */
  readonly when?: (error: unknown, attempt: number) => boolean;
  /**
   * After content: `'restart'` (default) emits a `reset` delta and sends the request again;
   * `'continue'` subscribes `continueWith(partial)` and appends its deltas, no reset.
   */
  readonly mode?: RecoveryMode;
  /**
   * For `mode: 'continue'`: the request that continues the answer so far (`partial`, the
   * snapshot of what was emitted). Its deltas are appended as they come, its `metadata` dropped;
   * trim text it repeats yourself, or use {@link continueFrom}, which does.
   */
  readonly continueWith?: (partial: Snapshot) => Observable<Delta>;
  /** Where the delays are scheduled (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Recovers an answer that fails mid-stream: sends the request again and starts over with a
 * `reset` delta, or asks the provider to continue the text already received.
 *
 * <span class="informal">`retryBeforeFirstDelta`, also after content: the retry never
 * duplicates text, because it either voids it (`reset`) or continues it.</span>
 *
 * ```
 * source (1st):   -m-a-----#                   # = the connection dropped after a = 'Hel'
 * source (2nd):              -n-b-----(f|)     subscribed `delay` = 2 ms after the error
 * retryStream({ delay: 2 })
 * result:         ---(ma)--x----(nb)--(f|)     x = reset: everything before is void
 *
 * source (1st):   -m-a-#
 * continuation:          -n-b-(f|)             continueWith(partial): b = 'lo'
 * retryStream({ delay: 2, mode: 'continue', continueWith })
 * result:         ---(ma)---b-(f|)             'Hel' + 'lo', one answer; n is dropped
 * ```
 *
 * Each attempt's non-content deltas (`metadata`, `usage`, `finish`) are held until its first
 * content delta, so a failed attempt without content leaves no trace and is retried silently
 * (sending the whole request again). After content: with `mode: 'restart'`, a `reset` delta is
 * emitted at once (every operator rolls back on it), then, after `delay`, the request is sent
 * again. With `mode: 'continue'` and text-only content, `continueWith(partial)` is subscribed
 * after `delay` and its deltas are appended (its `metadata` dropped): `accumulate` reads one
 * answer. Content with tool calls (or reasoning without text) cannot be continued: restarts.
 *
 * On an error not retried (`when` false, or `count` retries made): the held deltas, then the
 * error as is (its `partial` is what was emitted since the last `reset`); after a joined
 * continuation a {@link RecoveryFailedError} with the whole answer as `partial` and the last
 * error as `cause` (errors are never changed). On complete: the held deltas, then complete. On
 * unsubscribe: releases the running attempt (aborting its request), cancels a pending retry and
 * drops the held deltas and the answer so far. A throw in `when`, `delay` or `continueWith`
 * errors the result with what was thrown.
 *
 * @example Continue an Anthropic answer when the connection drops mid-way
 * ```ts
 * const target = { adapter: anthropicAdapter, client, model: 'claude-sonnet-4-6' };
 * stream(target, request).pipe(
 *   retryStream({ mode: 'continue', continueWith: continueFrom(target, request) }),
 *   accumulate(),
 * );
 * ```
 *
 * @see {@link continueFrom} builds `continueWith` for a {@link ChatRequest} on any provider
 * @see {@link fallbackTo} to recover on another provider
 * @see {@link retryBeforeFirstDelta}
 *
 * @param config `count` (retries), `delay` (ms, or a function of attempt and error), `when`,
 * `mode`, `continueWith`, `scheduler`. A negative or NaN `count`, a `delay` that is not a finite
 * number >= 0, or `mode: 'continue'` without `continueWith` throws a `TypeError` at call time.
 * @return A function that returns an Observable of one answer: deltas since the last `reset`.
 */
export function retryStream(config: RetryStreamConfig = {}): MonoTypeOperatorFunction<Delta> {
  const { count = 2, delay, when = isRetriedMidStream, mode = 'restart', continueWith, scheduler = asyncScheduler } = config;
  if (!(count >= 0)) throw new TypeError(`retryStream: \`count\` must be 0 or more, got ${String(count)}.`);
  if (mode !== 'restart' && mode !== 'continue') throw new TypeError(`retryStream: \`mode\` must be 'restart' or 'continue', got ${String(mode)}.`);
  if (mode === 'continue' && continueWith === undefined) {
    throw new TypeError("retryStream: `mode: 'continue'` needs `continueWith` (for a ChatRequest: `continueFrom(target, request)`).");
  }
  const delayFor = retryDelayFor('retryStream', delay, scheduler);

  return (source) =>
    recover(source, {
      mode,
      resetReason: 'retry',
      name: 'retryStream',
      scheduler,
      next(err, attempt) {
        if (attempt > count || !when(err, attempt)) return undefined;
        return { fresh: () => source, continuation: continueWith, delay: delayFor(attempt, err) };
      },
    });
}

/** The default `when`: transient errors, and a stall at any point. */
function isRetriedMidStream(err: unknown): boolean {
  return isTransientError(err) || err instanceof IdleTimeoutError;
}
