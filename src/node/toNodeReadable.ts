import { Readable } from 'node:stream';
import type { Observable } from 'rxjs';
import { Backlog, type BridgeOptions, checkBridgeOptions } from '../interop/backlog.ts';

/** Options of {@link toNodeReadable}. */
export interface NodeReadableOptions extends BridgeOptions {
  /**
   * `true` (default): one value per read (deltas, chunks, any object). `false`: a byte stream of
   * strings (UTF-8) and `Uint8Array`s, for `pipe`-ing SSE frames or NDJSON into a socket or file.
   */
  readonly objectMode?: boolean;
}

/**
 * An Observable as a Node.js `Readable` stream, for `pipeline()`, `pipe()` and Node APIs.
 *
 * <span class="informal">A push source read at the stream's pace, with a bounded buffer in
 * between.</span>
 *
 * The source is subscribed on the first read (`_read`), not when the stream is made. Values the
 * stream has not asked for (Node's own buffer holds up to its `readableHighWaterMark`: 16 objects)
 * wait in a buffer of at most `highWaterMark` values; past it the `overflow` policy applies
 * (default `'error'`: the source is unsubscribed, the buffered values are still read, then the
 * stream is destroyed with `BufferOverflowError`).
 *
 * On complete: ends the stream (`push(null)`) once the buffer is read. On error: destroys the
 * stream with the source's error after the buffered values. On `destroy()` (a `pipeline` whose
 * destination failed or closed, an HTTP client that disconnected): unsubscribes the source at
 * once, which aborts the provider request.
 *
 * @example
 * ```ts
 * await pipeline(toNodeReadable(sse$, { objectMode: false }), res); // sse$ = deltas$.pipe(toChatCompletionChunks(…), toServerSentEvents())
 * ```
 *
 * @see https://nodejs.org/api/stream.html#class-streamreadable
 * @param source The Observable to read.
 * @param options `objectMode` (default true), `highWaterMark` (values, default 10 000), `overflow`.
 * @return A Readable of the source's values; one subscription per stream.
 * @throws RangeError at call time for a negative `highWaterMark` or an unknown `overflow`.
 */
export function toNodeReadable<T>(source: Observable<T>, options: NodeReadableOptions = {}): Readable {
  checkBridgeOptions('toNodeReadable', options);
  /** `_read` was called and no value was pushed since: push straight through. */
  let reading = false;
  const finish = () => {
    if (backlog.failed) readable.destroy(asError(backlog.error));
    else readable.push(null);
  };
  const backlog = new Backlog<T>('toNodeReadable', options, {
    take(value) {
      if (!reading) return false;
      reading = readable.push(value);
      return true;
    },
    wake() {
      if (!reading || backlog.size > 0) return;
      reading = false;
      finish();
    },
  });
  const readable = new Readable({
    objectMode: options.objectMode ?? true,
    read() {
      reading = true;
      while (backlog.size > 0) {
        reading = readable.push(backlog.shift());
        if (!reading) return;
      }
      if (backlog.ended) {
        reading = false;
        finish();
      } else {
        backlog.start(source);
      }
    },
    destroy(error, callback) {
      reading = false;
      backlog.cancel();
      callback(error);
    },
  });
  return readable;
}

/** Node streams are destroyed with an `Error`; a non-Error reason is wrapped, keeping it as `cause`. */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`toNodeReadable: the source failed with ${String(reason)}`, { cause: reason });
}
