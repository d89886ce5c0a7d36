import { Observable, type Subscriber } from 'rxjs';
import type { Delta, DeltaSink } from '../core/delta.ts';
import { RxllmError } from '../core/errors.ts';
import { PartialRecorder } from '../core/partial-recorder.ts';

/**
 * Where a source's mapping code puts its deltas. `next` records the delta (for `partial`) and
 * passes it on synchronously. @internal
 */
export interface Sink extends DeltaSink {
  next(delta: Delta): void;
  /** True once the subscriber unsubscribed or the source ended: stop reading. */
  readonly closed: boolean;
  /** What has arrived so far (for `partial`). */
  readonly recorder: PartialRecorder;
}

/** How one provider's request is made and read. @internal */
export interface SourceSpec<T> {
  /** rxllm's provider name, for errors. */
  readonly provider: string;
  /** The user's signal, linked to the request's. */
  readonly signal?: AbortSignal | undefined;
  /** Sends the request through the SDK with `signal`; resolves once the response headers (or body) are in. */
  start(signal: AbortSignal): Promise<T>;
  /**
   * Reads the response into `sink`. Resolves once the provider's terminal event was handled
   * (the source then completes), rejects with a typed error otherwise.
   */
  read(response: T, sink: Sink, signal: AbortSignal): Promise<void> | void;
  /** Turns an SDK or network error into a typed one (`partial` is attached afterwards). */
  mapError(error: unknown, sink: Sink): unknown;
}

/**
 * The cold Observable behind every provider factory: one request per subscription, aborted on
 * unsubscribe; errors typed and carrying the partial snapshot. @internal
 */
export function createSource<T>(spec: SourceSpec<T>): Observable<Delta> {
  return new Observable<Delta>((subscriber) => {
    const controller = new AbortController();
    const userSignal = spec.signal;
    const onUserAbort = () => controller.abort(userSignal!.reason);
    if (userSignal) {
      if (userSignal.aborted) controller.abort(userSignal.reason);
      else userSignal.addEventListener('abort', onUserAbort, { once: true });
    }
    // true once the source completed normally: the body was read to its terminal event, so the
    // connection is left to finish (and be reused by keep-alive) instead of being aborted
    let completed = false;
    const sink = new SourceSink(subscriber);
    const recorder = sink.recorder;

    const fail = (error: unknown) => {
      if (sink.closed) return;
      sink.closed = true;
      let typed = error;
      // the user's abort wins over whatever the abort caused (readSSE reports the aborted read as a truncation)
      if (controller.signal.aborted && userSignal?.aborted) typed = userSignal.reason;
      else if (!(error instanceof RxllmError)) typed = spec.mapError(error, sink);
      if (typed instanceof RxllmError && typed.partial === undefined && recorder.deltaCount > 0) typed = typed.withPartial(recorder.partial());
      subscriber.error(typed);
    };

    // promise callbacks rather than an async function: no paused frame per open stream
    const complete = () => {
      if (sink.closed) return;
      sink.closed = true;
      completed = true;
      subscriber.complete();
    };
    new Promise<T>((resolve) => resolve(spec.start(controller.signal)))
      .then((response) => (sink.closed ? undefined : spec.read(response, sink, controller.signal)))
      .then(complete, fail);

    return () => {
      sink.closed = true;
      userSignal?.removeEventListener('abort', onUserAbort);
      if (!completed && !controller.signal.aborted) controller.abort();
    };
  });
}

/**
 * The sink of one subscription: records each delta for `partial`, then passes it on. `closed`
 * is a plain field (read once per event) that the source sets when it ends and its teardown
 * sets on unsubscribe, so it is true whenever the subscriber is closed.
 */
class SourceSink implements Sink {
  closed = false;
  readonly recorder = new PartialRecorder();
  private readonly subscriber: Subscriber<Delta>;

  constructor(subscriber: Subscriber<Delta>) {
    this.subscriber = subscriber;
  }

  next(delta: Delta): void {
    this.recorder.record(delta);
    this.subscriber.next(delta);
  }
}
