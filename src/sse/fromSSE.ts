import type { Observable } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { ProviderError, RxllmError, StreamTruncatedError } from '../core/errors.ts';
import { createSource } from '../sources/create-source.ts';
import { mapNetworkError, notEventStreamError, readSSE, type SseMapper } from '../sources/read-sse.ts';
import { isRetryableStatus } from '../core/error-classification.ts';
import {
  CHAT_PROVIDER,
  CHAT_TERMINAL,
  ChatStreamMapper,
  mapChatCompletion,
  type ChatCompletionWire,
  type ChatMappingOptions,
} from '../providers/openai/decode-stream.ts';

/**
 * What {@link fromSSE} reads: a fetch `Response`, its body, any async iterable of bytes (a Node
 * `IncomingMessage`), a URL to `GET`, or a function that makes a fresh `Response` per subscription,
 * given the subscription's `AbortSignal` (the cold form: `(signal) => fetch(url, { ...init, signal })`)
 * and, when it reconnects (`resume`), what to resume from.
 */
export type SSEInput =
  | Response
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | string
  | URL
  | ((signal: AbortSignal, resume?: SSEResume) => Response | PromiseLike<Response>);

/** What a function input gets when {@link fromSSE} reconnects (option `resume`). */
export interface SSEResume {
  /** The last event id received: send it as the `Last-Event-ID` header. `undefined` when no event had an id. */
  readonly lastEventId: string | undefined;
  /** The response that dropped; its headers may name the stream (`Rxllm-Stream-Id`). */
  readonly response: Response;
}

/** Options of {@link fromSSE}: which choice to follow, whether `[DONE]` alone may end, a signal, resuming. */
export interface FromSSEOptions extends ChatMappingOptions {
  /** Aborts the reading (and, with a function input, the request); the Observable errors with its reason. */
  readonly signal?: AbortSignal;
  /**
   * Reconnect when the body ends or the connection drops before `[DONE]` (a URL or function input
   * only): a URL is fetched again with `Last-Event-ID`, a function is called again with
   * {@link SSEResume}. `attempts` reconnections in a row without a new event (default 5), `delay`
   * ms before each (default 500). Default false.
   */
  readonly resume?: boolean | { readonly attempts?: number; readonly delay?: number };
}

/**
 * Reads an OpenAI-compatible server-sent event stream (`chat.completion.chunk` events ending with
 * `data: [DONE]`, as an rxllm server, OpenAI, Groq, vLLM… send it) back into deltas. Runs in
 * browsers: fetch, Web Streams and eventsource-parser only.
 *
 * <span class="informal">The client side of `toServerSentEvents`: the same deltas come out as
 * went in on the server.</span>
 *
 * Parsed with eventsource-parser (any byte chunking, CRLF, multi-byte characters split across
 * reads) and mapped by the same chunk mapper as `fromOpenAI` (`ChatStreamMapper`): `metadata`,
 * `reasoning` (`reasoning_content` / `reasoning`), `text`, tool calls (`tool-call-end` right before
 * the `finish`), `finish`, `usage`. A `Response` with a JSON body is read as a whole completion.
 *
 * Cold where the input allows: a function input makes one request per subscription. A `Response`,
 * a `ReadableStream` and most async iterables can be read once: a second subscription errors with
 * an `RxllmError` saying so (or, for an iterator, sees only what is left).
 *
 * Errors (typed; `partial` holds what had arrived):
 * - a function input that throws or rejects (fetch's `TypeError` for a refused connection) →
 *   `ProviderError` (`retryable` for a `TypeError`);
 * - a `Response` with an HTTP error status → `ProviderError` (`status`, the body's `code`,
 *   `retryable` for 408/409/429/5xx);
 * - the error event (`data: {"error":{…}}`, also with `event: error`) → `ProviderError`
 *   (`status` from `status_code`, `code`);
 * - a stream that ends before a `finish_reason`, or a connection that drops → `StreamTruncatedError`
 *   (a stream that ends cleanly after the finish but without `data: [DONE]` completes: some
 *   servers omit it);
 * - `[DONE]` without a `finish_reason` → `StreamTruncatedError`, unless `finishOnDone: true`;
 * - a body that is not an event stream (an HTML page, JSON that is not a completion, served with
 *   status 200) → `ProviderError` with code `unexpected_content_type`, naming the content-type
 *   and showing the first bytes; a JSON error body (`{"error":…}`) → `ProviderError` from it;
 * - an event whose data is not JSON → `MalformedChunkError`;
 * - `options.signal` aborted → the signal's reason.
 * On unsubscribe: cancels the body reader (for an async iterable: calls its `return()`), and
 * aborts the request of a function input.
 *
 * Resuming (`resume`, for a URL or function input): fetch ignores `id:` fields, so without it a
 * dropped connection ends in `StreamTruncatedError`. With it, fromSSE remembers the last event id
 * and reconnects (a URL with the `Last-Event-ID` header; a function called with
 * `{ lastEventId, response }`), reading on with the same decoder: a resumable server (see
 * `rxllm/resumable`) sends what follows, nothing twice. Browsers' `EventSource` does this itself.
 *
 * @example
 * ```ts
 * // browser or Angular service
 * fromSSE((signal) => fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify(req), signal }))
 *   .pipe(accumulate())
 *   .subscribe((s) => (this.answer = s.text));
 * ```
 *
 * ```ts
 * // resume a stream of a resumable server after a drop (Last-Event-ID)
 * fromSSE(`/v1/chat/completions/${id}/stream`, { resume: true }).pipe(accumulate());
 * ```
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @param input A `Response`, a byte stream or iterable, a URL to `GET`, or `(signal, resume?) => Response` for a cold source.
 * @param options `signal`, `choiceIndex` (default 0), `finishOnDone` (default false), `resume` (`attempts`, `delay` ms).
 * @return An Observable of the stream's deltas.
 */
export function fromSSE(input: SSEInput, options: FromSSEOptions = {}): Observable<Delta> {
  const open = opener(input);
  return createSource<Response | ReadableStream<Uint8Array>>({
    provider: CHAT_PROVIDER,
    signal: options.signal,
    async start(signal) {
      const opened = open !== undefined ? await request(open, signal) : (input as Exclude<SSEInput, string | URL | ((...args: never[]) => unknown)>);
      if (isResponse(opened)) {
        if (opened.bodyUsed) throw readOnce('Response body was already read');
        if (!opened.ok) throw await httpError(opened);
        return opened;
      }
      if (isReadableStream(opened)) {
        if (opened.locked) throw readOnce('ReadableStream is locked by another reader');
        return opened;
      }
      return fromIterable(opened);
    },
    async read(opened, sink, signal) {
      if (isResponse(opened)) {
        if (opened.headers.get('content-type')?.includes('application/json')) {
          const text = await opened.text();
          return mapChatCompletion(completionOf(text, opened), sink, options);
        }
        if (options.resume && open !== undefined) return readResuming(opened, open, new ChatStreamMapper(sink, options), sink, signal, options.resume);
      }
      return readSSE(opened, new ChatStreamMapper(sink, options), sink, CHAT_PROVIDER, CHAT_TERMINAL, signal);
    },
    mapError: (error, sink) => mapNetworkError(error, sink, CHAT_PROVIDER, CHAT_TERMINAL),
  });
}

type Opener = (signal: AbortSignal, resume?: SSEResume) => Response | PromiseLike<Response>;

/** A URL input as a function input (`GET`, with `Last-Event-ID` when resuming); undefined for a body. */
function opener(input: SSEInput): Opener | undefined {
  if (typeof input === 'function') return input;
  if (typeof input !== 'string' && !(typeof URL !== 'undefined' && input instanceof URL)) return undefined;
  return (signal, resume) =>
    fetch(input, { signal, headers: resume?.lastEventId === undefined ? {} : { 'last-event-id': resume.lastEventId } });
}

/**
 * Reads `response`, and on a truncation (body ended or connection dropped before `[DONE]`)
 * reopens the stream from the last event id and reads on with the same mapper. Gives up with the
 * truncation after `attempts` reconnections without a new event, on `204` (nothing after the
 * cursor), and with the HTTP error of a refused reconnection.
 */
async function readResuming(
  response: Response,
  open: Opener,
  mapper: ChatStreamMapper,
  sink: Parameters<typeof readSSE>[2],
  signal: AbortSignal,
  resume: true | { readonly attempts?: number; readonly delay?: number },
): Promise<void> {
  const attempts = resume === true ? 5 : (resume.attempts ?? 5);
  const delay = resume === true ? 500 : (resume.delay ?? 500);
  let lastEventId: string | undefined;
  let failures = 0;
  const tracking: SseMapper = {
    onEvent(event) {
      mapper.onEvent(event);
      if (event.id !== undefined) lastEventId = event.id;
      failures = 0;
    },
    get done() {
      return mapper.done;
    },
  };
  for (;;) {
    let truncation: StreamTruncatedError;
    try {
      return await readSSE(response.body, tracking, sink, CHAT_PROVIDER, CHAT_TERMINAL, signal);
    } catch (error) {
      if (!(error instanceof StreamTruncatedError)) throw error;
      truncation = error;
    }
    for (;;) {
      if (signal.aborted || sink.closed || ++failures > attempts) throw truncation;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delay);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
      if (signal.aborted) throw truncation;
      let next: Response;
      try {
        next = await request(open, signal, { lastEventId, response });
      } catch (error) {
        if (error instanceof ProviderError && error.retryable && !signal.aborted) continue; // refused connection: try again
        throw error;
      }
      if (!next.ok) throw await httpError(next);
      if (next.status === 204) throw truncation;
      response = next;
      break;
    }
  }
}

/**
 * Calls a function input. A failure of its own (fetch's `TypeError` for a refused or dropped
 * connection) is a {@link ProviderError}, retryable for a `TypeError`; typed errors and the abort
 * reason pass through.
 */
async function request(input: Opener, signal: AbortSignal, resume?: SSEResume): Promise<Response> {
  try {
    return await (resume === undefined ? input(signal) : input(signal, resume));
  } catch (error) {
    if (error instanceof RxllmError || signal.aborted) throw error;
    const retryable = error instanceof TypeError;
    throw new ProviderError(
      `${CHAT_PROVIDER} request failed before a response: ${error instanceof Error ? error.message : String(error)}` +
        (error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '') +
        (retryable ? '. Sending the request again may succeed.' : '.'),
      { provider: CHAT_PROVIDER, retryable, cause: error },
    );
  }
}

/**
 * A JSON body as a `chat.completion`: an OpenAI-shaped error body (`{ "error": … }`) is a
 * `ProviderError`; JSON without `choices` (not a completion) is the "not an event stream" error
 * naming the content-type and the first bytes.
 */
function completionOf(text: string, response: Response): ChatCompletionWire {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw notEventStreamError(CHAT_PROVIDER, text, response);
  }
  if (body !== null && typeof body === 'object' && Array.isArray((body as { choices?: unknown }).choices)) return body as ChatCompletionWire;
  if (body !== null && typeof body === 'object' && (body as { error?: unknown }).error != null) throw errorBodyError(text, response.status, response.statusText, body);
  throw notEventStreamError(CHAT_PROVIDER, text, response);
}

function isResponse(value: unknown): value is Response {
  return typeof Response !== 'undefined' && value instanceof Response;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && value instanceof ReadableStream;
}

/** An async iterable of bytes as a byte stream; cancelling it calls the iterator's `return()`. */
function fromIterable(iterable: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        iterator ??= iterable[Symbol.asyncIterator]();
        const result = await iterator.next();
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

function readOnce(what: string): RxllmError {
  return new RxllmError(
    `fromSSE: the ${what}; a Response or stream can be read once. To subscribe more than once, pass a function ` +
      'that makes a fresh Response per subscription: fromSSE((signal) => fetch(url, { ...init, signal })).',
  );
}

/** An HTTP error response (an OpenAI-shaped JSON body when the server sent one) as a ProviderError. */
async function httpError(response: Response): Promise<ProviderError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the text is the message
  }
  return errorBodyError(text, response.status, response.statusText, parsed);
}

/** An error body (OpenAI-shaped JSON when `parsed` is one, else the text) with its status as a ProviderError. */
function errorBodyError(text: string, status: number, statusText: string, parsed: unknown): ProviderError {
  let message = text.length > 500 ? `${text.slice(0, 500)}…` : text;
  let code: string | undefined;
  const error = parsed !== null && typeof parsed === 'object' ? (parsed as { error?: { message?: unknown; code?: unknown; type?: unknown } | string }).error : undefined;
  if (typeof error === 'string') message = error;
  else if (error != null) {
    if (typeof error.message === 'string') message = error.message;
    code = typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : undefined;
  }
  const retryable = isRetryableStatus(status);
  return new ProviderError(
    `${CHAT_PROVIDER} server answered HTTP ${status}${code === undefined ? '' : ` (${code})`}: ${message || statusText}. ` +
      (retryable ? 'Sending the request again may succeed.' : 'Sending the same request again will fail the same way.'),
    { provider: CHAT_PROVIDER, status, code, retryable, cause: text },
  );
}
