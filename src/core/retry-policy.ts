import type { SchedulerLike } from 'rxjs';
import { causeChain, isConnectionFailure } from './error-classification.ts';
import { IdleTimeoutError, ProviderError, StreamTruncatedError } from './errors.ts';

/**
 * `retryBeforeFirstDelta`'s default test: whether sending the same request again may succeed.
 * True for a `ProviderError` with `retryable` (408, 409, 429, 5xx, overload), a
 * `StreamTruncatedError` (the connection dropped), an `IdleTimeoutError` of phase `first` (the
 * provider never started), and connection failures anywhere in the `cause` chain (the openai and
 * Anthropic SDKs' `APIConnectionError`, Node/undici socket codes). False for aborts. @internal
 */
export function isTransientError(err: unknown): boolean {
  if (err instanceof ProviderError && err.retryable) return true;
  if (err instanceof StreamTruncatedError) return true;
  if (err instanceof IdleTimeoutError) return err.phase === 'first';
  return isConnectionFailure(err);
}

/**
 * `retryBeforeFirstDelta`'s default delay before retry `attempt` (1-based), in ms: the server's
 * `retry-after-ms` or `retry-after` header (seconds or an HTTP date) when the error's `cause`
 * chain carries response `headers` and it asks for 0–60 s; otherwise exponential backoff from
 * 500 ms, doubling per attempt up to 8 s, minus up to 25 % jitter. The same rule as the openai
 * SDK (`calculateDefaultRetryTimeoutMillis` in openai-node's client.ts). @internal
 */
export function defaultRetryDelay(attempt: number, err: unknown, now: number): number {
  const asked = retryAfterMs(err, now);
  if (asked !== undefined && asked >= 0 && asked <= 60_000) return asked;
  const backoff = Math.min(500 * 2 ** (attempt - 1), 8_000);
  return backoff * (1 - Math.random() * 0.25);
}

function retryAfterMs(err: unknown, now: number): number | undefined {
  for (const e of causeChain(err)) {
    const headers = (e as { headers?: { get?: unknown } }).headers;
    if (!headers || typeof headers.get !== 'function') continue;
    const get = (name: string) => (headers.get as (name: string) => string | null)(name);
    const ms = Number.parseFloat(get('retry-after-ms') ?? '');
    if (!Number.isNaN(ms)) return ms;
    const after = get('retry-after');
    if (after) {
      const seconds = Number.parseFloat(after);
      const at = Number.isNaN(seconds) ? Date.parse(after) - now : seconds * 1000;
      if (!Number.isNaN(at)) return at;
    }
    return undefined;
  }
  return undefined;
}

/** An operator's `delay` option: ms, or ms from the attempt (1-based) and the error. */
export type RetryDelay = number | ((attempt: number, err: unknown) => number);

/**
 * The delay before each retry as an operator's `delay` option asks: a fixed number of ms, a
 * function of the attempt and the error, or (undefined) {@link defaultRetryDelay} on
 * `scheduler`'s clock. A delay that is not a finite number of ms >= 0 is a `TypeError` naming
 * `operator`: thrown here for a number, at the retry for what a function returned. @internal
 */
export function retryDelayFor(operator: string, delay: RetryDelay | undefined, scheduler: SchedulerLike): (attempt: number, err: unknown) => number {
  const check = (ms: number): number => {
    if (!(ms >= 0 && ms < Infinity)) throw new TypeError(`${operator}: \`delay\` must be a finite number of ms >= 0, got ${String(ms)}.`);
    return ms;
  };
  if (typeof delay === 'number') {
    check(delay);
    return () => delay;
  }
  if (typeof delay === 'function') return (attempt, err) => check(delay(attempt, err));
  return (attempt, err) => defaultRetryDelay(attempt, err, scheduler.now());
}
