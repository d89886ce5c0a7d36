/**
 * HTTP for resumable streams on Web `Request`/`Response` (Node 18+, Deno, Bun, Workers, Hono):
 * the SSE response of a stream's entries (`id:` = sequence number, a `retry:` line), the resume
 * handler (`GET …/{id}/stream` with `Last-Event-ID`) and the cancel handler (`POST …/{id}/cancel`).
 * @module
 */
import type { Observable, Subscription } from 'rxjs';
import { DONE_FRAME, retryField } from '../sse/frames.ts';
import { SSE_HEADERS } from '../sse/sse-writer.ts';
import type { OpenAIErrorBody } from '../sse/wire.ts';
import { ResumableError } from './errors.ts';
import type { Resumable } from './resumable.ts';
import type { Entry } from './store.ts';

/** Options of {@link toResumableResponse}. */
export interface ResumableResponseOptions<T> {
  /** The `data:` payload of a value (one JSON text, e.g. `JSON.stringify` of a `chat.completion.chunk`). */
  readonly encode: (value: T) => string;
  /** The `retry:` field (client reconnection delay, ms) written first. Default 1 000. */
  readonly retry?: number;
  /** Extra headers (CORS, `Rxllm-Stream-Id`), added to the SSE ones. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request's signal: when it aborts (the client left), reading stops; the stream goes on. */
  readonly signal?: AbortSignal;
  /**
   * Frames that may wait for a slow client before the response is cut (without `[DONE]`, so the
   * client resumes from its last id). Default 10 000.
   */
  readonly highWaterMark?: number;
  /**
   * Longest wait for the first notification, ms: then the `200` headers and `retry:` go out
   * anyway, so a client resuming at the live edge of a slow stream sees a live response (a later
   * failure becomes an error event). Default 1 000.
   */
  readonly headersAfter?: number;
}

/**
 * Serves a resumable stream's entries as server-sent events, each with `id: <seq>`.
 *
 * <span class="informal">What `GET …/{id}/stream` and a resumable `POST` answer: a client that
 * drops reconnects with `Last-Event-ID` and misses nothing.</span>
 *
 * Resolves on the first notification of `entries`:
 * - an entry → `200` `text/event-stream`: `retry: <ms>`, then per value `id: <seq>` and
 *   `data: <encode(value)>`; the terminal `done` as `id: <seq>` + `data: [DONE]`; any other
 *   terminal as `id: <seq>` + `data: {"error":{…}}` (OpenAI's error event), then `data: [DONE]`;
 * - completion without entries (the cursor is at or past the end) → `204`;
 * - an error first → its status (`ResumableError.status`: 404, 400, 410, 429, 503; else 500)
 *   with an OpenAI-shaped JSON body; an error later → an error event and `data: [DONE]`;
 * - nothing within `headersAfter` ms (a resume at the live edge) → `200` and `retry:` at once,
 *   the events as they come.
 * On client disconnect (`signal`, body cancel) the reading is unsubscribed; the stream goes on.
 *
 * @example
 * ```ts
 * const { id, events$ } = await streams.publish(deltas.pipe(toChatCompletionChunks({ model })), { owner });
 * return toResumableResponse(events$, { encode: JSON.stringify, headers: { 'rxllm-stream-id': id }, signal: request.signal });
 * ```
 *
 * @param entries The entries to serve (`events$` or `resume(…)`); subscribed once.
 * @param options `encode`, `retry` (ms), `headers`, `signal`, `highWaterMark` (frames), `headersAfter` (ms).
 * @return The Response, once the first notification arrived.
 */
export function toResumableResponse<T>(entries: Observable<Entry<T>>, options: ResumableResponseOptions<T>): Promise<Response> {
  const { encode, signal, highWaterMark = 10_000 } = options;
  const retry = retryField(options.retry ?? 1_000);
  return new Promise<Response>((resolve) => {
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let started = false;
    let closed = false;
    let subscription: Subscription | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c;
        },
        cancel() {
          finish();
        },
      },
      { highWaterMark: 0 },
    );
    const write = (text: string) => {
      if (!closed) controller.enqueue(encoder.encode(text));
    };
    const finish = (end?: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      subscription?.unsubscribe();
      if (closed) return;
      closed = true;
      end?.();
    };
    const start = () => {
      started = true;
      resolve(new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } }));
      write(retry);
    };
    function onAbort() {
      finish(() => controller.error(signal?.reason));
      if (!started) resolve(new Response(null, { status: 499 }));
    }
    const timer = setTimeout(() => {
      if (!started && !closed) start();
    }, options.headersAfter ?? 1_000);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    subscription = entries.subscribe({
      next(entry) {
        if (closed) return;
        if (!started) start();
        if ('value' in entry) {
          let data: string;
          try {
            data = encode(entry.value);
          } catch (error) {
            write(`data: ${JSON.stringify(errorBody(error))}\n\n${DONE_FRAME}`);
            return finish(() => controller.close());
          }
          write(`id: ${entry.seq}\ndata: ${data.replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`);
          // a slow client is cut without [DONE]: it resumes from its last id, nothing is lost
          if (-(controller.desiredSize ?? 0) > highWaterMark) finish(() => controller.close());
          return;
        }
        if (entry.end === 'done') write(`id: ${entry.seq}\n${DONE_FRAME}`);
        else write(`id: ${entry.seq}\ndata: ${JSON.stringify({ error: entry.error ?? errorBody(undefined).error })}\n\n${DONE_FRAME}`);
      },
      error(error) {
        if (closed) return;
        if (!started) {
          finish();
          resolve(errorResponse(error, options.headers));
          return;
        }
        write(`data: ${JSON.stringify(errorBody(error))}\n\n${DONE_FRAME}`);
        finish(() => controller.close());
      },
      complete() {
        if (closed) return;
        if (!started) {
          finish();
          resolve(new Response(null, { status: 204, headers: { ...options.headers } }));
          return;
        }
        finish(() => controller.close());
      },
    });
  });
}

/** Options of {@link resumeHandler} and {@link cancelHandler}. */
export interface ResumableHandlerOptions {
  /** The principal of a request (an API key, a user id). Default: `''` for everyone (the id alone is the capability). */
  readonly owner?: (request: Request) => string | Promise<string>;
  /** Extra headers on every answer (CORS). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of {@link resumeHandler}: the owner, the value encoding and the SSE options. */
export interface ResumeHandlerOptions<T> extends ResumableHandlerOptions, Omit<ResumableResponseOptions<T>, 'signal' | 'headers'> {}

/**
 * The handler of `GET …/{id}/stream`: resumes stream `id` after the request's cursor, the
 * `Last-Event-ID` header, else the `last_event_id` query parameter, else 0.
 *
 * <span class="informal">Mount it on your router; the id comes from the path.</span>
 *
 * Answers as {@link toResumableResponse}: `200` with the entries after the cursor, `204` when the
 * cursor is at or past the end, `404` for an unknown, expired or foreign id (one answer for all
 * three), `410` when the entries after the cursor were trimmed, `400` for a malformed id or cursor
 * (before the store is asked), `503` when the store fails or too many resumes run.
 *
 * @example
 * ```ts
 * const resume = resumeHandler(streams, { encode: JSON.stringify, owner: (req) => req.headers.get('authorization') ?? '' });
 * app.get('/v1/chat/completions/:id/stream', (c) => resume(c.req.raw, c.req.param('id'))); // Hono
 * ```
 *
 * @param streams The {@link Resumable} to read.
 * @param options `encode`, `owner`, `retry` (ms), `headers`, `highWaterMark` (frames).
 * @return `(request, id) => Promise<Response>`.
 */
export function resumeHandler<T>(streams: Resumable, options: ResumeHandlerOptions<T>): (request: Request, id: string) => Promise<Response> {
  return async (request, id) => {
    const after = request.headers.get('last-event-id') ?? new URL(request.url).searchParams.get('last_event_id') ?? '0';
    let owner: string;
    try {
      owner = await (options.owner?.(request) ?? '');
    } catch (error) {
      return errorResponse(error, options.headers);
    }
    return toResumableResponse(streams.resume<T>(id, { owner, after: after.trim() }), { ...options, signal: request.signal });
  };
}

/**
 * The handler of `POST …/{id}/cancel`: cancels stream `id` (on whichever instance produces it).
 * Idempotent: `204` for a running or ended stream, `404` for an unknown, expired or foreign id,
 * `400` for a malformed id (before the store is asked), `503` when the store fails.
 *
 * @example
 * ```ts
 * const cancel = cancelHandler(streams, { owner: (req) => req.headers.get('authorization') ?? '' });
 * app.post('/v1/chat/completions/:id/cancel', (c) => cancel(c.req.raw, c.req.param('id')));
 * ```
 *
 * @param streams The {@link Resumable} whose stream to cancel.
 * @param options `owner`, `headers`.
 * @return `(request, id) => Promise<Response>`.
 */
export function cancelHandler(streams: Resumable, options: ResumableHandlerOptions = {}): (request: Request, id: string) => Promise<Response> {
  return async (request, id) => {
    try {
      await streams.cancel(id, { owner: await (options.owner?.(request) ?? '') });
      return new Response(null, { status: 204, headers: { ...options.headers } });
    } catch (error) {
      return errorResponse(error, options.headers);
    }
  };
}

/** The OpenAI-shaped body of a resumable error (others: `internal_error`, message withheld). */
function errorBody(error: unknown): OpenAIErrorBody {
  if (error instanceof ResumableError) {
    const type = error.status === 404 ? 'not_found_error' : error.status === 429 ? 'rate_limit_error' : error.status >= 500 ? 'server_error' : 'invalid_request_error';
    return { error: { message: error.message, type, code: error.code, param: null } };
  }
  return { error: { message: 'The server failed while reading the stream.', type: 'server_error', code: 'internal_error', param: null } };
}

function errorResponse(error: unknown, headers: Readonly<Record<string, string>> | undefined): Response {
  const status = error instanceof ResumableError ? error.status : 500;
  return new Response(JSON.stringify(errorBody(error)), { status, headers: { ...headers, 'content-type': 'application/json' } });
}
