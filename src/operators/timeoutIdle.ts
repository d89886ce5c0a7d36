import { asyncScheduler, type MonoTypeOperatorFunction, Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { IdleTimeoutError } from '../core/errors.ts';
import { operate } from '../core/operate.ts';
import { PartialRecorder } from '../core/partial-recorder.ts';

/** Configuration of {@link timeoutIdle}. Every time is in ms. */
export interface TimeoutIdleConfig {
  /** Longest wait for the first content delta, counted from subscribe (default: `idle`). */
  readonly first?: number;
  /** Longest wait for the next content delta, counted from the last one. */
  readonly idle: number;
  /** Where time comes from (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Errors with an {@link IdleTimeoutError} when the stream stops producing content: no content
 * delta within `first` ms of subscribing, or within `idle` ms of the last content delta.
 *
 * <span class="informal">Like `timeout({ first, each })`, but only content (text, reasoning, tool
 * calls) resets the clock, and the error says what had arrived.</span>
 *
 * ```
 * source:                  -m-a--b-------------      m = metadata, a, b = text, u = usage
 * timeoutIdle({first: 4, idle: 5})
 * result:                  -m-a--b----#              # = IdleTimeoutError phase 'idle', deltaCount 2
 *
 * source:                  -m--u--u--u--            a provider that only keeps the connection alive
 * timeoutIdle(5)
 * result:                  -m--u#                    # = IdleTimeoutError phase 'first', deltaCount 0
 * ```
 *
 * Content is what {@link isContentDelta} says: `text`, `reasoning` and the tool-call deltas.
 * `metadata`, `usage` and `finish` deltas pass through but do not reset the clock, so a provider
 * that keeps the connection open without producing anything (keep-alive chunks, usage-only
 * chunks) still times out. Every delta passes through unchanged and at once.
 *
 * On timeout: unsubscribes the source (an rxllm source then aborts its HTTP request) and errors
 * with an {@link IdleTimeoutError}: `phase` is `'first'` when no content delta had arrived,
 * else `'idle'`; `afterMs` is the timeout that elapsed; `deltaCount` the content deltas that had
 * arrived; `partial` the {@link Snapshot} of every delta so far (`undefined` when none had).
 * On complete: cancels the timer and completes. On error: cancels the timer; the error passes on
 * unchanged.
 * On unsubscribe: cancels the timer, unsubscribes the source and drops what it held.
 *
 * One scheduled check per subscription, not one timer per delta: a content delta only records
 * the time (`scheduler.now()`), and the check re-arms itself from the last content time.
 *
 * @example Give a reasoning model 60 s to start, then at most 10 s between content deltas
 * ```ts
 * fromOpenAI(client, params).pipe(timeoutIdle({ first: 60_000, idle: 10_000 }), accumulate());
 * ```
 *
 * @see {@link retryBeforeFirstDelta} to retry a `phase: 'first'` timeout
 * @see {@link raceFirstDelta} to hedge a slow start with a second request
 *
 * @see docs/marbles/timeoutIdle.svg: the diagram drawn from this operator's spec (marbles/timeoutIdle.marble.ts)
 * @param config The idle timeout in ms, or `{ first, idle, scheduler }` (ms). Timeouts are finite
 * numbers >= 0; anything else throws a `TypeError` when the operator is created.
 * @return A function that returns an Observable of the source's deltas that errors with
 * {@link IdleTimeoutError} when content stops arriving.
 */
export function timeoutIdle(config: number | TimeoutIdleConfig): MonoTypeOperatorFunction<Delta> {
  const { idle, first = idle, scheduler = asyncScheduler } = typeof config === 'number' ? { idle: config } : config;
  checkMs('idle', idle);
  checkMs('first', first);
  return (source) =>
    new Observable<Delta>((subscriber) => {
      let recorder: PartialRecorder | null = new PartialRecorder();
      let lastContentAt = 0;
      let timer: Subscription | null = null;

      function check(this: SchedulerAction<unknown>): void {
        const b = recorder;
        if (b === null) return;
        if (b.contentCount > 0) {
          const due = lastContentAt + idle - scheduler.now();
          if (due > 0) {
            this.schedule(undefined, due);
            return;
          }
        }
        const phase = b.contentCount === 0 ? 'first' : 'idle';
        subscriber.error(
          new IdleTimeoutError(phase === 'first' ? firstMessage(first) : idleMessage(idle, b.contentCount), {
            phase,
            afterMs: phase === 'first' ? first : idle,
            deltaCount: b.contentCount,
            partial: b.partial(),
          }),
        );
      }

      timer = scheduler.schedule(check, first);
      operate(source, subscriber, {
        next(delta) {
          const b = recorder!;
          const before = b.contentCount;
          b.record(delta);
          if (b.contentCount !== before) {
            lastContentAt = scheduler.now();
            // The first content delta moves the check from `first` to `idle`; later ones only record the time.
            if (before === 0) {
              timer!.unsubscribe();
              timer = scheduler.schedule(check, idle);
            }
          }
          subscriber.next(delta);
        },
        // errors pass on as they are: the source that raised one set its `partial`
      });
      return () => {
        timer?.unsubscribe();
        timer = null;
        recorder = null;
      };
    });
}

function checkMs(name: string, ms: unknown): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new TypeError(`timeoutIdle: \`${name}\` must be a finite number of ms >= 0, got ${String(ms)}.`);
  }
}

function firstMessage(first: number): string {
  return (
    `No content delta arrived within ${first} ms of subscribing; the request was aborted. ` +
    "If the model is slow to start (long prompt, reasoning), raise timeoutIdle's `first`; otherwise retry."
  );
}

function idleMessage(idle: number, count: number): string {
  return (
    `No content delta arrived for ${idle} ms after the last one (${count} content deltas so far); ` +
    "the request was aborted. What had arrived is in `partial`; raise timeoutIdle's `idle` or retry."
  );
}
