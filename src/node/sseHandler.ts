import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Observable, throwError } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import type { InvalidRequestError } from '../gateway/invalid-request.ts';
import { readJSONBody } from '../gateway/read-body.ts';
import { chunkOptionsOf, type SSEResponseOptions, writeSSE } from '../sse/sse-writer.ts';

/** Options of {@link sseHandler}. */
export interface SSEHandlerOptions extends SSEResponseOptions {
  /** The `model` written on every chunk. Default: the request body's `model`. */
  readonly model?: string;
  /** The largest request body read, in bytes; a larger one gets `413`. Default 4 MiB. */
  readonly maxBodyBytes?: number;
}

/**
 * A node:http request handler for an OpenAI-compatible chat completions endpoint that streams
 * `chat.completion.chunk` server-sent events (works with `http.createServer`, Express, Fastify's
 * raw `req`/`res`).
 *
 * <span class="informal">The Node twin of `sseResponse` from `rxllm/sse`.</span>
 *
 * Reads the JSON request body (or takes `req.body` when a framework already parsed it), calls
 * `pipeline(body, req)` for the deltas, and writes them with `toChatCompletionChunks` (the
 * body's `model` unless `options.model`, and `stream_options.include_usage`) as SSE frames. The
 * status is decided by the first notification: a first delta → `200` with `text/event-stream`
 * headers, each event flushed as it comes; an error before any delta → the error's HTTP status
 * (a `ProviderError`'s own, 502 for other upstream failures, 504 for an idle timeout, else 500)
 * and an OpenAI-shaped JSON body, so client SDKs see the status (and retry 429/5xx); an error
 * after that → an error event then `data: [DONE]`. A body that is not JSON (or nests deeper than
 * the gateway's `MAX_BODY_DEPTH`) gets `400`, one larger than `maxBodyBytes` gets `413` (the body
 * reader of `rxllm/gateway`, `readJSONBody`); a `pipeline` that throws is answered like a source error.
 *
 * Cancellation: when the client disconnects (`res` emits `close` before the end), the source is
 * unsubscribed at once, which aborts the upstream provider request. A client that reads slower
 * than the source produces: frames beyond what the socket buffers are counted, and past
 * `highWaterMark` the source is unsubscribed and an error event (`buffer_overflow`) and `[DONE]`
 * are written after the waiting frames. Errors are never thrown from the handler.
 *
 * @example
 * ```ts
 * createServer(sseHandler((body) => fromOpenAI(client, { model: body.model, messages: body.messages }))).listen(8080);
 * ```
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 * @param pipeline Makes the deltas of one request from its parsed JSON body (and the request).
 * @param options `model`, `ids`, `retry` (ms), `formatError`, `highWaterMark` (events), `headers`, `maxBodyBytes`.
 * @return `(req, res) => void`.
 */
export function sseHandler(
  pipeline: (body: any, req: IncomingMessage) => Observable<Delta>,
  options: SSEHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  return (req, res) => {
    void readJSONBody(req, maxBodyBytes).then(
      (body) => {
        if (res.destroyed || res.writableEnded) return;
        let deltas: Observable<Delta>;
        try {
          deltas = pipeline(body, req);
        } catch (error) {
          deltas = throwError(() => error);
        }
        serveSSE(deltas, body, res, options);
      },
      (error: InvalidRequestError) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(error.status, { ...options.headers, 'content-type': 'application/json' });
        res.end(JSON.stringify(error.toBody()));
      },
    );
  };
}

/**
 * Writes `deltas` to `res` as OpenAI chat.completion.chunk events (chunk options from `body` and
 * `options.model`); the client closing `res` unsubscribes (aborting the upstream). @internal
 */
export function serveSSE(deltas: Observable<Delta>, body: unknown, res: ServerResponse, options: SSEHandlerOptions): void {
  /** Frames written since the socket's buffer passed its own high-water mark. */
  let waiting = 0;
  const flush = (res as ServerResponse & { flush?: () => void }).flush;
  const onDrain = () => (waiting = 0);
  res.on('drain', onDrain);
  const subscription = writeSSE(deltas, chunkOptionsOf(body, options.model), {
    head(status, headers) {
      res.writeHead(status, headers);
      res.flushHeaders();
    },
    write(text) {
      if (res.writableNeedDrain) waiting++;
      res.write(text);
      // compression middleware buffers until flushed
      if (flush !== undefined) flush.call(res);
    },
    backlog: () => waiting,
    end() {
      res.off('drain', onDrain);
      res.end();
    },
  }, options);
  res.once('close', () => {
    res.off('drain', onDrain);
    subscription.unsubscribe();
  });
}
