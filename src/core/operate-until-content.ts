import type { Observable, Subscriber, Subscription } from 'rxjs';
import { type Delta, isContentDelta } from './delta.ts';
import { operate } from './operate.ts';

/**
 * Subscribes one attempt of `source` (see {@link operate}) for the operators that may replace a
 * failed attempt (`fallbackToNonStreaming`, `retryBeforeFirstDelta`): the attempt's non-content
 * deltas (`metadata`, `usage`, …) are held until its first content delta, so a replaced attempt
 * leaves no trace downstream. An error before content goes to `beforeContent`, which returns
 * true when it took over (subscribed a replacement) and false to let the error through, after
 * the held deltas. After content, errors pass through unchanged. The held deltas are dropped at
 * teardown.
 * @internal
 */
export function operateUntilContent(
  source: Observable<Delta>,
  subscriber: Subscriber<Delta>,
  beforeContent: (err: unknown) => boolean,
): Subscription {
  // Non-content deltas before the first content delta; null once content passed (or torn down).
  let held: Delta[] | null = [];
  const flush = () => {
    const deltas = held;
    held = null;
    if (deltas !== null) for (const delta of deltas) subscriber.next(delta);
  };
  const inner = operate(source, subscriber, {
    next(delta) {
      if (held === null) {
        subscriber.next(delta);
      } else if (isContentDelta(delta)) {
        flush();
        subscriber.next(delta);
      } else {
        held.push(delta);
      }
    },
    error(err: unknown) {
      if (held !== null && beforeContent(err)) {
        held = null;
        return;
      }
      flush();
      subscriber.error(err);
    },
    complete() {
      flush();
      subscriber.complete();
    },
  });
  inner.add(() => {
    held = null;
  });
  return inner;
}
