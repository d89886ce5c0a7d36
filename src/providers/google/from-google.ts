/**
 * `fromGoogle`: the Gemini API (`models.generateContentStream`) as a cold `Observable<Delta>`.
 * @module
 */
import type { GenerateContentParameters, GenerateContentResponse, GoogleGenAI } from '@google/genai';
import type { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import { StreamTruncatedError } from '../../core/errors.ts';
import { createSource, type Sink } from '../../sources/create-source.ts';
import { mapGoogleError } from './errors.ts';
import { GeminiChunkMapper } from './decode-stream.ts';

/** Options of {@link fromGoogle}. */
export interface FromGoogleOptions {
  /** `true` (default): `generateContentStream`; `false`: one `generateContent` call, mapped to the same kinds of deltas. */
  readonly stream?: boolean;
  /** Aborts the request; the source then errors with the signal's reason. Unsubscribing also aborts. */
  readonly signal?: AbortSignal;
}

/**
 * One Gemini API response as a cold `Observable<Delta>`: each subscription makes one
 * `ai.models.generateContentStream(params)` call; unsubscribing aborts it (rxllm sets
 * `config.abortSignal`; an `abortSignal` already in `params.config` acts like `options.signal`).
 *
 * <span class="informal">Streams Gemini's answer as rxllm deltas.</span>
 *
 * The SDK sends the request and parses the stream; rxllm maps each chunk it yields. (Unlike the
 * openai and Anthropic SDKs, `@google/genai` has no documented way to get the raw streaming
 * `Response`, and Gemini's chunks are few and large, so its iterator's per-chunk cost is small.)
 *
 * Deltas: `metadata` (provider `google`, `responseId`, `modelVersion`), then reasoning (thought
 * parts), text and tool calls in wire order, `usage` when it changes, and `finish`; see
 * {@link GeminiChunkMapper} for each field and the usage arithmetic. Completes after the chunk
 * with a `finishReason` (or a blocked prompt's `promptFeedback`).
 *
 * Errors (all carry `partial` once anything arrived):
 * - `ProviderError`: an HTTP error or an in-stream `{"error": {…}}` chunk (`status`, `code` =
 *   `RESOURCE_EXHAUSTED`, `UNAVAILABLE`, …, `retryable` for 408, 429 and 5xx), or a connection
 *   failure before the response (retryable);
 * - `StreamTruncatedError`: the stream ended or the connection dropped before a `finishReason`;
 * - `MalformedChunkError`: a chunk was not JSON;
 * - the `signal`'s reason when `options.signal` aborts.
 *
 * With `stream: false` the source calls `ai.models.generateContent(params)` and maps the whole
 * response like one chunk (a response without `finishReason` finishes as `other`).
 *
 * @example
 * ```ts
 * const ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY });
 * fromGoogle(ai, { model: 'gemini-2.5-flash', contents: 'Hi' })
 *   .pipe(accumulate(), last())
 *   .subscribe((s) => console.log(s.text, s.usage));
 * ```
 *
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 * @param ai A `@google/genai` client (3.x).
 * @param params The request, as for `ai.models.generateContentStream`.
 * @param options `stream` (default `true`) and `signal`.
 * @return A cold Observable of the response's deltas.
 */
export function fromGoogle(ai: GoogleGenAI, params: GenerateContentParameters, options: FromGoogleOptions = {}): Observable<Delta> {
  const signal = userSignal(options.signal, params.config?.abortSignal);
  if (options.stream === false) {
    return createSource<GenerateContentResponse>({
      provider: 'google',
      signal,
      start: (signal) => ai.models.generateContent(withSignal(params, signal)),
      read: (response, sink) => {
        const mapper = new GeminiChunkMapper(sink);
        mapper.map(response);
        if (!mapper.done) sink.next({ type: 'finish', reason: 'other' });
      },
      mapError: (error) => mapGoogleError(error, 'request'),
    });
  }
  return createSource<AsyncGenerator<GenerateContentResponse>>({
    provider: 'google',
    signal,
    start: (signal) => ai.models.generateContentStream(withSignal(params, signal)),
    read: readChunks,
    mapError: (error) => mapGoogleError(error, 'request'),
  });
}

/** Maps the SDK's chunks until one carries the terminal `finishReason`; leaving the loop early releases the body. */
async function readChunks(chunks: AsyncGenerator<GenerateContentResponse>, sink: Sink): Promise<void> {
  const mapper = new GeminiChunkMapper(sink);
  try {
    for await (const chunk of chunks) {
      mapper.map(chunk);
      if (mapper.done || sink.closed) return;
    }
  } catch (error) {
    if (sink.closed) return;
    throw mapGoogleError(error, 'response');
  }
  if (sink.closed) return;
  throw new StreamTruncatedError(
    'google stream ended before its terminal event (a chunk with finishReason): the body ended. ' +
      'What had arrived is in `partial`; retrying repeats the whole request.',
    { provider: 'google' },
  );
}

/** `params` with `config.abortSignal` set to the subscription's signal (which the caller's own signals abort). */
function withSignal(params: GenerateContentParameters, signal: AbortSignal): GenerateContentParameters {
  return { ...params, config: { ...params.config, abortSignal: signal } };
}

/** The caller's signal: `options.signal`, a `config.abortSignal` already in `params`, or either of both. */
function userSignal(option: AbortSignal | undefined, config: AbortSignal | undefined): AbortSignal | undefined {
  return option && config ? AbortSignal.any([option, config]) : (option ?? config);
}
