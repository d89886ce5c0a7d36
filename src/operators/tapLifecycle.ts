import { config, Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { Delta, Snapshot } from '../core/delta.ts';
import { LifecycleHookError, type LifecycleHookName } from '../core/errors.ts';
import { operate } from '../core/operate.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';

/** How a subscription to the stream ended, as `onFinalize` is told. */
export type LifecycleEnd = 'complete' | 'error' | 'unsubscribe';

/**
 * The hooks of {@link tapLifecycle}. Each may be synchronous or return a promise; all are optional.
 */
export interface LifecycleHooks {
  /** At subscribe, before the source is subscribed (so before the request is sent). */
  onStart?(): unknown;
  /** For each delta, before it is passed on. */
  onDelta?(delta: Delta): unknown;
  /** When the source completes, before the completion is passed on: the whole response, usage included. */
  onComplete?(snapshot: Snapshot): unknown;
  /** When the stream errors, before the error is passed on, with what had arrived (`undefined` when nothing had). */
  onError?(error: unknown, partial: Snapshot | undefined): unknown;
  /** Once, after any end: complete, error, or unsubscribe (a cancelled request). */
  onFinalize?(end: LifecycleEnd): unknown;
  /**
   * When true, an `onStart`, `onDelta` or `onComplete` hook that throws or rejects errors the
   * stream with a {@link LifecycleHookError} (which unsubscribes the source), and the stream
   * completes only once `onComplete`'s promise resolved. Default false: hooks never change the
   * stream.
   */
  readonly strict?: boolean;
  /**
   * Where hook failures that do not error the stream go (all of them unless `strict`; those of
   * `onError` and `onFinalize` always). Default: RxJS's `config.onUnhandledError` when set,
   * else `console.warn`.
   */
  onHookError?(error: LifecycleHookError): void;
}

/**
 * Runs hooks at the lifecycle points of a streaming call (start, each delta, complete with the
 * whole response, error with what had arrived, finalize on any end), for logging, metrics and
 * persisting the response once the stream finished.
 *
 * <span class="informal">`tap` and `finalize` for a whole LLM call, with the accumulated
 * response handed to you; a broken logger does not break the stream.</span>
 *
 * ```
 * source:          --a--b--(u|)     a, b = text, u = usage
 * tapLifecycle():  --a--b--(u|)     onStart at subscribe; onDelta(a), onDelta(b), onDelta(u);
 *                                   onComplete({ text, usage, … }); onFinalize('complete')
 * ```
 *
 * Deltas pass through unchanged. The snapshot handed to `onComplete` and `onError` is built
 * only when one of them (or `strict`) is given, in linear total time.
 *
 * Hook failures (a throw or a rejected promise) are wrapped in a {@link LifecycleHookError}
 * naming the hook. By default they go to `onHookError` and the stream goes on as if the hook
 * had succeeded. With `strict: true`, a failing `onStart`, `onDelta` or `onComplete` errors the
 * stream instead (the delta or completion is not passed on; a promise that rejects after the
 * stream ended goes to `onHookError`), and a promise returned by `onComplete` is awaited before
 * the completion is passed on. `onError` and `onFinalize` run when the stream already ends:
 * their failures always go to `onHookError`.
 *
 * On complete: `onComplete(snapshot)`, then completes, then `onFinalize('complete')`. On error
 * (the source's, or a hook's with `strict`): `onError(error, partial)`, then errors with the
 * same error, then `onFinalize('error')`. On unsubscribe: unsubscribes the source, then
 * `onFinalize('unsubscribe')`. Teardown drops the snapshot builder, keeping only the final
 * snapshot for the `partial` of hook promises that reject later.
 *
 * @example
 * ```ts
 * fromOpenAI(client, params).pipe(
 *   tapLifecycle({
 *     onStart: () => metrics.increment('llm.calls'),
 *     onComplete: (s) => db.saveResponse(s.text, s.usage),   // a promise: runs after the stream finished
 *     onError: (e, partial) => log.warn('llm call failed', e, partial?.text.length),
 *     onFinalize: (end) => metrics.increment(`llm.end.${end}`),
 *   }),
 * );
 * ```
 *
 * @see {@link accumulate}
 *
 * @param hooks The hooks, `strict` and `onHookError`.
 * @return A function that returns an Observable of the same deltas, with the hooks run along.
 */
export function tapLifecycle(hooks: LifecycleHooks): MonoTypeOperatorFunction<Delta> {
  const { onStart, onDelta, onComplete, onError, onFinalize, strict = false } = hooks;
  const needsSnapshot = onComplete !== undefined || onError !== undefined || strict;

  /** Hands a failure that does not error the stream to `onHookError` (or the default). */
  const report = (error: LifecycleHookError) => {
    try {
      if (hooks.onHookError !== undefined) hooks.onHookError(error);
      else reportByDefault(error);
    } catch (thrown) {
      reportByDefault(thrown);
    }
  };

  return (source) =>
    new Observable<Delta>((subscriber) => {
      let builder: SnapshotBuilder | null = needsSnapshot ? new SnapshotBuilder() : null;
      /** The response as it was at teardown, for hook promises that reject later. */
      let final: Snapshot | undefined;
      let end: LifecycleEnd | undefined;
      const partial = () => (builder !== null ? builder.partial() : final);

      const wrap = (hook: LifecycleHookName, cause: unknown, stopped: boolean) =>
        new LifecycleHookError(
          `tapLifecycle: the ${hook} hook failed: ${describe(cause)}. ` +
            (stopped
              ? 'The stream was stopped (strict: true); what had arrived is in `partial`.'
              : strict
                ? 'The stream was already ending and was left as it was.'
                : 'The stream went on; pass `strict: true` to stop it on hook failures, `onHookError` to handle them.'),
          { hook, cause, partial: partial() },
        );

      /** Runs `onError`; its failures are reported. */
      const runOnError = (error: unknown) => {
        if (onError === undefined) return;
        try {
          const result = onError.call(hooks, error, partial());
          if (isThenable(result)) result.then(undefined, onErrorRejected);
        } catch (thrown) {
          onErrorRejected(thrown);
        }
      };
      const onErrorRejected = (cause: unknown) => report(wrap('onError', cause, false));

      /**
       * A hook failed. With `strict`, a stream-changing hook errors the open stream (returns
       * true); otherwise the failure is reported (returns false).
       */
      const fail = (hook: 'onStart' | 'onDelta' | 'onComplete', cause: unknown): boolean => {
        if (!strict || subscriber.closed) {
          report(wrap(hook, cause, false));
          return false;
        }
        const error = wrap(hook, cause, true);
        end = 'error';
        runOnError(error);
        subscriber.error(error);
        return true;
      };
      const onStartRejected = (cause: unknown) => fail('onStart', cause);
      const onDeltaRejected = (cause: unknown) => fail('onDelta', cause);
      const onCompleteRejected = (cause: unknown) => fail('onComplete', cause);
      const completeNow = () => {
        end = 'complete';
        subscriber.complete();
      };

      const teardown = () => {
        if (onFinalize !== undefined) {
          try {
            const result = onFinalize.call(hooks, end ?? 'unsubscribe');
            if (isThenable(result)) result.then(undefined, onFinalizeRejected);
          } catch (thrown) {
            onFinalizeRejected(thrown);
          }
        }
        final = builder?.partial();
        builder = null;
      };
      const onFinalizeRejected = (cause: unknown) => report(wrap('onFinalize', cause, false));

      if (onStart !== undefined) {
        try {
          const result = onStart.call(hooks);
          if (isThenable(result)) result.then(undefined, onStartRejected);
        } catch (thrown) {
          if (fail('onStart', thrown)) return teardown;
        }
      }

      operate(source, subscriber, {
        next(delta) {
          if (onDelta !== undefined) {
            try {
              const result = onDelta.call(hooks, delta);
              if (isThenable(result)) result.then(undefined, onDeltaRejected);
            } catch (thrown) {
              // strict: the delta whose hook failed is not passed on, so not in the error's `partial`;
              // otherwise it goes on, and the reported failure's `partial` includes it
              if (!strict) {
                if (builder !== null) builder.apply(delta);
                fail('onDelta', thrown);
                subscriber.next(delta);
                return;
              }
              if (fail('onDelta', thrown)) return;
            }
          }
          if (builder !== null) builder.apply(delta);
          subscriber.next(delta);
        },
        error(err: unknown) {
          end = 'error';
          runOnError(err);
          subscriber.error(err);
        },
        complete() {
          if (onComplete === undefined) return completeNow();
          let result: unknown;
          try {
            result = onComplete.call(hooks, builder!.snapshot());
          } catch (thrown) {
            if (fail('onComplete', thrown)) return;
          }
          if (!isThenable(result)) return completeNow();
          if (strict) return void result.then(completeNow, onCompleteRejected);
          result.then(undefined, onCompleteRejected);
          completeNow();
        },
      });
      return teardown;
    });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The default of `onHookError`: RxJS's `config.onUnhandledError` when set, else a console warning. */
function reportByDefault(error: unknown): void {
  if (config.onUnhandledError !== null) config.onUnhandledError(error);
  else console.warn(error);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
