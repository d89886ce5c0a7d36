/**
 * `isStreamingUnsupported`: whether an error means "this request cannot be streamed", the
 * default test of `fallbackToNonStreaming`.
 * @module
 */
import { causeChain } from './error-classification.ts';
import { StreamingUnsupportedError } from './errors.ts';

/**
 * Whether `err` says that the provider will not stream this request (so the same request sent
 * without streaming may succeed). Precise on purpose: a wrong `true` would send a second,
 * non-streaming request for an unrelated failure. Knows no provider: a provider's source raises
 * its provider's refusal to stream as a {@link StreamingUnsupportedError}, recognised where it
 * maps the SDK's error by the same function its adapter carries as `isStreamingUnsupported`
 * (exported from the provider's subpath, for raw SDK errors).
 *
 * True for:
 * - a {@link StreamingUnsupportedError};
 * - any message where `stream` or `streaming` is a whole word next to a refusal in the same
 *   sentence ("Streaming is not supported for this model", "does not support streaming"), or that
 *   says "verified to stream": the wording of OpenAI-compatible servers and of errors that no
 *   provider source mapped. Whole words only: "upstream connect error", "downstream timeout",
 *   "mainstream" and "stream_options" never match, nor does a "stream ended" truncation.
 *
 * The whole `cause` chain is examined (at most 8 links, as `causeChain` walks it), and of each
 * link its `message` and the `message` of an error body it carries as `error`. Strings are read
 * as messages; other values give `false`.
 *
 * @param err Any error value, typically from an rxllm source's error notification.
 * @return `true` when the error says streaming is not available for this request.
 */
export function isStreamingUnsupported(err: unknown): boolean {
  if (typeof err === 'string') return saysStreamingUnsupported(err);
  for (const link of causeChain(err)) {
    if (link instanceof StreamingUnsupportedError) return true;
    const { message, error, cause } = link as { message?: unknown; error?: unknown; cause?: unknown };
    if (typeof message === 'string' && saysStreamingUnsupported(message)) return true;
    if (isObject(error) && typeof error.message === 'string' && saysStreamingUnsupported(error.message)) return true;
    if (typeof cause === 'string') return saysStreamingUnsupported(cause);
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
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
