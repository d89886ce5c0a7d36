import { asyncScheduler, Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { RxllmError, StreamTruncatedError } from '../core/errors.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';

/** Options of {@link fakeSource}. */
export interface FakeSourceOptions {
  /**
   * Error after this many deltas instead of completing (`0`: before any delta). The error is
   * `error`, or by default a `StreamTruncatedError` (provider `fake`), like a dropped connection.
   */
  readonly errorAfter?: number;
  /** The error to raise at `errorAfter`; a function is called once per subscription to make it. */
  readonly error?: unknown;
  /** Time between events in ms (each delta, and the end, comes this long after the previous one); omitted: synchronous. */
  readonly delayMs?: number;
  /** The scheduler of `delayMs`; default `asyncScheduler` (virtualized inside `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
}

/**
 * A cold source of deltas that counts its subscriptions: each subscription is one "request".
 */
export interface FakeSource extends Observable<Delta> {
  /** Subscriptions made so far (one per request a real source would send). */
  readonly requests: number;
  /** Subscriptions still running (neither ended nor unsubscribed). */
  readonly active: number;
  /** Subscriptions unsubscribed before the source ended: requests a real source would have aborted. */
  readonly aborted: number;
}

/**
 * A stand-in for a provider source in tests of your own pipelines, without a network or a
 * marble diagram: emits `deltas` in order, then completes, or errors after `errorAfter` deltas.
 * Like a real source it is cold (each subscription starts over), and an {@link RxllmError} it
 * raises after deltas arrived carries them as `partial`. Its counters tell whether your pipeline
 * retried (`requests`) or released the source (`active`, `aborted`).
 *
 * @example
 * ```ts
 * const source = fakeSource(textDeltas('Hel', 'lo'), { errorAfter: 1 });
 * source.pipe(retry(1), accumulate()).subscribe({ error: (e) => console.log(e.partial.text) }); // 'Hel'
 * source.requests; // 2
 * ```
 *
 * @param deltas What every subscription emits.
 * @param options `errorAfter`, `error`, `delayMs` (ms between events), `scheduler`.
 * @return A cold `Observable<Delta>` with `requests`, `active` and `aborted` counters.
 */
export function fakeSource(deltas: readonly Delta[], options: FakeSourceOptions = {}): FakeSource {
  const { errorAfter, delayMs, scheduler = asyncScheduler } = options;
  if (errorAfter !== undefined && !(errorAfter >= 0)) {
    throw new RangeError(`fakeSource: errorAfter must be 0 or more, got ${errorAfter}.`);
  }
  if (delayMs !== undefined && !(delayMs >= 0)) {
    throw new RangeError(`fakeSource: delayMs must be 0 or more ms, got ${delayMs}.`);
  }
  const last = errorAfter === undefined ? deltas.length : Math.min(errorAfter, deltas.length);
  const counts = { requests: 0, active: 0, aborted: 0 };

  const source = new Observable<Delta>((subscriber) => {
    counts.requests++;
    counts.active++;
    let ended = false;
    const builder = new SnapshotBuilder();
    /** Runs event `i`: a delta, or the end at `last`. Returns false once the source ended. */
    const step = (i: number): boolean => {
      if (i < last) {
        builder.apply(deltas[i]!);
        subscriber.next(deltas[i]!);
        return true;
      }
      ended = true;
      counts.active--;
      if (errorAfter === undefined) subscriber.complete();
      else subscriber.error(makeError(options, builder));
      return false;
    };
    if (delayMs !== undefined) {
      subscriber.add(
        scheduler.schedule(
          function (this: SchedulerAction<number>, i = 0) {
            if (step(i)) this.schedule(i + 1, delayMs);
          },
          delayMs,
          0,
        ),
      );
    } else {
      for (let i = 0; !subscriber.closed && step(i); i++);
    }
    return () => {
      if (ended) return;
      counts.active--;
      counts.aborted++;
    };
  });
  return Object.defineProperties(source, {
    requests: { get: () => counts.requests },
    active: { get: () => counts.active },
    aborted: { get: () => counts.aborted },
  }) as FakeSource;
}

function makeError(options: FakeSourceOptions, builder: SnapshotBuilder): unknown {
  let error: unknown;
  // an error the test made is delivered as it is (set its `partial` where you make it); the
  // default truncation is made here, with what the fake had sent
  if (typeof options.error === 'function') error = options.error();
  else if ('error' in options) error = options.error;
  else error = new StreamTruncatedError('fake stream ended before its terminal event (errorAfter).', { provider: 'fake', partial: builder.partial() });
  return error;
}
