/**
 * The gateway on node:http: `POST /v1/chat/completions` over any adapter.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveSSE } from '../node/sseHandler.ts';
import { defaultErrorBody } from '../sse/frames.ts';
import { answerWhole } from './chat-completion.ts';
import { ChatCompletions, type ChatCompletionsConfig, DEFAULT_MAX_BODY_BYTES, type PreparedChat } from './chat-completions.ts';
import { InvalidRequestError } from './invalid-request.ts';
import { readJSONBody, releaseChunk } from './read-body.ts';
import { chatCompletionsHandler } from './web-handler.ts';
import { fromWebHandler } from '../node/fromWebHandler.ts';
import { nodeGuardedRequest } from './request-guard.ts';

/**
 * An OpenAI-compatible `POST /v1/chat/completions` handler for node:http (and Express, Fastify's
 * raw `req`/`res`, …) over any provider adapter: the body is read (size-limited), checked as
 * OpenAI does ({@link parseChatRequest}), routed by `model`, translated by the adapter, and
 * answered as OpenAI answers, streamed (`chat.completion.chunk` events ending with `[DONE]`) or
 * whole (`chat.completion`). A client that disconnects unsubscribes, which aborts the upstream
 * request.
 *
 * Errors: a bad body is an OpenAI-shaped 400 naming `param` (413 over `maxBodyBytes`); an unknown
 * model 404 `model_not_found`; what the provider cannot take 400; an upstream failure before
 * the first chunk answers with the upstream's status (and its `retry-after`, `x-request-id`),
 * after it with an error event and `[DONE]`. Fields left out are named in
 * `x-rxllm-ignored-params`. With `resumable` the requests go through the Web handler (see
 * `chatCompletionsHandler`), which also answers the resume and cancel routes.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import Anthropic from '@anthropic-ai/sdk';
 * import { anthropicAdapter } from 'rxllm/anthropic';
 * import { nodeChatCompletionsHandler } from 'rxllm/gateway';
 * const chat = nodeChatCompletionsHandler({ adapter: anthropicAdapter, client: new Anthropic({ maxRetries: 0 }), model: 'claude-sonnet-4-6' });
 * createServer((req, res) => (req.url === '/v1/chat/completions' ? chat(req, res) : res.writeHead(404).end())).listen(8080, '127.0.0.1');
 * ```
 * @param config `adapter` + `client` + `model`, or `routes`; `operators`, `maxBodyBytes`, `headers`, `onError`.
 * @return `(req, res) => void`.
 */
export function nodeChatCompletionsHandler(config: ChatCompletionsConfig): (req: IncomingMessage, res: ServerResponse) => void {
  if (config.resumable !== undefined) return fromWebHandler(chatCompletionsHandler(config));
  const gateway = new ChatCompletions(config);
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const baseHeaders = config.headers ?? {};
  const { guard } = config;
  return (req, res) => {
    let prepared: PreparedChat | undefined;
    let headers = baseHeaders;
    if (guard !== undefined) {
      const view = nodeGuardedRequest(req);
      headers = { ...baseHeaders, ...guard.corsHeaders(view) };
      const refused = guard.check(view) ?? guard.checkBody(view);
      if (refused !== undefined) {
        refuseUnread(req, res, refused, headers);
        return;
      }
    }
    void readJSONBody(req, maxBodyBytes)
      .then((body) => {
        if (res.destroyed) return;
        prepared = gateway.prepare(body);
        const formatError = (error: unknown) => {
          config.onError?.(error, prepared?.context);
          return defaultErrorBody(error);
        };
        const answerHeaders = { ...headers, ...prepared.headers };
        if (prepared.parsed.stream) serveSSE(prepared.deltas, prepared.parsed.body, res, { model: prepared.parsed.model, headers: answerHeaders, formatError });
        else {
          const subscription = answerWhole(prepared.deltas, prepared.parsed.model, formatError, (status, answer, extra) => sendJSON(res, status, answer, { ...answerHeaders, ...extra }));
          res.once('close', () => subscription.unsubscribe());
        }
      })
      .catch((error: unknown) => {
        if (error instanceof InvalidRequestError) sendJSON(res, error.status, error.toBody(), headers);
        else {
          config.onError?.(error, prepared?.context);
          sendJSON(res, 500, defaultErrorBody(error), headers);
        }
      });
  };
}


/**
 * Answers a refused request without reading its body into memory: the body is drained (up to
 * 1 MiB, so a keep-alive client gets the answer), then the connection is closed. @internal
 */
export function refuseUnread(req: IncomingMessage, res: ServerResponse, error: InvalidRequestError, headers: Readonly<Record<string, string>>): void {
  let drained = 0;
  const answer = () => sendJSON(res, error.status, error.toBody(), { ...headers, ...(error.status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    releaseChunk(req, chunk);
    if (drained > DEFAULT_MAX_BODY_BYTES) {
      res.shouldKeepAlive = false;
      answer();
      req.destroy();
    }
  });
  req.once('end', answer);
  req.once('error', () => {});
}

/** Sends a JSON answer, unless one was sent or the client left. @internal */
export function sendJSON(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
