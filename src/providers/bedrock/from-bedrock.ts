/**
 * `fromBedrock`: AWS Bedrock Runtime's ConverseStream (and Converse) as a cold `Observable<Delta>`.
 * @module
 */
import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamCommandOutput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import type { Observable } from 'rxjs';
import type { Delta } from '../../core/delta.ts';
import { createSource, type Sink } from '../../sources/create-source.ts';
import { ConverseStreamMapper, mapConverseOutput, metadataDelta } from './decode-stream.ts';
import { isServiceException, mapBedrockError, PROVIDER, truncatedError } from './errors.ts';

/** Options of {@link fromBedrock}. */
export interface FromBedrockOptions {
  /** `false` calls the non-streaming `Converse` operation instead; the same kinds of deltas come, all at once. Default `true`. */
  readonly stream?: boolean;
  /** Aborts the request; the source then errors with the signal's `reason`. */
  readonly signal?: AbortSignal;
}

/**
 * A Bedrock Runtime conversation as a cold `Observable<Delta>`: each subscription sends one
 * `ConverseStreamCommand` through `client` (its endpoint, credentials, retries and HTTP
 * handler: HTTP/2 by default) and emits the response as deltas; unsubscribing aborts the
 * request (`abortSignal`) at once.
 *
 * <span class="informal">Streams a Bedrock model's answer as rxllm deltas, read from the SDK's decoded event stream.</span>
 *
 * Deltas: `metadata` (`provider: 'bedrock'`, `model` = `input.modelId`, `id` = the AWS request
 * id when the response carries one), then `text`, `reasoning` (with `signature`, or `redacted`
 * base64 data), `tool-call-start` / `-delta` / `-end` (index = position among the response's
 * tool calls), `finish` at `messageStop` (`end_turn`/`stop_sequence` → `stop`, `max_tokens` →
 * `length`, `tool_use` → `tool-calls`, `guardrail_intervened`/`content_filtered` →
 * `content-filter`, else `other`; `raw` keeps Bedrock's value) and `usage` from the final
 * `metadata` event. Each delta is emitted as its event arrives; a reasoning signature comes as
 * a `reasoning` delta of its own with empty text (the rule of every rxllm source). The source
 * completes when the event stream ends after `messageStop`.
 *
 * Errors (each carries `partial` once content arrived):
 * - `ProviderError` for an HTTP error or an exception event in the stream: `code` is the
 *   exception name (`ThrottlingException`, `ValidationException`, …), `status` the HTTP status,
 *   `retryable` true for throttling, internal, service-unavailable, model stream error and
 *   model timeout, false for validation and access errors; also for a connection failure
 *   before the response (retryable); a `ValidationException` saying the model does not stream
 *   this request (see `isBedrockStreamingUnsupported`) is a `StreamingUnsupportedError` (a
 *   `ProviderError`, not retryable), which `fallbackToNonStreaming` switches on;
 * - `StreamTruncatedError` when the stream ends or the connection drops before `messageStop`
 *   (with the SDK's HTTP/2 handler a dropped stream ends silently: that is told apart from an
 *   abort by the abort signal); a failure after `messageStop` only loses the usage and completes;
 * - `MalformedChunkError` for an event-stream frame that cannot be decoded (bad CRC or length);
 * - `options.signal`'s reason when that signal aborts the request.
 *
 * With `stream: false`, `ConverseCommand` is sent with the same input and its response is
 * emitted as the same kinds of deltas, in the order the stream would have sent them.
 *
 * @example
 * ```ts
 * const client = new BedrockRuntimeClient({ region: 'us-east-1' });
 * fromBedrock(client, { modelId: 'us.amazon.nova-micro-v1:0', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })
 *   .pipe(accumulate(), last())
 *   .subscribe((s) => console.log(s.text, s.usage));
 * ```
 *
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @param client The SDK client (`@aws-sdk/client-bedrock-runtime` v3), or the `BedrockRuntime` aggregate.
 * @param input The `ConverseStreamCommand` input, as the SDK takes it.
 * @param options `stream` (default true) and an abort `signal`.
 * @return A cold Observable of the response's deltas.
 */
export function fromBedrock(client: BedrockRuntimeClient, input: ConverseStreamCommandInput, options: FromBedrockOptions = {}): Observable<Delta> {
  const model = input.modelId;
  if (options.stream === false) {
    return createSource<ConverseCommandOutput>({
      provider: PROVIDER,
      signal: options.signal,
      // Converse takes the same input; only `guardrailConfig.streamProcessingMode` is stream-only (the SDK drops it).
      start: (signal) => client.send(new ConverseCommand(input), { abortSignal: signal }),
      read: (output, sink) => mapConverseOutput(output, sink, metadataDelta(model, output.$metadata.requestId)),
      mapError: (error) => mapBedrockError(error, 'request'),
    });
  }
  return createSource<ConverseStreamCommandOutput>({
    provider: PROVIDER,
    signal: options.signal,
    start: (signal) => client.send(new ConverseStreamCommand(input), { abortSignal: signal }),
    read: (response, sink, signal) => readStream(response, sink, signal, model),
    mapError: (error) => mapBedrockError(error, 'request'),
  });
}

/**
 * Reads the SDK's decoded event iterable into `sink`. Resolves once the stream ended after
 * `messageStop`; throws a typed error otherwise (the raw error, or the signal's reason, when
 * the request was aborted: `createSource` then ignores it or reports the user's reason).
 */
async function readStream(response: ConverseStreamCommandOutput, sink: Sink, signal: AbortSignal, model: string | undefined): Promise<void> {
  if (response.stream === undefined) throw truncatedError('the response had no event stream');
  const mapper = new ConverseStreamMapper(sink, metadataDelta(model, response.$metadata.requestId));
  const events = response.stream[Symbol.asyncIterator]();
  for (;;) {
    let step: IteratorResult<ConverseStreamOutput>;
    try {
      step = await events.next();
    } catch (error) {
      if (sink.closed || signal.aborted) throw error;
      // after messageStop the response is complete: a failure then only loses the usage
      if (mapper.done && !isServiceException(error)) return;
      throw mapBedrockError(error, 'body');
    }
    if (step.done) break;
    mapper.onEvent(step.value); // throws a ProviderError for an exception member
    if (sink.closed) return;
  }
  // The SDK's HTTP/2 handler ends the iterable silently when the request is aborted.
  if (sink.closed) return;
  if (signal.aborted) throw signal.reason;
  if (!mapper.done) throw truncatedError('the event stream ended (a dropped HTTP/2 connection ends it this way too)');
}
