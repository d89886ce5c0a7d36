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
