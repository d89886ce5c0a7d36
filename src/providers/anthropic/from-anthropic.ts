/**
 * `fromAnthropic`: the Anthropic Messages API as a cold `Observable<Delta>`.
 * @module
 */
import type { Anthropic } from '@anthropic-ai/sdk';
import type { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import { createSource } from '../../sources/create-source.ts';
import { readSSE } from '../../sources/read-sse.ts';
import { mapAnthropicError } from './errors.ts';
import { AnthropicEventMapper, mapAnthropicMessage } from './decode-stream.ts';

/** The SDK's own `messages.create` params, without `stream` (rxllm sets it from `options.stream`). */
export type AnthropicMessageParams = Omit<Anthropic.MessageCreateParamsNonStreaming, 'stream'>;

/** Options of {@link fromAnthropic}. */
export interface FromAnthropicOptions {
  /** `true` (default): the streaming endpoint; `false`: one `messages.create` call, mapped to the same kinds of deltas. */
  readonly stream?: boolean;
  /** Aborts the request; the source then errors with the signal's reason. Unsubscribing also aborts. */
  readonly signal?: AbortSignal;
  /** Passed to the SDK's `messages.create` call (per-request `headers`, `timeout` in ms, `maxRetries`, …). */
  readonly requestOptions?: AnthropicRequestOptions;
}

/** The SDK's per-request options, without `signal` (rxllm passes its own). */
export type AnthropicRequestOptions = Omit<NonNullable<Parameters<Anthropic['messages']['create']>[1]>, 'signal'>;

/**
 * One Anthropic Messages API response as a cold `Observable<Delta>`: each subscription sends
 * one `client.messages.create` request; unsubscribing aborts it.
 *
 * <span class="informal">Streams Claude's answer as rxllm deltas, parsed straight off the wire.</span>
 *
 * The SDK sends the request (auth, base URL, retries, HTTP errors, timeouts); rxllm takes the raw
 * `Response` (`APIPromise.asResponse()`) and parses its SSE body with eventsource-parser,
 * mapping each event synchronously within the network read that completed it (one
 * `JSON.parse` per event), instead of the SDK's per-event async iteration.
 *
 * Deltas: `metadata` (provider `anthropic`, message id, model) and input `usage` first, then
 * text, reasoning (thinking, signatures, redacted thinking) and tool calls in wire order, then
 * output `usage` and `finish`; see {@link AnthropicEventMapper} for each event's mapping and
 * the usage arithmetic. Completes after `message_stop`.
 *
 * Errors (all carry `partial` once anything arrived):
 * - `ProviderError`: an HTTP error (`status`, `code` = the body's `error.type`, `retryable`
 *   per the SDK's rule incl. 529), a connection failure, or an in-stream `event: error`
 *   (`code` = `overloaded_error`, …; retryable for overload, api, rate-limit and timeout errors);
 * - `StreamTruncatedError`: the body ended or the connection dropped before `message_stop`;
 * - `MalformedChunkError`: an event's `data` is not JSON;
 * - the `signal`'s reason when `options.signal` aborts.
 *
 * With `stream: false` the source calls `messages.create({ ...params, stream: false })` and maps
 * the `Message` (tool call arguments then arrive whole, as compact JSON).
 *
 * @example
 * ```ts
 * const client = new Anthropic();
 * fromAnthropic(client, { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }] })
 *   .pipe(accumulate(), last())
 *   .subscribe((s) => console.log(s.text, s.usage));
 * ```
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @param client An `@anthropic-ai/sdk` client (1.x).
 * @param params The request, as for `client.messages.create`, without `stream`.
 * @param options `stream` (default `true`), `signal`, `requestOptions`.
 * @return A cold Observable of the response's deltas.
 */
export function fromAnthropic(client: Anthropic, params: AnthropicMessageParams, options: FromAnthropicOptions = {}): Observable<Delta> {
  if (options.stream === false) {
    return createSource<Anthropic.Message>({
      provider: 'anthropic',
      signal: options.signal,
      start: (signal) => client.messages.create({ ...params, stream: false }, { ...options.requestOptions, signal }),
      read: (message, sink) => mapAnthropicMessage(message, sink),
      mapError: mapAnthropicError,
    });
  }
  return createSource<Response>({
    provider: 'anthropic',
    signal: options.signal,
    start: (signal) => client.messages.create({ ...params, stream: true }, { ...options.requestOptions, signal }).asResponse(),
    read: (response, sink, signal) => readSSE(response, new AnthropicEventMapper(sink), sink, 'anthropic', 'message_stop', signal),
    mapError: mapAnthropicError,
  });
}
