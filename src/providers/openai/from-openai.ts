import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import { createSource, type Sink } from '../../sources/create-source.ts';
import { readSSE } from '../../sources/read-sse.ts';
import {
  CHAT_PROVIDER,
  CHAT_TERMINAL,
  ChatStreamMapper,
  mapChatCompletion,
  type ChatCompletionWire,
  type ChatMappingOptions,
} from './decode-stream.ts';
import { mapOpenAIError } from './errors.ts';
import { streamError } from './stream-errors.ts';

/** The SDK's own Chat Completions request params, without `stream` (rxllm sets it). */
export type OpenAIChatParams = Omit<ChatCompletionCreateParamsBase, 'stream'>;

/** The openai SDK's per-request options (headers, timeout in ms, maxRetries, …), without `signal`. */
export type OpenAIRequestOptions = Omit<NonNullable<Parameters<OpenAI['chat']['completions']['create']>[1]>, 'signal'>;

/** Options of {@link fromOpenAI}. */
export interface FromOpenAIOptions extends ChatMappingOptions {
  /**
   * `true` (default): stream (`stream: true`, server-sent events). `false`: call the
   * non-streaming endpoint (`stream: false`) and emit the same kinds of deltas from the whole
   * completion, so every operator works unchanged (and `fallbackToNonStreaming` can use it).
   */
  readonly stream?: boolean;
  /** Aborts the request; the Observable then errors with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Passed to the SDK's `create` call (per-request headers, `timeout` in ms, `maxRetries`, …). */
  readonly requestOptions?: OpenAIRequestOptions;
}

/**
 * A Chat Completions response as a cold `Observable<Delta>`: OpenAI, and every OpenAI-compatible
 * server reached through the client's `baseURL` (Groq, DeepSeek, xAI, OpenRouter, Ollama, vLLM).
 *
 * <span class="informal">One request per subscription; deltas as the chunks arrive.</span>
 *
 * The SDK sends the request (auth, base URL, headers, retries, HTTP errors); rxllm reads the
 * raw SSE body (`.asResponse()`) with eventsource-parser and maps each chunk synchronously
 * ({@link ChatStreamMapper}): `metadata` first, then `reasoning` / `text` / tool-call deltas
 * (`tool-call-end` of every call right before the `finish`), `finish` at `finish_reason` (raw
 * kept), `usage` where the provider sends it (OpenAI: a last chunk, only when the request has
 * `stream_options: { include_usage: true }`). Completes at `data: [DONE]`. With `n > 1`, the
 * choice `options.choiceIndex` (default 0) is followed. A refusal arrives as `text` and finishes
 * as `content-filter`. If the server ignores `stream: true` and answers with a JSON completion,
 * that completion is mapped as with `stream: false`.
 *
 * Errors (typed; `partial` holds what had arrived):
 * - HTTP errors and connection failures → `ProviderError` (`status`, `code`, `retryable`: 408,
 *   409, 429, 5xx and connection errors; the SDK error as `cause`); OpenAI's 400 refusing
 *   `stream: true` (`param: 'stream'`, see `isOpenAIStreamingUnsupported`) →
 *   `StreamingUnsupportedError`, a `ProviderError` that `fallbackToNonStreaming` switches on;
 * - an error inside the stream (Groq's `event: error`, OpenRouter's chunk with `error`) →
 *   `ProviderError` (`status` from `status_code` when present);
 * - a body that ends, or a connection that drops, before `[DONE]` → `StreamTruncatedError`;
 * - `[DONE]` without a `finish_reason` → `StreamTruncatedError`, unless `finishOnDone: true`;
 * - a chunk that is not JSON → `MalformedChunkError` (naming the line);
 * - `options.signal` aborted → the signal's reason.
 * Unsubscribing aborts the request (the SDK's `signal`) and is silent. The SDK's `timeout`
 * covers the wait for the response headers only; use `timeoutIdle` for a stalled stream.
 *
 * @example
 * ```ts
 * fromOpenAI(client, { model: 'gpt-4.1', messages, stream_options: { include_usage: true } })
 *   .pipe(accumulate(), last())
 *   .subscribe((s) => console.log(s.text, s.usage));
 * ```
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @param client The openai SDK client (`new OpenAI({ apiKey, baseURL })`).
 * @param params The SDK's Chat Completions params, without `stream`.
 * @param options `stream`, `signal`, `choiceIndex`, `finishOnDone`, `requestOptions`.
 * @return A cold Observable of the response's deltas; each subscription sends one request.
 */
export function fromOpenAI(client: OpenAI, params: OpenAIChatParams, options: FromOpenAIOptions = {}): Observable<Delta> {
  const mapError = (error: unknown, sink: Sink) => mapOpenAIError(error, sink, CHAT_PROVIDER, CHAT_TERMINAL);
  if (options.stream === false) {
    return createSource({
      provider: CHAT_PROVIDER,
      signal: options.signal,
      start: (signal) => client.chat.completions.create({ ...params, stream: false }, { ...options.requestOptions, signal }),
      read: (completion, sink) => mapChatCompletion(completion as ChatCompletionWire, sink, options),
      mapError,
    });
  }
  return createSource({
    provider: CHAT_PROVIDER,
    signal: options.signal,
    start: (signal) => client.chat.completions.create({ ...params, stream: true }, { ...options.requestOptions, signal }).asResponse(),
    async read(response, sink) {
      if (isJSON(response)) {
        const body = (await response.json()) as ChatCompletionWire & { error?: unknown };
        if (body.error != null) throw streamError(body.error, CHAT_PROVIDER);
        return mapChatCompletion(body, sink, options);
      }
      return readSSE(response, new ChatStreamMapper(sink, options), sink, CHAT_PROVIDER, CHAT_TERMINAL);
    },
    mapError,
  });
}

/** True when a server answered a streaming request with JSON instead of server-sent events. @internal */
export function isJSON(response: Response): boolean {
  return response.headers.get('content-type')?.includes('application/json') === true;
}
