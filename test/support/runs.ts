/**
 * Subscribing helpers for the conformance suite and the fault matrix: run a source to its end,
 * or cut it after some deltas, and the snapshot a list of deltas makes.
 */
import type { Observable } from 'rxjs';
import type { Delta, Snapshot } from '../../src/core/delta.ts';
import { SnapshotBuilder } from '../../src/core/snapshot-builder.ts';

/** The snapshot `accumulate()` ends with for `deltas`; `undefined` for none (as an error's `partial`). */
export function snapshotOf(deltas: readonly Delta[]): Snapshot | undefined {
  if (deltas.length === 0) return undefined;
  const builder = new SnapshotBuilder();
  for (const d of deltas) builder.apply(d);
  return builder.snapshot();
}

/** What one subscription gave: every delta, the snapshot they make, and how it ended. */
export interface Run {
  readonly deltas: Delta[];
  /** What `accumulate()` ends with (an empty snapshot when no delta arrived). */
  readonly snapshot: Snapshot;
  readonly error: unknown;
  readonly completed: boolean;
}

/** Subscribes and resolves once the source completes or errors. */
export function run(source: Observable<Delta>): Promise<Run> {
  return new Promise((resolve) => {
    const deltas: Delta[] = [];
    const builder = new SnapshotBuilder();
    source.subscribe({
      next(d) {
        deltas.push(d);
        builder.apply(d);
      },
      error: (error: unknown) => resolve({ deltas, snapshot: builder.snapshot(), error, completed: false }),
      complete: () => resolve({ deltas, snapshot: builder.snapshot(), error: undefined, completed: true }),
    });
  });
}

/**
 * Subscribes, unsubscribes once `count` deltas arrived, then resolves with the deltas and how
 * the source ended (nothing, after an unsubscribe). Rejects when the source ends first.
 */
export function unsubscribeAfter(source: Observable<Delta>, count: number): Promise<{ deltas: Delta[]; ended: unknown[] }> {
  return new Promise((resolve, reject) => {
    const deltas: Delta[] = [];
    const ended: unknown[] = [];
    const subscription = source.subscribe({
      next(d) {
        deltas.push(d);
        if (deltas.length === count) {
          // after the delta is handled: this callback runs inside the source's emit
          queueMicrotask(() => {
            subscription.unsubscribe();
            resolve({ deltas, ended });
          });
        }
      },
      error: (e: unknown) => reject(new Error(`the source errored before ${count} deltas: ${String(e)}`)),
      complete: () => reject(new Error(`the source completed before ${count} deltas`)),
    });
  });
}
