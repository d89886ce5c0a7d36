/**
 * `httpClientTransport`: a {@link ChatTransport} on Angular's `HttpClient`.
 * @module
 */
import { HttpClient } from '@angular/common/http';
import { inject } from '@angular/core';
import type { ChatRequest } from '../core/chat-request.ts';
import { toOpenAIParams } from '../providers/openai/to-params.ts';
import type { ChatMappingOptions } from '../providers/openai/decode-stream.ts';
import { fromSSE } from '../sse/fromSSE.ts';
import type { ChatTransport } from './chat-transport.ts';
import { httpClientResponse } from './http-client-response.ts';

/** Where and how {@link httpClientTransport} sends a request. */
export interface HttpClientTransportOptions extends ChatMappingOptions {
  /** The OpenAI-compatible endpoint: `http://127.0.0.1:8080/v1/chat/completions` (rxllm serve), `/api/chat`, … */
  readonly url: string;
  /** The `model` field of every request. */
  readonly model: string;
  /** Extra request headers (interceptors add theirs too). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Builds the JSON body from the request; default: the OpenAI Chat Completions body
   * (`toOpenAIParams`, `stream: true`, `stream_options.include_usage`). Throws an
   * `UnsupportedRequestError` for a request field Chat Completions cannot carry.
   */
  readonly body?: (request: ChatRequest, model: string) => unknown;
}

/**
 * Streams chat completions through Angular's `HttpClient`, so the app's interceptors (auth
 * headers, logging, retries) apply to LLM requests too, and decodes the body as `fromSSE` does.
 *
 * <span class="informal">`fromSSE` over `HttpClient` instead of `fetch`.</span>
 *
 * The request goes out as `POST url` with `observe: 'events'`, `reportProgress: true` and
 * `responseType: 'text'`; each `DownloadProgress` event's new text is parsed as server-sent
 * events (eventsource-parser: any chunking) and mapped by the same OpenAI chunk mapper as
 * `fromSSE` and `fromOpenAI`. Provide the fetch backend (`provideHttpClient(withFetch())`): it
 * reports progress per network read, so deltas arrive as the bytes do.
 *
 * Errors are `fromSSE`'s, typed, with what had arrived in `partial`: an HTTP error status →
 * `ProviderError` (`status`, `code`, `retryable`); a refused connection → retryable
 * `ProviderError`; the server's error event → `ProviderError`; a body that ends before
 * `data: [DONE]` or a dropped connection → `StreamTruncatedError`.
 * On unsubscribe (or when the chat's signal aborts): the `HttpClient` subscription ends, which
 * aborts the fetch, so the server sees the connection close.
 *
 * @example
 * ```ts
 * // app.config.ts: providers: [provideZonelessChangeDetection(), provideHttpClient(withFetch(), withInterceptors([auth]))]
 * readonly chat = chatResource({ transport: httpClientTransport(inject(HttpClient), { url: '/v1/chat/completions', model: 'gpt-5-mini' }) });
 * ```
 *
 * @see {@link injectHttpClientTransport} to take `HttpClient` from the injection context.
 * @param http The app's `HttpClient`.
 * @param options `url`, `model`, `headers`, `body`, and fromSSE's `choiceIndex` / `finishOnDone`.
 * @return A transport for {@link chatResource}.
 */
export function httpClientTransport(http: HttpClient, options: HttpClientTransportOptions): ChatTransport {
  const toBody = options.body ?? openAIBody;
  const mapping: ChatMappingOptions = { choiceIndex: options.choiceIndex, finishOnDone: options.finishOnDone };
  return (request, signal) =>
    fromSSE(
      (abort) => httpClientResponse(http, { url: options.url, body: toBody(request, options.model), headers: options.headers }, abort),
      { ...mapping, signal },
    );
}

/**
 * {@link httpClientTransport} with the `HttpClient` of the current injection context (a field
 * initializer, a constructor, `runInInjectionContext`).
 * @param options As for {@link httpClientTransport}.
 * @return A transport for {@link chatResource}.
 */
export function injectHttpClientTransport(options: HttpClientTransportOptions): ChatTransport {
  return httpClientTransport(inject(HttpClient), options);
}

/** The OpenAI Chat Completions streaming body of `request`. */
function openAIBody(request: ChatRequest, model: string): unknown {
  const { params } = toOpenAIParams(request, model);
  return { ...params, model, stream: true, stream_options: { include_usage: true } };
}
