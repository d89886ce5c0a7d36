import type { Observable } from 'rxjs';
import { Backlog, type BacklogConsumer, type BridgeOptions, checkBridgeOptions } from './backlog.ts';

/**
 * An Observable as an async iterable: `for await (const delta of toAsyncIterable(deltas$))`.
 *
 * <span class="informal">A push source read at the consumer's pace, with a bounded buffer in
 * between.</span>
 *
 * Cold: each `[Symbol.asyncIterator]()` call makes a new iterator, which subscribes the source on
 * its first `next()` (one request per loop, none before it starts). Values the loop has not yet
 * asked for wait in a buffer of at most `highWaterMark` values; past it the `overflow` policy
 * applies (default `'error'`: the source is unsubscribed, the buffered values are still
 * delivered, then `next()` rejects with `BufferOverflowError`).
 *
 * On complete: `next()` resolves `done` once the buffered values are read. On error: `next()`
 * rejects with the source's error after the buffered values (the loop throws it), then resolves
 * `done`. On `return()` (a `break`, a `throw` in the loop body): unsubscribes the source at once,
 * which aborts the provider request, and drops the buffer.
 *
 * @example
 * ```ts
 * for await (const delta of toAsyncIterable(fromOpenAI(client, params))) {
 *   if (delta.type === 'text') process.stdout.write(delta.text);
 * }
 * ```
 *
 * @see fromAsyncIterable
 * @param source The Observable to read.
 * @param options `highWaterMark` (values, default 10 000) and `overflow` (`'error'` | `'drop-oldest'`).
 * @return An async iterable whose every iterator is one subscription.
 * @throws RangeError at call time for a negative `highWaterMark` or an unknown `overflow`.
 */
export function toAsyncIterable<T>(source: Observable<T>, options: BridgeOptions = {}): AsyncIterable<T> {
  checkBridgeOptions('toAsyncIterable', options);
  return {
    [Symbol.asyncIterator]: () => new ObservableIterator(source, options),
  };
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

class ObservableIterator<T> implements AsyncIterableIterator<T>, BacklogConsumer<T> {
  private readonly source: Observable<T>;
  private readonly backlog: Backlog<T>;
  private readonly waiters: Waiter<T>[] = [];
  /** True once the end (done or error) was reported to the consumer. */
  private reported = false;

  constructor(source: Observable<T>, options: BridgeOptions) {
    this.source = source;
    this.backlog = new Backlog<T>('toAsyncIterable', options, this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const backlog = this.backlog;
    if (this.waiters.length === 0) {
      if (backlog.size > 0) return Promise.resolve({ value: backlog.shift(), done: false });
      if (backlog.ended) return this.settle();
    }
    const result = new Promise<IteratorResult<T>>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!backlog.started) backlog.start(this.source);
    return result;
  }

  return(): Promise<IteratorResult<T>> {
    this.reported = true;
    this.backlog.cancel();
    const done: IteratorResult<T> = { value: undefined, done: true };
    for (const waiter of this.waiters.splice(0)) waiter.resolve(done);
    return Promise.resolve(done);
  }

  /** @internal */
  take(value: T): boolean {
    const waiter = this.waiters.shift();
    if (waiter === undefined) return false;
    waiter.resolve({ value, done: false });
    return true;
  }

  /** @internal */
  wake(): void {
    while (this.waiters.length > 0 && this.backlog.size === 0) {
      const waiter = this.waiters.shift()!;
      this.settle().then(waiter.resolve, waiter.reject);
    }
  }

  /** The end, once the buffer is empty: the error the first time, `done` after. */
  private settle(): Promise<IteratorResult<T>> {
    if (!this.reported && this.backlog.failed) {
      this.reported = true;
      const error = this.backlog.error;
      this.backlog.error = undefined;
      return Promise.reject(error);
    }
    this.reported = true;
    return Promise.resolve({ value: undefined, done: true });
  }
}
