/**
 * Reading a provider's SSE body: eventsource-parser, events handed to the provider's decoder
 * synchronously within the network read that completed them, and the truncation and network
 * errors every SSE source shares. @internal
 * @module
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { clause, describeError, isConnectionFailure, truncatedError } from '../core/error-classification.ts';
import { MalformedChunkError, ProviderError, type RxllmError } from '../core/errors.ts';
import type { Sink } from './create-source.ts';

/** One SSE event handler with the provider's notion of "the stream is over". @internal */
export interface SseMapper {
  /** Maps one event into the sink; throws a typed error for an in-stream error event. */
  onEvent(event: EventSourceMessage): void;
  /** True once the provider's terminal event was handled. */
  readonly done: boolean;
  /**
   * Called when the body ended cleanly before `done`: a mapper whose response is complete
   * without a terminal event (a Chat stream after its `finish_reason`, from a server that omits
   * `[DONE]`) sets `done`; otherwise the body's end is a truncation.
   */
  end?(): void;
}

/**
 * Reads an SSE body with eventsource-parser, handing every event to `mapper` synchronously
 * within the network read that completed it. Resolves when the mapper saw the terminal event
 * (the rest of the body, normally just its end, is drained in the background so the connection
 * can be reused); rejects with `StreamTruncatedError` when the body ends
 * (or the connection drops) first, or with the mapper's error. `signal` (optional) cancels the
 * body reader when it aborts: needed for a body that no fetch signal controls. @internal
 */
export async function readSSE(
  body: ReadableStream<Uint8Array> | null,
  mapper: SseMapper,
  sink: Sink,
  provider: string,
  terminal: string,
  signal?: AbortSignal,
): Promise<void> {
  if (body === null) throw truncatedError(provider, terminal, 'the response had no body');
  const reader = body.getReader();
  const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const decoder = new TextDecoder();
  let failure: unknown;
  const parser = createParser({
    onEvent(event) {
      if (failure !== undefined || mapper.done || sink.closed) return;
      try {
        mapper.onEvent(event);
      } catch (err) {
        failure = err;
      }
    },
  });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (sink.closed) return;
        throw truncatedError(provider, terminal, `the connection failed (${describeError(err)})`, err);
      }
      if (chunk.done) break;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      if (failure !== undefined) throw failure;
      if (mapper.done || sink.closed) return;
    }
    if (signal?.aborted) throw signal.reason;
    parser.feed(decoder.decode());
    if (failure !== undefined) throw failure;
    if (mapper.done || sink.closed) return;
    mapper.end?.();
    if (mapper.done || sink.closed) return;
    throw truncatedError(provider, terminal, 'the body ended');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (mapper.done && failure === undefined && !sink.closed && signal?.aborted !== true) void drain(reader);
    else reader.cancel().catch(() => {});
  }
}

/**
 * Reads what follows the terminal event (normally only the end of the body) so the HTTP
 * connection ends cleanly and stays reusable; cancels the body if more than a few reads or
 * 1 s pass first.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), 1_000);
  (timer as { unref?: () => void }).unref?.();
  try {
    for (let reads = 0; reads < 8; reads++) if ((await reader.read()).done) return;
    await reader.cancel();
  } catch {
    /* the body failed or was cancelled after the response was complete: nothing is lost */
  } finally {
    clearTimeout(timer);
  }
}


/**
 * Parses one SSE `data:` payload as JSON, or throws `MalformedChunkError` naming the bad line.
 * @internal
 */
export function parseJSON(data: string, provider: string): any {
  try {
    return JSON.parse(data);
  } catch (err) {
    const line = data.length > 200 ? `${data.slice(0, 200)}…` : data;
    throw new MalformedChunkError(
      `${provider} sent a chunk that is not valid JSON: ${JSON.stringify(line)} (${(err as Error).message}). ` +
        'The stream was stopped; what had arrived is in `partial`.',
      { provider, line, cause: err },
    );
  }
}

/**
 * Fallback mapping for errors that are not the SDK's own: a connection failure
 * ({@link isConnectionFailure}: fetch's bare `TypeError: terminated`, `ECONNRESET`, …) after
 * content arrived is a truncation; before it, a retryable `ProviderError`; anything else is a
 * non-retryable `ProviderError` wrapping it. @internal
 */
export function mapNetworkError(error: unknown, sink: Sink, provider: string, terminal: string): RxllmError {
  const failed = isConnectionFailure(error) || (error instanceof Error && /other side closed/i.test(describeError(error)));
  if (failed && sink.builder.deltaCount > 0) {
    return truncatedError(provider, terminal, `the connection failed (${describeError(error)})`, error);
  }
  const todo = failed
    ? 'The connection failed; sending the request again may succeed.'
    : "Check the client's configuration and the network; the error is in `cause`.";
  return new ProviderError(`${provider} request failed: ${clause(describeError(error))}. ${todo}`, { provider, retryable: failed, cause: error });
}
