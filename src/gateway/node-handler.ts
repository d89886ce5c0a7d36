/**
 * `POST /v1/chat/completions` of `rxllm serve`: reads and checks the OpenAI request, sends it to
 * the provider, and answers as OpenAI does, streamed or whole.
 * @internal
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import type { Delta } from '../core/delta.ts';
import { SnapshotBuilder } from '../core/snapshot-builder.ts';
import { sseHandler } from '../node/sseHandler.ts';
import { defaultErrorBody, errorStatus } from '../sse/frames.ts';
import type { OpenAIErrorBody } from '../sse/wire.ts';
import { type ChatRequest, parseChatRequest } from './parse-chat-request.ts';
import { toChatCompletion } from './chat-completion.ts';
import { InvalidRequestError } from './invalid-request.ts';
import { readJSONBody } from './read-body.ts';
import { deltasFor, type ServeOperators, type Upstream } from './upstream.ts';

/** What the handler serves, and how. */
export interface ChatHandlerConfig {
  readonly upstream: Upstream;
  /** The one model id requests may name (`GET /v1/models` lists it). */
  readonly servedModel: string;
  readonly operators: ServeOperators;
  /** The largest request body, in bytes. */
  readonly maxBodyBytes: number;
  /** Headers added to every answer (CORS). */
  readonly headers: Readonly<Record<string, string>>;
  /** Receives one line per failed request (the provider's error, a timeout). */
  readonly log?: ((line: string) => void) | undefined;
}

/**
 * The handler of `POST /v1/chat/completions`.
 *
 * - The body is read (at most `maxBodyBytes`, else `413`), parsed (else `400`), checked as OpenAI
 *   checks it (`400` naming the field), its `model` must be the served one (else `400`
 *   `model_not_found`), and it is translated for the provider (else `400`); every refusal has an
 *   OpenAI-shaped body `{"error":{"message","type":"invalid_request_error","param","code"}}`.
 * - `stream: true`: the provider's streaming call, written as `chat.completion.chunk` events by
 *   `sseHandler` (usage only with `stream_options.include_usage`; an error before the first event
 *   answers with its HTTP status, after it an error event, then `data: [DONE]`).
 * - Otherwise: the provider's non-streaming call, answered as one `chat.completion` object with
 *   usage; a failure answers with its HTTP status (the provider's own, 502, 504) and an
 *   OpenAI-shaped error body.
 * - Fields the translation to a provider other than OpenAI leaves out (`response_format`, `seed`,
 *   …) are named in the `x-rxllm-ignored-params` response header.
 * - The client closing the connection unsubscribes the source, which aborts the provider request.
 */
export function chatCompletionsHandler(config: ChatHandlerConfig): (req: IncomingMessage, res: ServerResponse) => void {
  const { upstream, servedModel, operators, log } = config;
  const formatError = (error: unknown): OpenAIErrorBody => {
    log?.(`${upstream.provider} request failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return defaultErrorBody(error);
  };
  return (req, res) => {
    void readJSONBody(req, config.maxBodyBytes)
      .then((body) => {
        if (res.destroyed) return;
        const request = parseChatRequest(body);
        if (request.model !== servedModel) {
          throw new InvalidRequestError(
            `The model '${request.model}' is not served here: this rxllm serve answers as '${servedModel}' (${upstream.provider}); GET /v1/models lists it.`,
            { param: 'model', code: 'model_not_found' },
          );
        }
        const deltas = deltasFor(upstream, request, operators);
        const headers = { ...config.headers, ...ignoredHeader(request, upstream) };
        if (request.stream) {
          // sseHandler takes a body a framework already parsed from `req.body`
          (req as IncomingMessage & { body?: unknown }).body = body;
          sseHandler(() => deltas, { model: request.model, headers, formatError })(req, res);
        } else {
          answerWhole(deltas, request, res, headers, formatError);
        }
      })
      .catch((error: unknown) => {
        if (error instanceof InvalidRequestError) sendJSON(res, error.status, error.toBody(), config.headers);
        else sendJSON(res, 500, formatError(error), config.headers);
      });
  };
}

/** Collects the response and answers with one `chat.completion`, or with the error's status and body. */
function answerWhole(
  deltas: Observable<Delta>,
  request: ChatRequest,
  res: ServerResponse,
  headers: Readonly<Record<string, string>>,
  formatError: (error: unknown) => OpenAIErrorBody,
): void {
  const builder = new SnapshotBuilder();
  const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
  const created = Math.floor(Date.now() / 1000);
  const subscription = deltas.subscribe({
    next: (delta) => builder.apply(delta),
    error: (error: unknown) => sendJSON(res, errorStatus(error), formatError(error), headers),
    complete: () => sendJSON(res, 200, toChatCompletion(builder.snapshot(), request.model, id, created), headers),
  });
  res.once('close', () => subscription.unsubscribe());
}

/** `x-rxllm-ignored-params` for a provider other than OpenAI, when the request has fields its translation leaves out. */
function ignoredHeader(request: ChatRequest, upstream: Upstream): Record<string, string> {
  if (upstream.provider === 'openai') return {};
  const body = request.body;
  const ignored = [...request.unmapped, ...upstream.unsupported.filter((key) => body[key] !== undefined && body[key] !== null)];
  return ignored.length === 0 ? {} : { 'x-rxllm-ignored-params': ignored.sort().join(', ') };
}

/** Answers with a JSON body, unless the client is gone or an answer was started. */
export function sendJSON(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
