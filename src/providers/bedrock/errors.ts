/**
 * Bedrock's errors as rxllm's typed errors: the SDK's service exceptions (HTTP errors and the
 * stream's exception events), undecodable event-stream frames, and connection failures; and
 * {@link isBedrockStreamingUnsupported}, the one public export here (from `rxllm/bedrock`).
 *
 * Error reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html#API_runtime_ConverseStream_Errors
 * @internal
 */
import { MalformedChunkError, ProviderError, type RxllmError, StreamingUnsupportedError, StreamTruncatedError } from '../../core/errors.ts';
import { causeChain, clause, describeError, isConnectionFailure, isRetryableStatus, streamingUnsupportedAdvice, truncatedError as truncatedStream } from '../../core/error-classification.ts';

/** rxllm's provider name for Bedrock. */
export const PROVIDER = 'bedrock';

/**
 * Whether a request that failed with this Bedrock exception may succeed if sent again:
 * throttling, internal errors, unavailability, a model's stream error or timeout and a model
 * not ready yet: yes; validation, access, credentials, missing resources, quotas: no. Other
 * names follow the SDK's retryable trait, then the HTTP status (408, 409, 429, 5xx).
 */
function isRetryableException(name: string, status: number | undefined, retryableTrait = false): boolean {
  switch (name) {
    case 'ThrottlingException':
    case 'InternalServerException':
    case 'ServiceUnavailableException':
    case 'ModelStreamErrorException':
    case 'ModelTimeoutException':
    case 'ModelNotReadyException':
      return true;
    case 'ValidationException':
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
    case 'ResourceNotFoundException':
    case 'ServiceQuotaExceededException':
      return false;
    default:
      return retryableTrait || isRetryableStatus(status);
  }
}

/**
 * Bedrock's `ValidationException` messages for a request that ConverseStream will not stream:
 * a model without streaming ("The model is unsupported for streaming."), a model without tool use
 * in streaming mode ("This model doesn't support tool use in streaming mode.").
 */
const STREAMING_UNSUPPORTED = /\bunsupported for streaming\b|\b(?:doesn't|does not) support tool use in streaming mode\b/i;

/** Whether a Bedrock exception (its name, or rxllm's `code` for it, and message) says the request cannot be streamed. */
function saysStreamingUnsupported(name: unknown, message: unknown): boolean {
  return typeof name === 'string' && /^validationexception$/i.test(name) && typeof message === 'string' && STREAMING_UNSUPPORTED.test(message);
}

/**
 * Whether `error` is Bedrock's refusal to stream this request: a `ValidationException` from
 * ConverseStream saying the model does not stream ("The model is unsupported for streaming.") or
 * does not use tools while streaming ("This model doesn't support tool use in streaming mode.");
 * the non-streaming Converse call may take the same request. Read from the error's `name` (the
 * SDK's exception) or `code` (an rxllm `ProviderError`) and its `message`, along the `cause`
 * chain (at most 8 links). `fromBedrock` already raises such a refusal as a
 * `StreamingUnsupportedError`; this function is for the SDK's raw errors
 * (`fallbackToNonStreaming`'s `when`), and is `bedrockAdapter.isStreamingUnsupported`.
 *
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html (models and features ConverseStream supports)
 * @param error Any value: an `@aws-sdk/client-bedrock-runtime` exception, or an error with one as `cause`.
 * @return `true` when the error says Bedrock will not stream this request; `false` for other
 * validation errors, throttling, and anything else.
 */
export function isBedrockStreamingUnsupported(error: unknown): boolean {
  for (const e of causeChain(error)) {
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    if (saysStreamingUnsupported(name, message) || saysStreamingUnsupported(code, message)) return true;
  }
  return false;
}

/**
 * A `ProviderError` for a Bedrock exception: `code` is the exception name
 * (`ThrottlingException`, …), `status` the HTTP status (or a stream error's
 * `originalStatusCode`), `retryable` per {@link isRetryableException}. A `ValidationException`
 * saying the request cannot be streamed ({@link isBedrockStreamingUnsupported}) is a
 * `StreamingUnsupportedError` (never retryable) with the same fields.
 */
export function bedrockExceptionError(
  name: string,
  message: string | undefined,
  status: number | undefined,
  options: { readonly cause?: unknown; readonly retryableTrait?: boolean } = {},
): ProviderError {
  const what = `${PROVIDER} answered ${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${clause(message || 'no message')}.`;
  if (saysStreamingUnsupported(name, message)) {
    return new StreamingUnsupportedError(`${what} ${streamingUnsupportedAdvice('`{ stream: false }`: Converse')}`, { provider: PROVIDER, status, code: name, cause: options.cause });
  }
  const retryable = isRetryableException(name, status, options.retryableTrait);
  const todo = retryable
    ? `Sending the same request again may succeed${name === 'ThrottlingException' || status === 429 ? ' after a pause' : ''}.`
    : 'Sending the same request again will fail the same way: fix the request, the model access or the credentials.';
  return new ProviderError(`${what} ${todo}`, { provider: PROVIDER, status, code: name, retryable, cause: options.cause });
}

/** A `StreamTruncatedError`: the stream ended before `messageStop`. */
export function truncatedError(what: string, cause?: unknown): StreamTruncatedError {
  return truncatedStream(PROVIDER, 'messageStop', what, cause);
}

/**
 * True for the SDK's service exceptions (they carry `$fault`), including the stream's
 * exception events, which the SDK throws from the event iterator, and exception events of a
 * type this SDK version does not model (thrown as an `Error` named after the type).
 */
export function isServiceException(error: unknown): error is Error & { $fault?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown } {
  return error instanceof Error && (typeof (error as { $fault?: unknown }).$fault === 'string' || error.name.endsWith('Exception'));
}

/**
 * Maps an error of the SDK call or of reading its event stream:
 * - a service exception → {@link bedrockExceptionError};
 * - the event-stream decoder's "Truncated event message" (the body ended inside a frame) →
 *   `StreamTruncatedError`;
 * - a frame the decoder rejects (bad CRC, bad length, bad header) → `MalformedChunkError`;
 * - while reading the body (`phase: 'body'`), anything else is the connection failing →
 *   `StreamTruncatedError`;
 * - before the body (`phase: 'request'`), a timeout or a Node network error
 *   (`ECONNRESET`, `ECONNREFUSED`, …, as the SDK's own retry rule) → retryable `ProviderError`;
 *   anything else → non-retryable `ProviderError`.
 */
export function mapBedrockError(error: unknown, phase: 'request' | 'body'): RxllmError {
  if (isServiceException(error)) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; originalStatusCode?: number };
    const status = e.$metadata?.httpStatusCode ?? e.originalStatusCode;
    // an exception type this SDK version does not model is named after its camelCase event member
    // (and its message is the frame's JSON body)
    const name = e.name[0]!.toUpperCase() + e.name.slice(1);
    return bedrockExceptionError(name, messageOf(e.message), status, { cause: error, retryableTrait: e.$retryable !== undefined });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('Truncated event message')) return truncatedError('the body ended inside an event frame', error);
  if (FRAME_ERROR.test(message)) {
    return new MalformedChunkError(
      `${PROVIDER} sent an event-stream frame that cannot be decoded (${message}). The stream was stopped; what had arrived is in \`partial\`.`,
      { provider: PROVIDER, line: message.slice(0, 200), cause: error },
    );
  }
  if (phase === 'body') return truncatedError(`the connection failed (${describeError(error)})`, error);
  const retryable = isConnectionFailure(error);
  return new ProviderError(
    `${PROVIDER} request failed: ${describeError(error)}. ${retryable ? 'The connection failed; sending the request again may succeed.' : 'Check the client configuration (endpoint, region, credentials).'}`,
    { provider: PROVIDER, code: (error as { code?: string } | undefined)?.code ?? (error instanceof Error ? error.name : undefined), retryable, cause: error },
  );
}

/** Messages of @smithy/core's event-stream decoder for a frame it rejects. */
const FRAME_ERROR = /checksum|message too short|message length does not match|header type tag|Invalid UUID|Unrecognizable event type|event message where size/i;

/** The `message` of a JSON error body such as `{"message":"…"}`, else the text itself. */
function messageOf(text: string): string {
  if (!text.startsWith('{')) return text;
  try {
    const body = JSON.parse(text) as { message?: unknown; Message?: unknown };
    const message = body.message ?? body.Message;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
}
