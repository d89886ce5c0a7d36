import type OpenAI from 'openai';
import type { ResponseCreateParamsBase } from 'openai/resources/responses/responses';
import type { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import { createSource, type Sink } from '../../sources/create-source.ts';
import { readSSE } from '../../sources/read-sse.ts';
import { mapOpenAIError } from '../openai/errors.ts';
import { streamError } from '../openai/stream-errors.ts';
import { isJSON, type OpenAIRequestOptions } from '../openai/from-openai.ts';
import { RESPONSES_PROVIDER, RESPONSES_TERMINAL, ResponsesStreamMapper, type ResponseWire } from './decode-stream.ts';

/** The SDK's own Responses request params, without `stream` (rxllm sets it). */
export type OpenAIResponsesParams = Omit<ResponseCreateParamsBase, 'stream'>;

/** Options of {@link fromOpenAIResponses}. */
export interface FromOpenAIResponsesOptions {
  /**
   * `true` (default): stream (`stream: true`, server-sent events). `false`: call the
   * non-streaming endpoint and emit the same kinds of deltas from the whole `Response`.
   */
  readonly stream?: boolean;
  /** Aborts the request; the Observable then errors with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Passed to the SDK's `create` call (per-request headers, `timeout` in ms, `maxRetries`, …). */
  readonly requestOptions?: OpenAIRequestOptions;
}

/**
 * A Responses API response as a cold `Observable<Delta>`.
 *
 * <span class="informal">One request per subscription; deltas as the events arrive.</span>
 *
 * The SDK sends the request (auth, base URL, headers, retries, HTTP errors); rxllm reads the
 * raw SSE body (`.asResponse()`) with eventsource-parser and maps each event synchronously
 * ({@link ResponsesStreamMapper}): `metadata` at `response.created`; `text` from
 * `response.output_text.delta` (and refusals, which finish as `content-filter`); `reasoning`
 * from reasoning summary and reasoning text deltas; function calls as
 * `tool-call-start` (`call_id`, `name`) / `tool-call-delta` / `tool-call-end`; at
 * `response.completed` `usage` (input, output, reasoning, cached tokens) then `finish` (`stop`,
 * or `tool-calls` when function calls were made; raw `completed`); at `response.incomplete`
 * `finish` `length` (`max_output_tokens`), `content-filter` or `other` (raw = the reason).
 * Completes after that terminal event.
 *
 * Errors (typed; `partial` holds what had arrived):
 * - HTTP errors and connection failures → `ProviderError` (`status`, `code`, `retryable`);
 *   OpenAI's 400 refusing `stream: true` (`param: 'stream'`, see `isOpenAIStreamingUnsupported`)
 *   → `StreamingUnsupportedError`, a `ProviderError` that `fallbackToNonStreaming` switches on;
 * - an `error` event or `response.failed` → `ProviderError` with the error `code`, retryable
 *   for `server_error` / `rate_limit_exceeded`, not for e.g. `insufficient_quota`;
 * - a body that ends, or a connection that drops, before a terminal event → `StreamTruncatedError`;
 * - an event that is not JSON → `MalformedChunkError`;
 * - `options.signal` aborted → the signal's reason.
 * Unsubscribing aborts the request (the SDK's `signal`) and is silent.
 *
 * @example
 * ```ts
 * fromOpenAIResponses(client, { model: 'o4-mini', input: 'Why is the sky blue?', reasoning: { summary: 'auto' } })
 *   .pipe(accumulate(), last())
 *   .subscribe((s) => console.log(s.reasoning, s.text, s.usage));
 * ```
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @param client The openai SDK client.
 * @param params The SDK's Responses params, without `stream`.
 * @param options `stream`, `signal`, `requestOptions`.
 * @return A cold Observable of the response's deltas; each subscription sends one request.
 */
export function fromOpenAIResponses(
  client: OpenAI,
  params: OpenAIResponsesParams,
  options: FromOpenAIResponsesOptions = {},
): Observable<Delta> {
  const mapError = (error: unknown, sink: Sink) => mapOpenAIError(error, sink, RESPONSES_PROVIDER, RESPONSES_TERMINAL);
  if (options.stream === false) {
    return createSource({
      provider: RESPONSES_PROVIDER,
      signal: options.signal,
      start: (signal) => client.responses.create({ ...params, stream: false }, { ...options.requestOptions, signal }),
      read: (response, sink) => new ResponsesStreamMapper(sink).onResponse(response as ResponseWire),
      mapError,
    });
  }
  return createSource({
    provider: RESPONSES_PROVIDER,
    signal: options.signal,
    start: (signal) => client.responses.create({ ...params, stream: true }, { ...options.requestOptions, signal }).asResponse(),
    async read(response, sink) {
      if (isJSON(response)) {
        const body = (await response.json()) as ResponseWire & { error?: unknown; object?: string };
        if (body.object !== 'response' && body.error != null) throw streamError(body.error, RESPONSES_PROVIDER);
        return new ResponsesStreamMapper(sink).onResponse(body);
      }
      return readSSE(response, new ResponsesStreamMapper(sink), sink, RESPONSES_PROVIDER, RESPONSES_TERMINAL);
    },
    mapError,
  });
}
