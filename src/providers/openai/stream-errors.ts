/**
 * OpenAI's error objects without the SDK: the error payloads that OpenAI and OpenAI-compatible
 * servers send inside a stream → rxllm's {@link ProviderError}, and the recognition of OpenAI's
 * "streaming unsupported" refusal. No SDK import: the pure mappers (and through them the
 * browser-safe `rxllm/sse` decoder) and the adapters (which load the SDK only on first use) use
 * this file.
 *
 * @see https://platform.openai.com/docs/guides/error-codes
 * @module
 */
import { ProviderError } from '../../core/errors.ts';
import { causeChain, clause } from '../../core/error-classification.ts';
import { isRetryableStatus } from '../../core/error-classification.ts';

/**
 * Whether `error` is OpenAI's refusal to stream this request: an OpenAI error object with
 * `param: 'stream'` and code `unsupported_value` or `unsupported_parameter`, as OpenAI answers
 * `stream: true` (HTTP 400) for a model that does not stream ("Unsupported value: 'stream' does
 * not support true with this model") or for an organization not verified to stream it ("Your
 * organization must be verified to stream this model"). Chat Completions and Responses share these
 * error objects. The fields are read from the error itself (the openai SDK's `APIError` carries
 * `param` and `code`) or from its `error` body, along the `cause` chain (at most 8 links), so an
 * rxllm error that keeps the SDK error as `cause` counts too. `fromOpenAI` and
 * `fromOpenAIResponses` already raise such a refusal as a `StreamingUnsupportedError`; this
 * function is for the SDK's raw errors (`fallbackToNonStreaming`'s `when`), and is
 * `openaiAdapter.isStreamingUnsupported`.
 *
 * @see https://platform.openai.com/docs/guides/error-codes (the error object's `param` and `code`)
 * @param error Any value: an openai SDK error, an error carrying OpenAI's error body as `error`,
 * or an error with one of those as `cause`.
 * @return `true` when the error says OpenAI will not stream this request; `false` for anything
 * else (other params, `stream`'s type, non-objects).
 */
export function isOpenAIStreamingUnsupported(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (isStreamParamRefusal(e) || isStreamParamRefusal((e as { error?: unknown }).error)) return true;
  }
  return false;
}

/** OpenAI's error object `{ param: 'stream', code: 'unsupported_value' | 'unsupported_parameter' }`. */
function isStreamParamRefusal(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { param, code } = e as { param?: unknown; code?: unknown };
  return param === 'stream' && (code === 'unsupported_value' || code === 'unsupported_parameter');
}

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

