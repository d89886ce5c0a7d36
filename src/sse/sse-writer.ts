/**
 * Writes a stream of deltas as an OpenAI-compatible SSE HTTP response to any target (node:http
 * `ServerResponse`, a Web `Response` body): the status decided by the first notification, the
 * frames, the overflow policy and the `[DONE]` end. Shared by `toSSEResponse` and `sseHandler`.
 * @internal
 * @module
 */
import { HandlerSubscriber } from '../core/handler-subscriber.ts';
import { type Observable, Subscriber } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { BufferOverflowError } from '../core/errors.ts';
import { DEFAULT_HIGH_WATER_MARK } from '../interop/backlog.ts';
import { upstreamErrorHeaders } from './headers.ts';
import { checkEventId, DONE_FRAME, dataFrame, defaultErrorBody, errorStatus, retryField } from './frames.ts';
import { type ChatCompletionChunksOptions, toChatCompletionChunks } from './toChatCompletionChunks.ts';
import type { ChatCompletionChunk, OpenAIErrorBody } from './wire.ts';

/** Options of the SSE HTTP handlers (`toSSEResponse`, `sseResponse`, `sseHandler`). */
export interface SSEResponseOptions {
  /** Event ids: `true` numbers the chunks `0, 1, …`; a function gives each chunk's id. Default none. */
  readonly ids?: boolean | ((chunk: ChatCompletionChunk, index: number) => string);
  /** A `retry:` field (the client's reconnection delay, ms) before the first event. Default none. */
  readonly retry?: number;
  /** The OpenAI-shaped body of an error (see `toServerSentEvents`). Use it to log errors too. */
  readonly formatError?: (error: unknown) => OpenAIErrorBody;
  /**
   * How many frames may wait for a slow client before the stream is cut: the source is
   * unsubscribed (its request aborted) and an error event (`buffer_overflow`) and `[DONE]` are
   * written after the waiting frames. Default 10 000.
   */
  readonly highWaterMark?: number;
  /** Extra response headers (CORS, tracing), added to the SSE ones. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The headers of an SSE response; `x-accel-buffering: no` keeps nginx from holding events back. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

/** Where `writeSSE` writes. @internal */
export interface SSETarget {
  /** Sends the status and headers; called once, before any write. */
  head(status: number, headers: Record<string, string>): void;
  /** Sends text (a frame, or an error body). */
  write(text: string): void;
  /** Frames written that the client has not taken yet (beyond what the transport buffers itself). */
  backlog(): number;
  /** Ends the response. */
  end(): void;
}

/**
 * Subscribes `deltas` (encoded with `toChatCompletionChunks(chunkOptions)`) and writes them to
 * `target`. An error before the first chunk answers with an HTTP error status (the provider's,
 * 504 for an idle timeout, else 500) and an OpenAI-shaped JSON body, as OpenAI does for a failed
 * request, so clients and SDKs see the status (and retry 429 / 5xx); after it, an error event and
 * `[DONE]`. Returns the subscription: unsubscribe when the client goes away. @internal
 */
export function writeSSE(
  deltas: Observable<Delta>,
  chunkOptions: ChatCompletionChunksOptions,
  target: SSETarget,
  options: SSEResponseOptions,
): Subscriber<ChatCompletionChunk> {
  const { ids, retry, formatError = defaultErrorBody, highWaterMark = DEFAULT_HIGH_WATER_MARK } = options;
  const retryFrame = retry === undefined ? '' : retryField(retry);
  const idOf = typeof ids === 'function' ? ids : ids === true ? (_chunk: ChatCompletionChunk, index: number) => String(index) : undefined;
  const headers = { ...SSE_HEADERS, ...options.headers };
  let started = false;
  let ended = false;
  let index = 0;

  const start = () => {
    started = true;
    target.head(200, headers);
    if (retryFrame !== '') target.write(retryFrame);
  };
  const errorFrame = (error: unknown) => {
    try {
      return dataFrame(formatError(error), undefined);
    } catch {
      return dataFrame(defaultErrorBody(undefined), undefined);
    }
  };
  const fail = (error: unknown) => {
    if (ended) return;
    ended = true;
    subscriber.unsubscribe();
    if (!started) {
      started = true;
      let body: string;
      try {
        body = JSON.stringify(formatError(error));
      } catch {
        body = JSON.stringify(defaultErrorBody(undefined));
      }
      target.head(errorStatus(error), { ...options.headers, ...upstreamErrorHeaders(error), 'content-type': 'application/json' });
      target.write(body);
    } else {
      target.write(errorFrame(error));
      target.write(DONE_FRAME);
    }
    target.end();
  };

  const subscriber = new HandlerSubscriber<ChatCompletionChunk>({
    next(chunk) {
      if (ended) return;
      if (!started) start();
      let frame: string;
      try {
        frame = dataFrame(chunk, idOf === undefined ? undefined : checkEventId(idOf(chunk, index)));
      } catch (error) {
        fail(error);
        return;
      }
      index++;
      target.write(frame);
      if (target.backlog() > highWaterMark) {
        fail(
          new BufferOverflowError(
            `The client reads too slowly: more than ${highWaterMark} events were waiting to be sent, so the stream was ` +
              'stopped and its upstream request aborted. Raise `highWaterMark` if the client is just slow to start.',
            { highWaterMark },
          ),
        );
      }
    },
    error: fail,
    complete() {
      if (ended) return;
      ended = true;
      if (!started) start();
      target.write(DONE_FRAME);
      target.end();
    },
  });
  deltas.pipe(toChatCompletionChunks(chunkOptions)).subscribe(subscriber);
  return subscriber;
}

/**
 * The chunk options a request asks for: the handler's `model`, else the body's; `includeUsage`
 * from the body's `stream_options.include_usage` (OpenAI's request field). @internal
 */
export function chunkOptionsOf(body: unknown, model: string | undefined): ChatCompletionChunksOptions {
  const request = (typeof body === 'object' && body !== null ? body : {}) as {
    model?: unknown;
    stream_options?: { include_usage?: unknown } | null;
  };
  return {
    model: model ?? (typeof request.model === 'string' ? request.model : 'unknown'),
    includeUsage: request.stream_options?.include_usage === true,
  };
}
