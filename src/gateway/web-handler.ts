/**
 * The gateway on the Web `Request` → `Response` API (Node 22+, Deno, Bun, edge runtimes).
 * @module
 */
import { defaultErrorBody } from '../sse/frames.ts';
import { toSSEResponse } from '../sse/toSSEResponse.ts';
import { answerWhole } from './chat-completion.ts';
import { ChatCompletions, type ChatCompletionsConfig, DEFAULT_MAX_BODY_BYTES } from './chat-completions.ts';
import { InvalidRequestError } from './invalid-request.ts';
import { readJSONRequest } from './read-body.ts';
import { answerResumableRoute, publishAnswer, resumableRoute } from './resumable-routes.ts';
import { webGuardedRequest } from './request-guard.ts';

/**
 * An OpenAI-compatible `POST /v1/chat/completions` handler on the Web `Request`/`Response` API,
 * over any provider adapter; the same behaviour as {@link nodeChatCompletionsHandler}. The
 * request's `signal` (the client going away) unsubscribes, which aborts the upstream request.
 * With `resumable`, it also answers `GET …/chat/completions/{id}/stream` and `POST
 * …/chat/completions/{id}/cancel` (see {@link ChatCompletionsConfig.resumable}).
 *
 * @example
 * ```ts
 * import { anthropicAdapter } from 'rxllm/anthropic';
 * import { chatCompletionsHandler } from 'rxllm/gateway';
 * const chat = chatCompletionsHandler({ adapter: anthropicAdapter, model: 'claude-sonnet-4-6' }); // key from ANTHROPIC_API_KEY
 * export default { fetch: (request: Request) => chat(request) };
 * ```
 * @param config `adapter` + `client` + `model`, or `routes`; `operators`, `maxBodyBytes`, `headers`, `onError`.
 * @return `(request) => Promise<Response>`.
 */
export function chatCompletionsHandler(config: ChatCompletionsConfig): (request: Request) => Promise<Response> {
  const gateway = new ChatCompletions(config);
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const baseHeaders = config.headers ?? {};
  const { guard } = config;
  return async (request) => {
    let headers = baseHeaders;
    const json = (status: number, body: unknown, extra: Readonly<Record<string, string>> = {}) =>
      new Response(JSON.stringify(body), { status, headers: { ...headers, ...extra, 'content-type': 'application/json' } });
    const view = guard === undefined ? undefined : webGuardedRequest(request);
    const refuse = async (refused: InvalidRequestError) => {
      await request.body?.cancel().catch(() => {});
      return json(refused.status, refused.toBody(), refused.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
    };
    if (guard !== undefined && view !== undefined) {
      headers = { ...baseHeaders, ...guard.corsHeaders(view) };
      const refused = guard.check(view);
      if (refused !== undefined) return refuse(refused);
    }
    const resumable = config.resumable;
    if (resumable !== undefined) {
      const route = resumableRoute(new URL(request.url).pathname);
      if (route !== undefined) return answerResumableRoute(resumable, request, route, headers);
    }
    if (guard !== undefined && view !== undefined) {
      const refused = guard.checkBody(view);
      if (refused !== undefined) return refuse(refused);
    }
    let prepared;
    try {
      prepared = gateway.prepare(await readJSONRequest(request, maxBodyBytes));
    } catch (error) {
      if (error instanceof InvalidRequestError) return json(error.status, error.toBody());
      config.onError?.(error, undefined);
      return json(500, defaultErrorBody(error));
    }
    const { parsed, context, deltas } = prepared;
    const answerHeaders = { ...headers, ...prepared.headers };
    const formatError = (error: unknown) => {
      config.onError?.(error, context);
      return defaultErrorBody(error);
    };
    if (parsed.stream && resumable !== undefined) {
      return publishAnswer(resumable, request, deltas, { model: parsed.model, includeUsage: parsed.includeUsage }, answerHeaders);
    }
    if (parsed.stream) {
      return toSSEResponse(deltas, { model: parsed.model, includeUsage: parsed.includeUsage, headers: answerHeaders, formatError, signal: request.signal });
    }
    return new Promise<Response>((resolve) => {
      const subscription = answerWhole(deltas, parsed.model, formatError, (status, answer, extra) => resolve(json(status, answer, { ...prepared.headers, ...extra })));
      request.signal.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
    });
  };
}
