/**
 * OpenAI SDK errors → rxllm's typed errors: the SDK's HTTP and connection errors. (The error
 * payloads sent inside a stream are mapped SDK-free in `stream-errors.ts`, so the chat mapper
 * stays usable from the browser-safe `rxllm/sse`; the "streaming unsupported" recognition is
 * there too, so the adapter can carry it without loading the SDK.)
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 * @module
 */
import { APIConnectionError, APIError } from 'openai';
import { ProviderError, type RxllmError, StreamingUnsupportedError } from '../../core/errors.ts';
import { clause, rootCause, streamingUnsupportedAdvice } from '../../core/error-classification.ts';
import { type Sink } from '../../sources/create-source.ts';
import { mapNetworkError } from '../../sources/read-sse.ts';
import { isRetryableStatus } from '../../core/error-classification.ts';
import { advice, isOpenAIStreamingUnsupported } from './stream-errors.ts';

/**
 * Maps an error of the openai SDK's request to a typed error: `APIConnectionError` (also its
 * timeout subclass) → retryable {@link ProviderError}; `APIError` → {@link ProviderError} with the
 * HTTP `status`, the body's `code` (or `type`) and `retryable` as the SDK's own retry rule
 * (`x-should-retry` header, else 408/409/429/5xx), its message naming the status, the code and
 * the body's error message, then what to do (401/403: check the key); anything else →
 * `mapNetworkError` (a dropped connection after content is a `StreamTruncatedError`). An
 * `APIError` that {@link isOpenAIStreamingUnsupported} recognises (OpenAI's 400 on
 * `param: 'stream'`) is made a {@link StreamingUnsupportedError} instead, with the same fields
 * (never retryable), so `fallbackToNonStreaming`'s default test needs no provider knowledge. The
 * SDK error is the `cause`.
 */
export function mapOpenAIError(error: unknown, sink: Sink, provider: string, terminal: string): RxllmError {
  if (isA(error, APIConnectionError)) {
    const e = error as APIConnectionError;
    const cause = rootCause(e);
    // the SDK's errors keep the name `Error`: the class says which (APIConnectionError, APIConnectionTimeoutError)
    const what = `${e.constructor.name}: ${clause(e.message)}${cause === undefined ? '' : `: ${clause(cause)}`}`;
    return new ProviderError(`${provider} request failed before a response arrived (${what}). Check the network and the client's baseURL; sending the request again may succeed.`, {
      provider,
      retryable: true,
      cause: error,
    });
  }
  if (isA(error, APIError)) {
    const e = error as APIError;
    const code = typeof e.code === 'string' ? e.code : typeof e.type === 'string' ? e.type : undefined;
    const shouldRetry = e.headers?.get('x-should-retry');
    const retryable = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : isRetryableStatus(e.status);
    const body = e.error as { message?: unknown } | undefined;
    const detail = typeof body?.message === 'string' ? body.message : e.message;
    const status = e.status === undefined ? '' : ` with HTTP ${e.status}`;
    const what = `${provider} request failed${status}${code ? ` ${code}` : ''}: ${clause(detail)}.`;
    if (isOpenAIStreamingUnsupported(e)) {
      return new StreamingUnsupportedError(`${what} ${streamingUnsupportedAdvice('`{ stream: false }`')}`, { provider, status: e.status, code, cause: error });
    }
    const todo = e.status === 401 || e.status === 403 ? 'Check the API key and its permissions.' : advice(retryable);
    return new ProviderError(`${what} ${todo}`, {
      provider,
      status: e.status,
      code,
      retryable,
      cause: error,
    });
  }
  return mapNetworkError(error, sink, provider, terminal);
}

/**
 * `instanceof`, also across two copies of the SDK (its ESM and CommonJS builds loaded side by
 * side), where the class names still match.
 */
function isA(error: unknown, type: abstract new (...args: never[]) => unknown): boolean {
  if (error instanceof type) return true;
  if (typeof error !== 'object' || error === null) return false;
  for (let p: unknown = Object.getPrototypeOf(error); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === type.name) return true;
  }
  return false;
}
