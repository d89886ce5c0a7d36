import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { type Delta, isContentDelta, type Snapshot } from './delta.ts';
import { operate } from './operate.ts';
import { RecoveryFailedError } from './recovery-failed-error.ts';
import { SnapshotBuilder } from './snapshot-builder.ts';

/** How an answer broken mid-stream is resumed: start over with a `reset`, or continue the text. */
export type RecoveryMode = 'restart' | 'continue';

/** What to subscribe next after a failed attempt. @internal */
export interface RecoveryStep {
  /** The request again from the start. */
  readonly fresh: () => Observable<Delta>;
  /** A request that continues `partial.text`; absent: `fresh` with a `reset`. */
  readonly continuation?: ((partial: Snapshot) => Observable<Delta>) | undefined;
  /** Wait before subscribing it, in ms (0: at once, synchronously). */
  readonly delay: number;
}

/** The policy of `retryStream` and `fallbackTo`. @internal */
export interface RecoveryPlan {
  readonly mode: RecoveryMode;
  /** The `reason` of the `reset` delta emitted on a restart after content. */
  readonly resetReason: string;
  /** Name of the operator, for messages. */
  readonly name: string;
  readonly scheduler: SchedulerLike;
  /** The next step after `error` (`attempt`: 1-based number of the recovery it would start), or undefined to give up. */
  next(error: unknown, attempt: number): RecoveryStep | undefined;
}

/**
 * The engine of `retryStream` and `fallbackTo`. Each attempt's non-content deltas are held until
 * its first content delta (a failed attempt without content leaves no trace, as in
 * `retryBeforeFirstDelta`). On an error the plan says what comes next: without content emitted
 * since the last `reset`, the fresh request, silently; after content, in `continue` mode and
 * when the answer so far is text only (no tool calls), the continuation of it (its `metadata`
 * dropped: the answer keeps the first response's identity); otherwise a `reset` delta at once,
 * then the fresh request. Gives up with the last error as is, or with a
 * {@link RecoveryFailedError} when a continuation was joined since the last reset (the error's
 * own `partial` would then miss the text before it). Teardown cancels a pending step and drops
 * the held deltas and the snapshot.
 * @internal
 */
export function recover(first: Observable<Delta>, plan: RecoveryPlan): Observable<Delta> {
  return new Observable<Delta>((subscriber) => {
    /** What was emitted since the last reset. */
    let emitted: SnapshotBuilder | null = new SnapshotBuilder();
    /** A continuation was joined since the last reset. */
    let continued = false;
    let attempts = 0;
    let timer: Subscription | null = null;

    const emit = (delta: Delta) => {
      emitted!.apply(delta);
      if (delta.type === 'reset') continued = false;
      subscriber.next(delta);
    };

    const run = (source: Observable<Delta>, continuing: boolean) => {
      timer = null;
      let held: Delta[] | null = [];
      const flush = () => {
        const deltas = held;
        held = null;
        if (deltas !== null) for (const delta of deltas) emit(delta);
      };
      const attempt = operate(source, subscriber, {
        next(delta) {
          if (continuing && delta.type === 'metadata') return;
          if (held === null) {
            emit(delta);
          } else if (isContentDelta(delta)) {
            flush();
            emit(delta);
          } else {
            held.push(delta);
          }
        },
        error(err: unknown) {
          const step = plan.next(err, attempts + 1);
          if (step === undefined) {
            flush();
            subscriber.error(continued ? failed(plan.name, attempts, err, emitted!.partial()) : err);
            return;
          }
          held = null;
          attempts++;
          const answer = emitted!;
          let next: () => Observable<Delta>;
          let joining = false;
          if (answer.contentCount === 0) {
            next = step.fresh;
            joining = continued;
          } else if (plan.mode === 'continue' && step.continuation !== undefined && canContinue(answer)) {
            const partial = answer.snapshot();
            const continuation = step.continuation;
            next = () => continuation(partial);
            joining = true;
            continued = true;
          } else {
            next = step.fresh;
            emit({ type: 'reset', reason: plan.resetReason });
          }
          const start = () => {
            if (!subscriber.closed) run(next(), joining);
          };
          if (step.delay === 0) start();
          else timer = plan.scheduler.schedule(start, step.delay);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      attempt.add(() => {
        held = null;
      });
    };

    run(first, false);
    return () => {
      timer?.unsubscribe();
      timer = null;
      emitted = null;
    };
  });
}

/** A text answer can be continued; tool calls (or reasoning alone) start over. */
function canContinue(answer: SnapshotBuilder): boolean {
  return answer.text.trim() !== '' && answer.toolCalls().length === 0;
}

function failed(name: string, attempts: number, cause: unknown, partial: Snapshot | undefined): RecoveryFailedError {
  const last = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new RecoveryFailedError(
    `${name} gave up after ${attempts} recover${attempts === 1 ? 'y' : 'ies'} (last error: ${last}). ` +
      '`partial` holds the whole answer as emitted, `cause` the last error; send the request again later or to another provider.',
    { attempts, cause, partial },
  );
}
