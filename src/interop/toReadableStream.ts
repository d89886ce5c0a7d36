import type { Observable } from 'rxjs';
import { Backlog, type BridgeOptions, checkBridgeOptions } from './backlog.ts';

/**
 * An Observable as a WHATWG `ReadableStream` (browsers, Deno, Bun, edge runtimes, Node).
 *
 * <span class="informal">A push source read at the reader's pace, with a bounded buffer in
 * between.</span>
 *
 * The source is subscribed on the first read (the stream has a `highWaterMark` of 0: it pulls
 * only when read), so creating the stream does no work. Values not yet read wait in a buffer of
 * at most `highWaterMark` values; past it the `overflow` policy applies (default `'error'`: the
 * source is unsubscribed, the buffered values are still delivered, then the stream errors with
 * `BufferOverflowError`). Values are enqueued as they are (pipe strings through
 * `TextEncoderStream` for a byte body, or use `toSSEResponse` from `rxllm/sse`).
 *
 * On complete: the stream closes once the buffered values are read. On error: the stream errors
 * with the source's error after the buffered values. On `cancel()` (the reader cancels, a
 * `pipeTo` destination fails, a client disconnects from a Response body): unsubscribes the source
 * at once, which aborts the provider request.
 *
 * @example
 * ```ts
 * const body = toReadableStream(deltas$.pipe(map((d) => JSON.stringify(d) + '\n'))).pipeThrough(new TextEncoderStream());
 * return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
 * ```
 *
 * @see https://streams.spec.whatwg.org/#rs-class
 * @param source The Observable to read.
 * @param options `highWaterMark` (values, default 10 000) and `overflow` (`'error'` | `'drop-oldest'`).
 * @return A ReadableStream of the source's values; one subscription per stream.
 * @throws RangeError at call time for a negative `highWaterMark` or an unknown `overflow`.
 */
export function toReadableStream<T>(source: Observable<T>, options: BridgeOptions = {}): ReadableStream<T> {
  checkBridgeOptions('toReadableStream', options);
  let controller!: ReadableStreamDefaultController<T>;
  /** A read is waiting for a value. */
  let pulling = false;
  const finish = () => {
    if (backlog.failed) controller.error(backlog.error);
    else controller.close();
  };
  const backlog = new Backlog<T>('toReadableStream', options, {
    take(value) {
      if (!pulling) return false;
      pulling = false;
      controller.enqueue(value);
      return true;
    },
    wake() {
      if (!pulling) return;
      pulling = false;
      finish();
    },
  });
  return new ReadableStream<T>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (backlog.size > 0) {
          controller.enqueue(backlog.shift());
        } else if (backlog.ended) {
          finish();
        } else {
          pulling = true;
          backlog.start(source);
        }
      },
      cancel() {
        pulling = false;
        backlog.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}
