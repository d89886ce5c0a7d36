import { type Observable, Subscriber } from 'rxjs';
import { BufferOverflowError } from '../core/errors.ts';

/**
 * What a bridge does when more than `highWaterMark` values wait for a slow consumer:
 * - `error` (default): unsubscribe the source (aborting the request); the consumer still gets the
 *   values already buffered, then a {@link BufferOverflowError}. Nothing is dropped.
 * - `drop-oldest`: drop the oldest buffered value to make room. Only for streams where each value
 *   supersedes the ones before it (the snapshots of `accumulate()`); never for raw deltas, whose
 *   text would be lost.
 */
export type OverflowPolicy = 'error' | 'drop-oldest';

/** Options shared by the bridges to pull-based consumers (`toAsyncIterable`, `toReadableStream`, `toNodeReadable`). */
export interface BridgeOptions {
  /**
   * How many values may wait for the consumer (a count of values, not bytes) before `overflow`
   * applies. Default {@link DEFAULT_HIGH_WATER_MARK}.
   */
  readonly highWaterMark?: number;
  /** What happens past `highWaterMark`. Default `'error'`. */
  readonly overflow?: OverflowPolicy;
}

/**
 * The default `highWaterMark` of the bridges, in values: 10 000 deltas (about a megabyte), room
 * for the largest burst one network read delivers, small enough to stop a stalled consumer.
 */
export const DEFAULT_HIGH_WATER_MARK = 10_000;

/**
 * The options with their defaults, checked.
 * @throws RangeError for a negative or non-finite `highWaterMark` or an unknown `overflow`.
 * @internal
 */
export function checkBridgeOptions(bridge: string, options: BridgeOptions): Required<BridgeOptions> {
  const { highWaterMark = DEFAULT_HIGH_WATER_MARK, overflow = 'error' } = options;
  if (!(highWaterMark >= 0) || !Number.isFinite(highWaterMark)) {
    throw new RangeError(`${bridge}: highWaterMark must be a finite number of values >= 0, got ${highWaterMark}.`);
  }
  if (overflow !== 'error' && overflow !== 'drop-oldest') {
    throw new RangeError(`${bridge}: overflow must be 'error' or 'drop-oldest', got ${String(overflow)}.`);
  }
  return { highWaterMark, overflow };
}

/** The consumer side of a {@link Backlog}. @internal */
export interface BacklogConsumer<T> {
  /** Hands a value straight to a waiting consumer; false when none waits (the value is buffered). */
  take(value: T): boolean;
  /** The source ended (complete or error) or overflowed: a waiting consumer should look again. */
  wake(): void;
}

/**
 * The bounded buffer between a push source (an Observable) and a pull consumer: values go
 * straight to a waiting consumer, else wait here up to `highWaterMark`, then the overflow policy
 * applies. A source error is kept and reported after the buffered values. @internal
 */
export class Backlog<T> {
  private items: T[] = [];
  private head = 0;
  private subscription: Subscriber<T> | undefined;
  /** True once the source completed, errored or was cut off by an overflow. */
  ended = false;
  /** Whether the end is an error, and which. */
  failed = false;
  error: unknown = undefined;
  private readonly highWaterMark: number;
  private readonly overflow: OverflowPolicy;
  private readonly consumer: BacklogConsumer<T>;
  private readonly bridge: string;

  constructor(bridge: string, options: BridgeOptions, consumer: BacklogConsumer<T>) {
    const checked = checkBridgeOptions(bridge, options);
    this.bridge = bridge;
    this.highWaterMark = checked.highWaterMark;
    this.overflow = checked.overflow;
    this.consumer = consumer;
  }

  /** Values waiting for the consumer. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True once the source subscription was made. */
  get started(): boolean {
    return this.subscription !== undefined || this.ended;
  }

  /** Subscribes the source (once). */
  start(source: Observable<T>): void {
    if (this.started) return;
    // a Subscriber (not a plain observer), so an overflow stops a synchronous source mid-loop
    this.subscription = new SourceSubscriber(this);
    source.subscribe(this.subscription);
  }

  /** The oldest waiting value; call only when `size > 0`. */
  shift(): T {
    const value = this.items[this.head]!;
    (this.items as (T | undefined)[])[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return value;
  }

  /** Unsubscribes the source and forgets the buffered values (the consumer cancelled). */
  cancel(): void {
    this.ended = true;
    this.items = [];
    this.head = 0;
    this.error = undefined;
    this.subscription?.unsubscribe();
  }

  /** @internal the source's next */
  push(value: T): void {
    if (this.ended) return;
    if (this.size === 0 && this.consumer.take(value)) return;
    if (this.size >= this.highWaterMark) {
      if (this.overflow === 'drop-oldest') {
        if (this.size > 0) this.shift();
        else return; // highWaterMark 0: nothing may wait
      } else {
        this.items.push(value);
        this.end(
          true,
          new BufferOverflowError(
            `${this.bridge}: the consumer reads too slowly; more than ${this.highWaterMark} values were waiting, so the source ` +
              'was unsubscribed (its request aborted). The values already buffered were delivered first. Read faster, raise ' +
              "`highWaterMark`, or use `overflow: 'drop-oldest'` on a stream whose values supersede each other (accumulate()).",
            { highWaterMark: this.highWaterMark },
          ),
        );
        this.subscription?.unsubscribe();
        return;
      }
    }
    this.items.push(value);
  }

  /** @internal the source's end, or an overflow */
  end(failed: boolean, error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failed = failed;
    this.error = error;
    this.consumer.wake();
  }
}

class SourceSubscriber<T> extends Subscriber<T> {
  private readonly backlog: Backlog<T>;

  constructor(backlog: Backlog<T>) {
    super();
    this.backlog = backlog;
  }

  protected override _next(value: T): void {
    this.backlog.push(value);
  }

  protected override _error(error: unknown): void {
    this.backlog.end(true, error);
    this.unsubscribe();
  }

  protected override _complete(): void {
    this.backlog.end(false, undefined);
    this.unsubscribe();
  }
}
