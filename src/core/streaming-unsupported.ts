/**
 * `isStreamingUnsupported`: whether an error means "this request cannot be streamed", the
 * default test of `fallbackToNonStreaming`.
 * @module
 */
import { StreamingUnsupportedError } from './errors.ts';

/**
 * Whether `err` says that the provider will not stream this request (so the same request sent
 * without streaming may succeed). Precise on purpose: a wrong `true` would send a second,
 * non-streaming request for an unrelated failure.
 *
 * True for:
 * - a {@link StreamingUnsupportedError};
 * - OpenAI's (and OpenAI-compatible servers') 400 with `param: 'stream'` and code
 *   `unsupported_value` or `unsupported_parameter`: "Unsupported value: 'stream' does not support
 *   true with this model", "Your organization must be verified to stream this model"
 *   (https://platform.openai.com/docs/guides/error-codes, error object `param`/`code`); read from
 *   the SDK error's `param`/`code` or its `error` body;
 * - Bedrock's `ValidationException` "The model is unsupported for streaming" and "This model
 *   doesn't support tool use in streaming mode" (ConverseStream,
 *   https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html);
 * - any message where `stream` or `streaming` is a whole word next to a refusal in the same
 *   sentence ("Streaming is not supported for this model", "does not support streaming",
 *   "verified to stream"). Whole words only: "upstream connect error", "downstream timeout",
 *   "mainstream" and "stream_options" never match, nor does a "stream ended" truncation.
 *
 * rxllm's `ProviderError` keeps the SDK error as `cause`; the whole `cause` chain is examined
 * (at most 8 links). Strings are read as messages; other values give `false`.
 *
 * @param err Any error value, typically from an rxllm source's error notification.
 * @return `true` when the error says streaming is not available for this request.
 */
export function isStreamingUnsupported(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current != null; depth++) {
    if (current instanceof StreamingUnsupportedError) return true;
    if (typeof current === 'string') return saysStreamingUnsupported(current);
    if (typeof current !== 'object') return false;
    const e = current as { param?: unknown; code?: unknown; message?: unknown; error?: unknown; cause?: unknown };
    if (isOpenAIStreamParamError(e) || (isObject(e.error) && isOpenAIStreamParamError(e.error))) return true;
    if (typeof e.message === 'string' && saysStreamingUnsupported(e.message)) return true;
    if (isObject(e.error) && typeof e.error.message === 'string' && saysStreamingUnsupported(e.error.message)) return true;
    if (e.cause === current) return false;
    current = e.cause;
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** OpenAI's error object: `{ param: 'stream', code: 'unsupported_value' | 'unsupported_parameter' }`. */
function isOpenAIStreamParamError(e: { param?: unknown; code?: unknown }): boolean {
  return e.param === 'stream' && (e.code === 'unsupported_value' || e.code === 'unsupported_parameter');
}

// A refusal, then within the same sentence the whole word stream/streaming; or the reverse.
// `\b` keeps "upstream"/"downstream"/"mainstream" out (no boundary before "stream") and
// "stream_options" out (no boundary after it).
const REFUSAL = String.raw`(?:not supported|unsupported|(?:does not|doesn't|do not|don't|cannot|can't|can not) support|not (?:available|enabled|allowed))`;
const STREAM = String.raw`\bstream(?:ing)?\b`;
const REFUSAL_THEN_STREAM = new RegExp(`${REFUSAL}[^.!?\\n]{0,60}?${STREAM}`, 'i');
const STREAM_THEN_REFUSAL = new RegExp(`${STREAM}[^.!?\\n]{0,60}?${REFUSAL}`, 'i');
const VERIFIED_TO_STREAM = /\bverified to stream\b/i;

function saysStreamingUnsupported(message: string): boolean {
  return REFUSAL_THEN_STREAM.test(message) || STREAM_THEN_REFUSAL.test(message) || VERIFIED_TO_STREAM.test(message);
}
