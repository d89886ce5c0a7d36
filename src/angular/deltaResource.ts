/**
 * `deltaResource`: an `Observable<Delta>` pipeline as an Angular `Resource` of snapshots.
 * @module
 */
import {
  assertInInjectionContext,
  computed,
  inject,
  Injector,
  resource,
  signal,
  type Resource,
  type ResourceSnapshot,
  type ResourceStatus,
  type ResourceStreamItem,
  type Signal,
} from '@angular/core';
import type { Observable } from 'rxjs';
import type { Delta, Snapshot } from '../core/delta.ts';
import { RxllmError } from '../core/errors.ts';
import { accumulate } from '../operators/accumulate.ts';
import type { ChatStatus } from './chatResource.ts';

/** Options of {@link deltaResource}. */
export interface DeltaResourceOptions<P> {
  /**
   * A reactive function of the params; each new value cancels the running stream and starts
   * `stream(params)`. `undefined` means "nothing to stream" (status `idle`). Default: one stream
   * at creation.
   */
  readonly params?: () => P | undefined;
  /** Makes the cold source for the params: your pipeline (`fromSSE(…).pipe(timeoutIdle(…))`). */
  readonly stream: (params: P) => Observable<Delta>;
  /** The injector that owns the resource; default: the current injection context. */
  readonly injector?: Injector;
}

/**
 * A `Resource<Snapshot | undefined>` whose `value()` never throws: after an error it still holds
 * the partial answer, and `error()` says what failed. `streamStatus()` tells `waiting` from
 * `streaming`, which Angular's `ResourceStatus` (`resolved` from the first value on) does not.
 */
export interface DeltaResource extends Resource<Snapshot | undefined> {
  /** `idle`, `waiting` (no delta yet), `streaming`, `done`, `error` or `cancelled` (see {@link ChatStatus}). */
  readonly streamStatus: Signal<ChatStatus>;
  /** Starts the stream again with the same params. @return false when there are no params. */
  reload(): boolean;
  /** Stops the running stream (aborting its request): `streamStatus` `cancelled`, the partial kept; `status()` stays as Angular left it. */
  cancel(): void;
  /** Tears the resource down (as its injector's destruction does). */
  destroy(): void;
}

interface StreamState {
  readonly snapshot: Snapshot | undefined;
  readonly phase: ChatStatus;
  readonly error: Error | undefined;
}

const IDLE: StreamState = { snapshot: undefined, phase: 'idle', error: undefined };

/**
 * Exposes an `Observable<Delta>` pipeline as an Angular `Resource` of snapshots, built on
 * Angular's `resource({ params, stream })`, keeping the partial answer when the stream fails.
 *
 * <span class="informal">`rxResource` for delta streams, without "Resource is currently in an
 * error state" taking the partial answer away (angular/angular#61846).</span>
 *
 * Each params value subscribes `stream(params).pipe(accumulate())`; `value()` is the snapshot so
 * far (a new object per delta). Angular's loader is given the state as values only, so its
 * `value()` would never throw; this resource reports the error itself:
 * On complete: `streamStatus` `done`, `status` `resolved`.
 * On error: `status` and `streamStatus` `error`, `error()` the typed error, `value()` the partial
 * answer (the error's `partial` when it holds more), `snapshot()` `{ status: 'error', error }` as
 * Angular's contract wants.
 * On new params, `reload`, `cancel`, `destroy` or the injector's destruction: the subscription
 * ends, so the request is aborted.
 *
 * @example
 * ```ts
 * readonly question = signal<string | undefined>(undefined);
 * readonly answer = deltaResource({
 *   params: () => this.question(),
 *   stream: (q) => fromSSE((signal) => fetch('/v1/chat/completions', { method: 'POST', body: body(q), signal })).pipe(timeoutIdle(10_000)),
 * });
 * // template: {{ answer.value()?.text }} @if (answer.error()) { <p>stopped: {{ answer.error()!.message }}</p> }
 * ```
 *
 * @see {@link chatResource} for a multi-turn chat with `send` and `cancel`.
 * @param options `params` (reactive), `stream` (params → cold `Observable<Delta>`), `injector`.
 * @return The resource: Angular's `Resource` members plus `streamStatus`, `reload`, `cancel`, `destroy`.
 */
export function deltaResource<P>(options: DeltaResourceOptions<P>): DeltaResource {
  if (options.injector === undefined) assertInInjectionContext(deltaResource);
  const injector = options.injector ?? inject(Injector);
  const params = options.params ?? (() => true as P);
  let stopCurrent: (() => void) | undefined;

  const inner = resource<StreamState, P | undefined>({
    injector,
    defaultValue: IDLE,
    params: () => params(),
    stream: ({ params: value, abortSignal }) => {
      const state = signal<ResourceStreamItem<StreamState>>({ value: { snapshot: undefined, phase: 'waiting', error: undefined } });
      let last: Snapshot | undefined;
      const subscription = options.stream(value as P).pipe(accumulate()).subscribe({
        next(snapshot) {
          last = Object.freeze(snapshot);
          state.set({ value: { snapshot: last, phase: 'streaming', error: undefined } });
        },
        error(failure: unknown) {
          const typed = failure instanceof Error ? failure : new RxllmError(`deltaResource: the stream failed with ${String(failure)}`, { cause: failure });
          const partial = typed instanceof RxllmError ? typed.partial : undefined;
          if (partial !== undefined && partial.deltaCount > (last?.deltaCount ?? 0)) last = Object.freeze(partial);
          state.set({ value: { snapshot: last, phase: 'error', error: typed } });
        },
        complete() {
          state.set({ value: { snapshot: last, phase: 'done', error: undefined } });
        },
      });
      const stop = () => {
        if (subscription.closed) return;
        subscription.unsubscribe();
        state.set({ value: { snapshot: last, phase: 'cancelled', error: undefined } });
      };
      stopCurrent = stop;
      abortSignal.addEventListener('abort', stop, { once: true });
      return state;
    },
  });

  const current = computed<StreamState>(() => (inner.status() === 'error' ? IDLE : inner.value()));
  // Angular's streaming resources are `resolved` from their first value on; here the first value is the first delta
  const status = computed<ResourceStatus>(() => {
    const phase = current().phase;
    if (phase === 'error') return 'error';
    if (phase === 'waiting') return inner.status() === 'reloading' ? 'reloading' : 'loading';
    return inner.status();
  });
  const error = computed(() => current().error ?? (inner.status() === 'error' ? inner.error() : undefined));
  const value = computed(() => current().snapshot);
  const snapshot = computed<ResourceSnapshot<Snapshot | undefined>>(() => {
    const s = status();
    const e = error();
    return s === 'error' && e !== undefined ? { status: 'error', error: e } : { status: s === 'error' ? 'resolved' : s, value: value() } as ResourceSnapshot<Snapshot | undefined>;
  });
  const streamStatus = computed<ChatStatus>(() => {
    const phase = current().phase;
    return phase === 'idle' && (inner.status() === 'loading' || inner.status() === 'reloading') ? 'waiting' : phase;
  });

  return {
    value,
    status,
    error,
    isLoading: computed(() => {
      const phase = streamStatus();
      return phase === 'waiting' || phase === 'streaming';
    }),
    snapshot,
    streamStatus,
    hasValue: (() => value() !== undefined) as DeltaResource['hasValue'],
    reload: () => inner.reload(),
    cancel: () => stopCurrent?.(),
    destroy: () => inner.destroy(),
  };
}
