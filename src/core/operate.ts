import { type Observable, type Observer, Subscriber, type Subscription } from 'rxjs';

/**
 * Subscribes `source` with `handlers`, tied to `downstream`: the inner subscriber is added to
 * `downstream`, so unsubscribing downstream releases the source at once, also while a
 * synchronous source is still emitting (`take(1)` on a synchronous source stops it). A throw
 * inside a handler goes to `downstream.error`. Handlers left out forward to `downstream`.
 * Returns the inner subscription, so an operator can release one source early (a race's losers).
 *
 * This is the one private helper our operators share (RxJS keeps its own `operate` internal).
 * @internal
 */
export function operate<T>(source: Observable<T>, downstream: Subscriber<any>, handlers: Partial<Observer<T>>): Subscription {
  const inner = new OperatorSubscriber(downstream, handlers);
  source.subscribe(inner);
  return inner;
}

class OperatorSubscriber<T> extends Subscriber<T> {
  private readonly handlers: Partial<Observer<T>>;
  private readonly downstream: Subscriber<any>;

  constructor(downstream: Subscriber<any>, handlers: Partial<Observer<T>>) {
    super(downstream);
    this.downstream = downstream;
    this.handlers = handlers;
  }

  protected override _next(value: T): void {
    try {
      if (this.handlers.next) this.handlers.next(value);
      else this.downstream.next(value);
    } catch (err) {
      this.downstream.error(err);
    }
  }

  protected override _error(err: unknown): void {
    try {
      if (this.handlers.error) this.handlers.error(err);
      else this.downstream.error(err);
    } catch (thrown) {
      this.downstream.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      if (this.handlers.complete) this.handlers.complete();
      else this.downstream.complete();
    } catch (thrown) {
      this.downstream.error(thrown);
    } finally {
      this.unsubscribe();
    }
  }
}
