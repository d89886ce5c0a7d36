import { from, type MonoTypeOperatorFunction, Observable, type ObservableInput } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { operate } from '../core/operate.ts';
import { operateUntilContent } from '../core/operate-until-content.ts';
import { isStreamingUnsupported } from '../core/streaming-unsupported.ts';

/** Configuration of {@link fallbackToNonStreaming}. */
export interface FallbackToNonStreamingConfig {
  /**
   * Whether an error (raised before any content delta) calls for the fallback. Default:
   * {@link isStreamingUnsupported}, which needs no provider knowledge: rxllm's provider sources
   * raise their provider's refusal as a `StreamingUnsupportedError`. For a source of raw SDK
   * errors, pass the provider's recognition, which its adapter carries as
   * `isStreamingUnsupported` (`isOpenAIStreamingUnsupported` from `rxllm/openai`,
   * `isBedrockStreamingUnsupported` from `rxllm/bedrock`). A throw here errors the result with
   * what was thrown.
   */
  readonly when?: (error: unknown) => boolean;
}

/**
 * When the source errors before any content delta because streaming is not available for this
 * request, subscribes the non-streaming request `factory()` instead and passes its deltas on.
 *
 * <span class="informal">Like `catchError`, but only before the first content delta, and only for
 * "streaming unsupported" errors: never duplicates text.</span>
 *
 * ```
 * source:        ---#                        # = 400 "Unsupported value: 'stream' …"
 * factory():        -n-(af|)                 the stream:false request: n = metadata, a = text
 * result:        ----n-(af|)
 *
 * source:        -m-a---#                    content arrived: never switches
 * result:        ---(ma)#                    m is held until the first content delta
 * ```
 *
 * Content is what {@link isContentDelta} says (text, reasoning, tool calls). Until the first
 * content delta, the source's other deltas (`metadata`, `usage`, `finish`) are held back, then
 * passed on, in order, right before that delta (or before the source's complete or its error
 * when there is no fallback). So a failed stream's metadata never reaches the result: downstream
 * sees the deltas of exactly one response, with one `metadata`, that of the response whose
 * content it got. The cost is that the first `metadata` arrives with the first content.
 *
 * On a source error before content for which `when(error)` holds: the source is released (its
 * request ended with the error) and `factory()` is subscribed at once; its deltas, complete and
 * error pass through unchanged. On any other source error: the held deltas, then the error,
 * unchanged (an rxllm source's error carries `partial`, the response so far): after content the
 * operator never switches, so no text is repeated. On complete: the held deltas, then complete.
 * On unsubscribe: releases the source or the fallback (aborting its request) and drops the held
 * deltas.
 *
 * @example Use Chat Completions without streaming for models that refuse `stream: true`
 * ```ts
 * fromOpenAI(client, params).pipe(
 *   fallbackToNonStreaming(() => fromOpenAI(client, params, { stream: false })),
 *   accumulate(),
 * );
 * ```
 *
 * @example Your own Observable over the openai SDK, erroring with its raw `APIError`
 * ```ts
 * import { isOpenAIStreamingUnsupported } from 'rxllm/openai'; // = openaiAdapter.isStreamingUnsupported
 *
 * myOpenAIStream(params).pipe(
 *   fallbackToNonStreaming(() => myOpenAICompletion(params), {
 *     when: (error) => isOpenAIStreamingUnsupported(error) || isStreamingUnsupported(error),
 *   }),
 * );
 * ```
 *
 * @see {@link isStreamingUnsupported} for the default test
 * @see {@link retryBeforeFirstDelta} for transient errors
 *
 * @see docs/marbles/fallbackToNonStreaming.svg: the diagram drawn from this operator's spec (marbles/fallbackToNonStreaming.marble.ts)
 * @param factory Makes the fallback (usually the same request with `{ stream: false }`); called
 * once per fallback, never before the source failed.
 * @param config `when`: which errors before content call for the fallback.
 * @return A function that returns an Observable of the source's deltas, or of the fallback's.
 */
export function fallbackToNonStreaming(
  factory: () => ObservableInput<Delta>,
  config: FallbackToNonStreamingConfig = {},
): MonoTypeOperatorFunction<Delta> {
  const when = config.when ?? isStreamingUnsupported;
  return (source) =>
    new Observable<Delta>((subscriber) => {
      operateUntilContent(source, subscriber, (err) => {
        if (!when(err)) return false;
        operate(from(factory()), subscriber, {});
        return true;
      });
    });
}
