import { IdleTimeoutError, ProviderError, StreamTruncatedError } from './errors.ts';

/** Codes of connection failures (Node sockets, DNS, undici) worth sending the request again. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_SOCKET',
]);

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
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { name?: unknown; code?: unknown; cause?: unknown };
    // The SDKs' error classes keep `name` 'Error'; their class name tells them apart.
    const name = (current as object).constructor?.name;
    if (e.name === 'AbortError' || name === 'APIUserAbortError') return false;
    if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') return true;
    if (typeof e.code === 'string' && CONNECT_CODES.has(e.code)) return true;
    current = e.cause;
  }
  return false;
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
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const headers = (current as { headers?: { get?: unknown } }).headers;
    if (headers && typeof headers.get === 'function') {
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
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
