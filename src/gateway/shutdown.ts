/**
 * Ending open answers when a gateway shuts down.
 * @module
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { ProviderError } from '../core/errors.ts';

/**
 * The gateway is shutting down and ended this answer before the upstream finished. To the
 * gateway's client it is its provider failing: HTTP 503 before the first chunk (SDKs retry
 * it), an error event `server_shutting_down` then `[DONE]` after.
 */
export class GatewayShutdownError extends ProviderError {
  override name: string = 'GatewayShutdownError';
  constructor(message = 'The server is shutting down and ended this response before it finished; send the request again.') {
    super(message, { provider: 'rxllm-gateway', status: 503, code: 'server_shutting_down', retryable: true });
  }
}

/**
 * Mirrors the source until `signal` aborts, then errors with a {@link GatewayShutdownError}
 * (unsubscribing the source, which aborts its upstream request). An already aborted signal
 * errors at once without subscribing.
 * @param signal Aborted when the server shuts down.
 */
export function endOnAbort<T>(signal: AbortSignal): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const onAbort = () => subscriber.error(new GatewayShutdownError());
      if (signal.aborted) {
        onAbort();
        return undefined;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      const subscription = source.subscribe(subscriber);
      return () => {
        signal.removeEventListener('abort', onAbort);
        subscription.unsubscribe();
      };
    });
}
