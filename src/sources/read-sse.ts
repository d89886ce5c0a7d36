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
 * (or the connection drops) first, or with the mapper's error. A body that is plainly not an
 * event stream (its first characters `<`, `{` or `[`: an HTML page, a JSON document) rejects
 * with {@link notEventStreamError}, naming the content-type when `input` is the `Response`.
 * `signal` (optional) cancels the body reader when it aborts: needed for a body that no fetch
 * signal controls. @internal
 */
export async function readSSE(
  input: ReadableStream<Uint8Array> | Response | null,
  mapper: SseMapper,
  sink: Sink,
  provider: string,
  terminal: string,
  signal?: AbortSignal,
): Promise<void> {
  let body: ReadableStream<Uint8Array> | null;
  let response: Response | undefined;
  if (input !== null && isResponse(input)) {
    response = input;
    body = input.body;
  } else {
    body = input;
  }
  if (body === null) throw truncatedError(provider, terminal, 'the response had no body');
  const reader = body.getReader();
  const onAbort = () => reader.cancel(signal?.reason).catch(() => {});
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const decoder = new TextDecoder();
  /** True once the body's first characters were seen to be possible SSE. */
  let sniffed = false;
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
  /**
   * Decodes and parses one network read. A function of its own, so that neither the read nor its
   * text stays in the paused frame of the loop below while it awaits the next read: that frame
   * keeps the values of its variables, and an open stream would keep its last read alive.
   */
  const feed = (bytes: Uint8Array): void => {
    const text = decoder.decode(bytes, { stream: true });
    if (!sniffed) {
      const first = firstChar(text);
      if (first === '<' || first === '{' || first === '[') throw notEventStreamError(provider, text, response);
      sniffed = first !== '';
    }
    parser.feed(text);
  };
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array> | undefined;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (sink.closed) return;
        throw truncatedError(provider, terminal, `the connection failed (${describeError(err)})`, err);
      }
      if (chunk.done) break;
      feed(chunk.value);
      chunk = undefined;
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

/** The first character of `text` that is not whitespace or a byte-order mark; '' when none. */
function firstChar(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t' && c !== '\uFEFF') return c;
  }
  return '';
}

function isResponse(value: object): value is Response {
  return typeof Response !== 'undefined' && value instanceof Response;
}

/**
 * The error for a body that is not a server-sent event stream although one was expected (an
 * HTML error or login page, a JSON document, served with status 200 by a proxy, a gateway or a
 * wrong base URL): a non-retryable `ProviderError` with code `unexpected_content_type`, the
 * response's `status` when known, naming the content-type and showing the first bytes
 * (`cause` holds them). @internal
 */
export function notEventStreamError(provider: string, firstText: string, response?: Response): ProviderError {
  const contentType = response?.headers.get('content-type') ?? undefined;
  const start = firstText.length > 200 ? `${firstText.slice(0, 200)}…` : firstText;
  return new ProviderError(
    `${provider} answered${response === undefined ? '' : ` HTTP ${response.status}`} with ` +
      `${contentType === undefined ? 'a body' : `content-type ${contentType}`} that is not a server-sent event stream; ` +
      `it begins ${JSON.stringify(start)}. Something other than the API answered (a proxy, a login page, a wrong base URL): ` +
      "check the client's base URL and the network path.",
    { provider, status: response?.status, code: 'unexpected_content_type', retryable: false, cause: start },
  );
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
 * Parses one SSE `data:` payload as a JSON object, or throws `MalformedChunkError` naming the
 * bad line: text that is not JSON, or JSON that is not an object (`data: null`, a number, an
 * array), which no provider sends as an event. @internal
 */
export function parseJSON(data: string, provider: string): object {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (err) {
    throw malformed(data, provider, `not valid JSON (${(err as Error).message})`, err);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(data, provider, `JSON but not an object (${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`, undefined);
  }
  return value;
}

function malformed(data: string, provider: string, what: string, cause: unknown): MalformedChunkError {
  const line = data.length > 200 ? `${data.slice(0, 200)}…` : data;
  return new MalformedChunkError(
    `${provider} sent a chunk that is ${what}: ${JSON.stringify(line)}. The stream was stopped; what had arrived is in \`partial\`.`,
    { provider, line, cause },
  );
}

/**
 * Fallback mapping for errors that are not the SDK's own: a connection failure
 * ({@link isConnectionFailure}: fetch's bare `TypeError: terminated`, `ECONNRESET`, …) after
 * content arrived is a truncation; before it, a retryable `ProviderError`; anything else is a
 * non-retryable `ProviderError` wrapping it. @internal
 */
export function mapNetworkError(error: unknown, sink: Sink, provider: string, terminal: string): RxllmError {
  const failed = isConnectionFailure(error) || (error instanceof Error && /other side closed/i.test(describeError(error)));
  if (failed && sink.recorder.deltaCount > 0) {
    return truncatedError(provider, terminal, `the connection failed (${describeError(error)})`, error);
  }
  const todo = failed
    ? 'The connection failed; sending the request again may succeed.'
    : "Check the client's configuration and the network; the error is in `cause`.";
  return new ProviderError(`${provider} request failed: ${clause(describeError(error))}. ${todo}`, { provider, retryable: failed, cause: error });
}
