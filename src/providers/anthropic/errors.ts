/**
 * Anthropic errors → rxllm's typed errors: the SDK's `APIError`s (HTTP errors, connection
 * failures) and the in-stream `event: error`.
 *
 * @see https://docs.anthropic.com/en/api/errors
 * @module
 */
import { ProviderError, type RxllmError } from '../../core/errors.ts';
import { clause, isRetryableStatus, rootCause, statusAdvice } from '../../core/error-classification.ts';
import type { Sink } from '../../sources/create-source.ts';
import { mapNetworkError } from '../../sources/read-sse.ts';

const PROVIDER = 'anthropic';

/**
 * Whether an Anthropic error `type` is worth retrying: `overloaded_error` (HTTP 529),
 * `api_error` (500), `rate_limit_error` (429) and `timeout_error` (504) are; the request's own
 * faults (`invalid_request_error`, `authentication_error`, `permission_error`, `not_found_error`,
 * `request_too_large`, …) are not. @see https://docs.anthropic.com/en/api/errors#http-errors
 */
export function isRetryableAnthropicErrorType(type: string | undefined): boolean {
  switch (type) {
    case 'overloaded_error':
    case 'api_error':
    case 'rate_limit_error':
    case 'timeout_error':
      return true;
    default:
      return false;
  }
}

/**
 * The in-stream `event: error` (`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`),
 * sent when generation fails after the HTTP 200. `code` is the error's `type`; there is no status.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events
 */
export function anthropicStreamError(body: any): ProviderError {
  const type: string | undefined = typeof body?.error?.type === 'string' ? body.error.type : undefined;
  const detail: string = typeof body?.error?.message === 'string' ? body.error.message : JSON.stringify(body);
  const retryable = isRetryableAnthropicErrorType(type);
  return new ProviderError(
    `anthropic stream failed with ${type ?? 'an error event'}: ${clause(detail)}. ` +
      (retryable ? 'Sending the request again may succeed; ' : 'Sending the same request again will not help; ') +
      'what had arrived is in `partial`.',
    { provider: PROVIDER, code: type, retryable, cause: body },
  );
}

/**
 * Maps an error thrown by `@anthropic-ai/sdk` (or by fetch under it) to a typed rxllm error.
 *
 * - `APIError` with a status (HTTP error response): `ProviderError` with `status`, `code` = the
 *   body's `error.type` (`overloaded_error`, `rate_limit_error`, …) and `retryable` by the SDK's
 *   own retry rule: the `x-should-retry` header when present, else 408, 409, 429 and 5xx (incl.
 *   529 overload). The SDK has already spent its `maxRetries` on these.
 * - `APIConnectionError` / `APIConnectionTimeoutError` (no response): `ProviderError`,
 *   retryable, no status.
 * - anything else: a dropped connection after content arrived is a `StreamTruncatedError`,
 *   the rest a non-retryable `ProviderError` wrapping it.
 *
 * The SDK's classes are recognised by shape (`status`, `headers`, `name`), not `instanceof`,
 * so a second copy of the SDK in the user's tree still maps.
 */
export function mapAnthropicError(error: unknown, sink: Sink): RxllmError {
  if (!(error instanceof Error)) return mapNetworkError(error, sink, PROVIDER, 'message_stop');
  const e = error as Error & { status?: unknown; headers?: { get?(name: string): string | null }; type?: unknown; error?: any };
  if (typeof e.status === 'number') {
    const status = e.status;
    const code = typeof e.type === 'string' ? e.type : typeof e.error?.error?.type === 'string' ? e.error.error.type : undefined;
    const header = typeof e.headers?.get === 'function' ? e.headers.get('x-should-retry') : null;
    const retryable = header === 'true' ? true : header === 'false' ? false : isRetryableStatus(status);
    // the body's own message; the SDK's `message` is the status and the whole JSON body
    const detail: string = typeof e.error?.error?.message === 'string' ? e.error.error.message : e.message;
    return new ProviderError(
      `anthropic request failed with HTTP ${status}${code ? ` ${code}` : ''}: ${clause(detail)}. ${statusAdvice(status, retryable)}`,
      { provider: PROVIDER, status, code, retryable, cause: error },
    );
  }
  if (e.name === 'APIConnectionError' || e.name === 'APIConnectionTimeoutError') {
    const cause = rootCause(e);
    return new ProviderError(
      `anthropic request failed before a response arrived (${e.name}: ${clause(e.message)}${cause === undefined ? '' : `: ${clause(cause)}`}). ` +
        "Check the network and the client's baseURL; sending the request again may succeed.",
      { provider: PROVIDER, retryable: true, cause: error },
    );
  }
  return mapNetworkError(error, sink, PROVIDER, 'message_stop');
}
