import { type Observable, type Subscription, throwError } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { chunkOptionsOf, type SSEResponseOptions, type SSETarget, writeSSE } from './sse-writer.ts';
import type { ChatCompletionChunksOptions } from './toChatCompletionChunks.ts';

/** Options of {@link toSSEResponse}: the chunk fields, the SSE options, and a signal. */
export interface ToSSEResponseOptions extends ChatCompletionChunksOptions, SSEResponseOptions {
  /** The request's signal (`request.signal`): when it aborts (the client left), the source is unsubscribed. */
  readonly signal?: AbortSignal;
}

/**
 * Serves deltas as an OpenAI-compatible streaming Web `Response` (Hono, Deno, Bun, Cloudflare
 * Workers, Next.js route handlers): `chat.completion.chunk` events ending with `data: [DONE]`.
 *
 * <span class="informal">`toChatCompletionChunks` + `toServerSentEvents` + the HTTP status, with
 * backpressure and cancellation wired.</span>
 *
 * Subscribes `deltas` at once and resolves when the first notification decides the answer:
 * - a first delta (or an empty completion) → `200` with `text/event-stream` headers and a body
 *   that streams the events as the deltas come;
 * - an error before any delta → the error's HTTP status (a `ProviderError`'s own 4xx/5xx, 502 for
 *   other upstream failures, 504 for an idle timeout, else 500) with an OpenAI-shaped JSON body
 *   `{"error":{…}}`, as OpenAI answers a failed request, so a client SDK sees the status (and
 *   retries 429/5xx);
 * - an error after that → an error event, then `data: [DONE]` (see `toServerSentEvents`).
 *
 * Cancellation: the body's `cancel()` (the client disconnected) and `options.signal` unsubscribe
 * the source at once, which aborts the provider request. A client that reads slower than the
 * source produces: past `highWaterMark` waiting events the source is unsubscribed and an error
 * event (`buffer_overflow`) and `[DONE]` follow the waiting events.
 *
 * @example
 * ```ts
 * app.post('/v1/chat/completions', async (c) => {
 *   const body = await c.req.json();
 *   return toSSEResponse(fromOpenAI(client, { ...body, stream: undefined }), { model: body.model, signal: c.req.raw.signal });
 * });
 * ```
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @param deltas The deltas to serve; subscribed once.
 * @param options `model` (and `id`, `created`, `includeUsage`), `ids`, `retry` (ms), `formatError`,
 * `highWaterMark` (events), `headers`, `signal`.
 * @return The Response, once the first notification arrived.
 */
export function toSSEResponse(deltas: Observable<Delta>, options: ToSSEResponseOptions): Promise<Response> {
  const { signal } = options;
  return new Promise<Response>((resolve) => {
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    let subscription: Subscription | undefined;
    function onAbort() {
      subscription?.unsubscribe();
      if (closed) return;
      closed = true;
      // the client is gone; whoever awaits the Response still gets one
      resolve(new Response(null, { status: 499 }));
      controller.error(signal?.reason);
    }
    const body = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c;
        },
        cancel() {
          closed = true;
          signal?.removeEventListener('abort', onAbort);
          subscription?.unsubscribe();
        },
      },
      { highWaterMark: 0 },
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const target: SSETarget = {
      head(status, headers) {
        resolve(new Response(body, { status, headers }));
      },
      write(text) {
        if (!closed) controller.enqueue(encoder.encode(text));
      },
      backlog: () => (closed ? 0 : -(controller.desiredSize ?? 0)),
      end() {
        signal?.removeEventListener('abort', onAbort);
        if (closed) return;
        closed = true;
        controller.close();
      },
    };
    subscription = writeSSE(deltas, options, target, options);
  });
}

/** Options of {@link sseResponse}. */
export interface SSERequestHandlerOptions extends SSEResponseOptions {
  /** The `model` written on every chunk. Default: the request body's `model`. */
  readonly model?: string;
}

/**
 * A Web `Request → Response` handler for an OpenAI-compatible chat completions endpoint: parses
 * the JSON body, calls `pipeline(body, request)` for the deltas and answers with
 * {@link toSSEResponse} (the body's `model` and `stream_options.include_usage` are honoured;
 * `request.signal` cancels). A body that is not JSON gets `400` with an OpenAI-shaped error; a
 * `pipeline` that throws is answered like a source error before any delta.
 *
 * @example
 * ```ts
 * const handler = sseResponse((body) => fromOpenAI(client, { model: body.model, messages: body.messages }));
 * app.post('/v1/chat/completions', (c) => handler(c.req.raw)); // Hono
 * export default { fetch: handler };                                 // Workers, Bun, Deno
 * ```
 *
 * @param pipeline Makes the deltas of one request from its parsed JSON body (and the Request).
 * @param options `model`, `ids`, `retry` (ms), `formatError`, `highWaterMark` (events), `headers`.
 * @return `(request) => Promise<Response>`.
 */
export function sseResponse(
  pipeline: (body: any, request: Request) => Observable<Delta>,
  options: SSERequestHandlerOptions = {},
): (request: Request) => Promise<Response> {
  return async (request) => {
    let body: unknown;
    try {
      body = await request.json();
    } catch (error) {
      return badRequest(`The request body is not valid JSON (${(error as Error).message}).`, options.headers);
    }
    let deltas: Observable<Delta>;
    try {
      deltas = pipeline(body, request);
    } catch (error) {
      deltas = throwError(() => error);
    }
    return toSSEResponse(deltas, { ...options, ...chunkOptionsOf(body, options.model), signal: request.signal });
  };
}

function badRequest(message: string, headers: Readonly<Record<string, string>> | undefined): Response {
  const body = { error: { message, type: 'invalid_request_error', code: null, param: null } };
  return new Response(JSON.stringify(body), { status: 400, headers: { ...headers, 'content-type': 'application/json' } });
}
