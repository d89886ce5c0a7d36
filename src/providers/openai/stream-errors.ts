/**
 * The error payloads that OpenAI and OpenAI-compatible servers send inside a stream → rxllm's
 * {@link ProviderError}. No SDK import: the pure mappers (and through them the browser-safe
 * `rxllm/sse` decoder) use this file.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 * @module
 */
import { ProviderError } from '../../core/errors.ts';
import { clause } from '../../core/error-classification.ts';
import { isRetryableStatus } from '../../core/error-classification.ts';

/** The fields an in-stream error payload may carry (OpenAI, Groq, OpenRouter, the Responses API). */
interface ErrorPayload {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly type?: unknown;
  /** Groq's HTTP status of an in-stream error. */
  readonly status_code?: unknown;
  readonly status?: unknown;
}

/**
 * Whether an OpenAI error code (or type) names a failure that may pass when the same request is
 * sent again: `server_error`, `rate_limit_exceeded` and overload. Everything else, such as
 * `insufficient_quota`, `invalid_prompt` or `context_length_exceeded`, fails the same way again.
 * Used where the error carries no HTTP status (Responses `error` / `response.failed` events).
 * @see https://platform.openai.com/docs/api-reference/responses-streaming/error
 */
export function isRetryableCode(code: string | undefined): boolean {
  switch (code) {
    case 'server_error':
    case 'internal_error':
    case 'rate_limit_exceeded':
    case 'overloaded':
    case 'overloaded_error':
    case 'service_unavailable':
      return true;
    default:
      return false;
  }
}

/**
 * Turns an error payload received inside a stream into a {@link ProviderError}: `status` from
 * Groq's `status_code` (or a numeric `code`, as OpenRouter sends), `code` from `code` or `type`,
 * `retryable` from the status when there is one, else from the code ({@link isRetryableCode}).
 * The openai SDK raises an `APIError` for the same payloads (`event: error`, a chunk with an
 * `error` field).
 */
export function streamError(payload: unknown, provider: string): ProviderError {
  const e: ErrorPayload = typeof payload === 'object' && payload !== null ? payload : { message: payload };
  const status =
    typeof e.status_code === 'number' ? e.status_code
    : typeof e.code === 'number' ? e.code
    : typeof e.status === 'number' ? e.status
    : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof e.type === 'string' ? e.type : undefined;
  const retryable = status !== undefined ? isRetryableStatus(status) : isRetryableCode(code);
  const message = typeof e.message === 'string' ? e.message : JSON.stringify(payload);
  const what = [status === undefined ? '' : `status ${status}`, code ?? ''].filter((s) => s !== '').join(', ');
  return new ProviderError(
    `${provider} reported an error mid-response${what === '' ? '' : ` (${what})`}: ${clause(message)}. ${advice(retryable)}`,
    { provider, status, code, retryable, cause: payload },
  );
}

/** The sentence every OpenAI error message ends with: whether sending again may help. */
export function advice(retryable: boolean): string {
  return retryable
    ? 'Sending the request again may succeed.'
    : 'Sending the same request again will fail the same way: check the request, key and account.';
}

