/**
 * `HandlerSubscriber`: a Subscriber over plain handlers. @internal
 * @module
 */
import { Subscriber } from 'rxjs';

/** The three handlers of a {@link HandlerSubscriber}. */
export interface SubscriberHandlers<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * A Subscriber (not a plain observer) calling `handlers`, so an unsubscribe inside `next` stops a
 * synchronous source at once, and a throw inside `next` becomes the error. Unsubscribes itself
 * after `error` and `complete`. @internal
 */
export class HandlerSubscriber<T> extends Subscriber<T> {
  private readonly handlers: SubscriberHandlers<T>;

  constructor(handlers: SubscriberHandlers<T>) {
    super();
    this.handlers = handlers;
  }

  protected override _next(value: T): void {
    try {
      this.handlers.next(value);
    } catch (error) {
      this.error(error);
    }
  }

  protected override _error(error: unknown): void {
    this.handlers.error(error);
    this.unsubscribe();
  }

  protected override _complete(): void {
    this.handlers.complete();
    this.unsubscribe();
  }
}
