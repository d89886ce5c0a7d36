import { Observable } from 'rxjs';

/**
 * An async iterable (an async generator, a Node `Readable`, a Web `ReadableStream` in runtimes
 * that iterate it, an SDK stream) as an Observable.
 *
 * <span class="informal">Like RxJS `from(iterable)`, but unsubscribing stops the iterator at
 * once instead of after its next value.</span>
 *
 * Each subscription calls `iterable[Symbol.asyncIterator]()` and reads it with `next()`, one value
 * at a time. Cold as far as the iterable is: an async generator object or a stream returns the
 * same one-shot iterator every time, so a second subscription sees only what is left; pass a
 * fresh iterable per subscription (`defer(() => fromAsyncIterable(gen()))`) to repeat the work.
 *
 * On the iterator's end: completes. On a rejected `next()`: errors with that reason. On
 * unsubscribe: calls the iterator's `return()` right away (which ends a generator at its current
 * `yield`, destroys a Node stream, cancels a Web stream: the work behind it stops); a rejection of
 * `return()` is ignored. `return()` is not called after the iterator ended or failed by itself.
 *
 * @example
 * ```ts
 * const stream = await client.chat.completions.create({ ...params, stream: true });
 * fromAsyncIterable(stream).pipe(take(3)).subscribe(console.log); // take's unsubscribe aborts the request
 * ```
 *
 * @see toAsyncIterable
 * @param iterable What to read.
 * @return An Observable of the iterable's values.
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const iterator = iterable[Symbol.asyncIterator]();
    let ended = false;
    (async () => {
      for (;;) {
        const result = await iterator.next();
        if (subscriber.closed) return;
        if (result.done) {
          ended = true;
          subscriber.complete();
          return;
        }
        subscriber.next(result.value);
        if (subscriber.closed) return;
      }
    })().catch((error: unknown) => {
      ended = true;
      subscriber.error(error);
    });
    return () => {
      if (ended) return;
      ended = true;
      try {
        Promise.resolve(iterator.return?.()).catch(() => {});
      } catch {
        // a synchronous throw from return() has nowhere to go after unsubscribe
      }
    };
  });
}
