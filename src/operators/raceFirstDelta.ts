import { asyncScheduler, from, Observable, type ObservableInput, type SchedulerLike, type Subscription } from 'rxjs';
import { type Delta, isContentDelta } from '../core/delta.ts';
import { operate } from '../core/operate.ts';

/** Configuration of {@link raceFirstDelta}. */
export interface RaceFirstDeltaConfig {
  /** How long each started source may go without a content delta before the next one starts, in ms. */
  readonly hedgeAfter: number;
  /** Where the hedge delays are scheduled (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Hedged requests: subscribes the first source, then each next one after `hedgeAfter` ms without
 * a content delta; the first source to emit content wins, the others are unsubscribed (their
 * requests aborted), and the result is the winner's deltas.
 *
 * <span class="informal">Like `race`, but the contenders start one by one, only content decides,
 * and a contender that fails is dropped instead of ending the race.</span>
 *
 * ```
 * source 0:   -m-----------             stalls after its metadata m
 * source 1:      -n-a---b|              subscribed after hedgeAfter = 3 ms
 * raceFirstDelta([source0, source1], { hedgeAfter: 3 })
 * result:     ------(na)b|              source 0 is released at the frame of a
 * ```
 *
 * Content is what {@link isContentDelta} says (text, reasoning, tool calls). Until a source wins,
 * its other deltas (`metadata`, `usage`, `finish`) are held back: the winner's pass on, in order,
 * right before its first content delta; the losers' are dropped. So the result carries the deltas
 * of exactly one response. A source that completes before any other emitted content also wins
 * (an empty answer is an answer): its held deltas pass on, then complete.
 *
 * A source that errors before content is dropped from the race and the next source (if any)
 * starts at once, in its place; when every source has failed, the result errors with the last
 * error. After the win, the winner's deltas, error and complete pass through unchanged, with no
 * switching (so no text is repeated). On unsubscribe: releases every running source (aborting
 * their requests), cancels the hedge timer and drops the held deltas.
 *
 * @example Ask a second provider when the first has not started answering within 2 s
 * ```ts
 * raceFirstDelta([fromOpenAI(openai, params), fromAnthropic(anthropic, params2)], { hedgeAfter: 2_000 })
 *   .pipe(accumulate());
 * ```
 *
 * @see {@link retryBeforeFirstDelta} to send the same request again only after a failure
 * @see {@link timeoutIdle}
 *
 * @see docs/marbles/raceFirstDelta.svg: the diagram drawn from this operator's spec (marbles/raceFirstDelta.marble.ts)
 * @param sources The contenders, in the order they start (cold sources: each subscription is one
 * request). At least one; an empty list throws a `TypeError`.
 * @param config `hedgeAfter` (ms, a finite number >= 0, else a `TypeError`), `scheduler`.
 * @return An Observable of the winning source's deltas.
 */
export function raceFirstDelta(sources: readonly ObservableInput<Delta>[], config: RaceFirstDeltaConfig): Observable<Delta> {
  const { hedgeAfter, scheduler = asyncScheduler } = config;
  if (sources.length === 0) throw new TypeError('raceFirstDelta needs at least one source.');
  if (!(hedgeAfter >= 0 && hedgeAfter < Infinity)) {
    throw new TypeError(`raceFirstDelta: \`hedgeAfter\` must be a finite number of ms >= 0, got ${String(hedgeAfter)}.`);
  }
  const inputs = sources.map((source) => from(source));
  const n = inputs.length;

  return new Observable<Delta>((subscriber) => {
    // Per source: its subscription while it runs, and its held non-content deltas until the win.
    const running: (Subscription | null)[] = new Array<Subscription | null>(n).fill(null);
    let held: (Delta[] | null)[] | null = new Array<Delta[] | null>(n).fill(null);
    let winner = -1;
    let started = 0;
    let alive = 0;
    let timer: Subscription | null = null;

    const win = (i: number) => {
      winner = i;
      timer?.unsubscribe();
      timer = null;
      for (let j = 0; j < n; j++) {
        if (j !== i) running[j]?.unsubscribe();
        running[j] = null;
      }
      const deltas = held![i];
      held = null;
      if (deltas) for (const delta of deltas) subscriber.next(delta);
    };

    const startNext = () => {
      timer?.unsubscribe();
      timer = null;
      const i = started++;
      alive++;
      held![i] = [];
      const subscription = operate(inputs[i]!, subscriber, {
        next(delta) {
          if (winner === i) {
            subscriber.next(delta);
          } else if (isContentDelta(delta)) {
            win(i);
            subscriber.next(delta);
          } else {
            held![i]!.push(delta);
          }
        },
        error(err: unknown) {
          if (winner === i) {
            subscriber.error(err);
            return;
          }
          running[i] = null;
          held![i] = null;
          alive--;
          if (started < n) startNext();
          else if (alive === 0) subscriber.error(err);
        },
        complete() {
          if (winner !== i) win(i);
          subscriber.complete();
        },
      });
      // Unless it already won, failed (starting the next one) or completed during subscribe:
      // keep it for the win, and give it `hedgeAfter` ms before the next one starts.
      if (winner < 0 && started === i + 1 && !subscription.closed) {
        running[i] = subscription;
        if (started < n) timer = scheduler.schedule(onHedge, hedgeAfter);
      }
    };

    function onHedge(): void {
      timer = null;
      if (winner < 0 && started < n) startNext();
    }

    startNext();
    return () => {
      timer?.unsubscribe();
      timer = null;
      held = null;
      running.fill(null);
    };
  });
}
