import { Observable, type OperatorFunction } from 'rxjs';
import type { Delta, Snapshot } from '../core/delta.ts';
import { RxllmError } from '../core/errors.ts';
import { operate } from '../core/operate.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';

/**
 * Builds the response so far from a stream of deltas: one {@link Snapshot} per delta.
 *
 * <span class="informal">Like `scan`, specialised to deltas, in linear total time.</span>
 *
 * ```
 * source:      --m--a--b--(u|)         m = metadata, a = text 'Hel', b = text 'lo', u = usage
 * accumulate:  --M--A--B--(U|)         A.text = 'Hel', B.text = 'Hello', U.usage = u
 * ```
 *
 * Text and reasoning are concatenated (never re-joined per delta: total cost is linear in the
 * stream's length). Tool calls are kept apart by `index`, even when interleaved; an index reused
 * after its call ended starts a new call. A call's `args` are parsed once its `tool-call-end`
 * arrives, never mid-stream; arguments that do not parse keep `argsText` and set `argsError`.
 * Usage arriving after the finish (OpenAI's final `choices: []` chunk) is still recorded.
 *
 * A `reset` delta rolls the snapshot back to empty (`deltaCount` 0): the next deltas build a
 * new response. State lives per subscription: a resubscribe starts from an empty snapshot.
 *
 * On complete: completes. On error: the error passes on unchanged (an {@link RxllmError} from an
 * rxllm source already carries the snapshot so far as its `partial`, set where it was made).
 * On unsubscribe: unsubscribes the source and drops the state.
 *
 * @example
 * ```ts
 * fromOpenAI(client, params).pipe(accumulate(), last()).subscribe((s) => console.log(s.text, s.usage));
 * ```
 *
 * @see docs/marbles/accumulate.svg: the diagram drawn from this operator's spec (marbles/accumulate.marble.ts)
 * @return A function that returns an Observable of one snapshot per source delta.
 */
export function accumulate(): OperatorFunction<Delta, Snapshot> {
  return (source) =>
    new Observable<Snapshot>((subscriber) => {
      let builder: SnapshotBuilder | null = new SnapshotBuilder();
      operate(source, subscriber, {
        next(delta) {
          builder!.apply(delta);
          subscriber.next(builder!.snapshot());
        },
        // errors pass on as they are: the source that raised one set its `partial`
      });
      return () => {
        builder = null;
      };
    });
}
