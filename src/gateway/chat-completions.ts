/**
 * The transport-neutral core of the OpenAI-compatible gateway: which upstream answers a
 * model, the request translated through its adapter, the operators around the source, and what
 * goes into headers. The Web and node:http handlers are thin shells over it.
 * @module
 */
import type { Observable } from 'rxjs';
import type { ChatRequest } from '../core/chat-request.ts';
import type { Delta } from '../core/delta.ts';
import { UnsupportedRequestError } from '../core/errors.ts';
import { isStreamingUnsupported } from '../core/streaming-unsupported.ts';
import { fallbackToNonStreaming } from '../operators/fallbackToNonStreaming.ts';
import { splitReasoning } from '../operators/splitReasoning.ts';
import { timeoutIdle } from '../operators/timeoutIdle.ts';
import { lazySource, processEnv } from '../sources/adapter-support.ts';
import type { ProviderAdapter, Translation } from '../sources/provider-adapter.ts';
import { headerValue } from '../sse/headers.ts';
import { InvalidRequestError } from './invalid-request.ts';
import { endOnAbort } from './shutdown.ts';
import type { RequestGuard } from './request-guard.ts';
import { type ParsedChatRequest, parseChatRequest } from './parse-chat-request.ts';

/** One model the gateway serves, and the provider behind it. */
export interface GatewayRoute<Client = unknown> {
  /** The model name clients send (`model` in the body) and `GET /v1/models` lists. */
  readonly model: string;
  readonly adapter: ProviderAdapter<Client>;
  /**
   * The SDK client. Absent: built once from `env` with `maxRetries: 0` on the first request
   * (retries are the gateway's client's to make: one client call is one upstream request).
   */
  readonly client?: Client;
  /** The model the provider is asked for; default `model`. */
  readonly upstreamModel?: string;
  /**
   * The upstream has streams only (a recorded replay): every call streams, and a non-streaming
   * request is answered from the collected stream.
   */
  readonly streamOnly?: boolean;
}

/** The operators the gateway puts around each upstream source. */
export interface GatewayOperators {
  /** `<think>…</think>` in the text becomes reasoning (`splitReasoning()`). */
  readonly splitReasoning?: boolean;
  /** Streaming requests fail with `IdleTimeoutError` after this many ms without content (`timeoutIdle`). */
  readonly idleTimeoutMs?: number | undefined;
  /** A streaming request the provider refuses to stream is sent again without streaming (`fallbackToNonStreaming`). */
  readonly fallback?: boolean;
  /** Anything else, last: gets the deltas and the request, returns the deltas to send. */
  readonly pipe?: (deltas: Observable<Delta>, context: GatewayContext) => Observable<Delta>;
}

/** What {@link GatewayOperators.pipe} and `onError` learn about a request. */
export interface GatewayContext {
  readonly route: GatewayRoute;
  readonly request: ChatRequest;
  /** The client asked for a stream. */
  readonly stream: boolean;
}

/** Configuration of `chatCompletionsHandler` / `nodeChatCompletionsHandler`. */
export interface ChatCompletionsConfig<Client = unknown> {
  /** One provider: its adapter (with `client` and `model`) … */
  readonly adapter?: ProviderAdapter<Client>;
  readonly client?: Client;
  /** The served model name (default: the adapter's `defaultModel`). */
  readonly model?: string;
  /** … or several models, each with its own provider. */
  readonly routes?: readonly GatewayRoute[];
  readonly operators?: GatewayOperators;
  /** Request body limit in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Headers added to every answer (CORS, …). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Environment for clients built by adapters (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The front door ({@link RequestGuard}): `Host`, `Origin`, bearer key and content-type checks,
   * CORS headers (preflights: `guard.preflight`, answered by the server's router). Absent: every
   * request is served.
   */
  readonly guard?: RequestGuard;
  /**
   * Aborted when the server shuts down: every open answer ends at once with a
   * {@link GatewayShutdownError} (streams: an error event `server_shutting_down` and `[DONE]`;
   * before the first delta: 503) and its upstream request is aborted.
   */
  readonly signal?: AbortSignal;
  /** Told of every failed request (after the answer was chosen); for logs. */
  readonly onError?: (error: unknown, context: GatewayContext | undefined) => void;
  /**
   * Resumable streams (`rxllm/resumable`): every streamed answer is published to `streams`
   * (memory or Redis) and answered with `Rxllm-Stream-Id`, a `retry:` line and an `id:` on every
   * event; `GET …/chat/completions/{id}/stream` resumes it from `Last-Event-ID` (header, else
   * `?last_event_id=`) and `POST …/chat/completions/{id}/cancel` stops it, on any instance that
   * shares the store. A client disconnect is not a cancel: the provider request goes on.
   */
  readonly resumable?: GatewayResumable;
}

/** How the gateway makes its streams resumable. */
export interface GatewayResumable {
  /** `resumable(store, limits)` from `rxllm/resumable`. */
  readonly streams: import('../resumable/resumable.ts').Resumable;
  /**
   * Who may resume and cancel a stream: the principal of a request (e.g. its API key); default
   * `''` (anyone holding the stream id, which carries 128 random bits).
   */
  readonly owner?: (request: Request) => string | Promise<string>;
  /** The `retry:` the SSE answers carry, in ms (default 1000). */
  readonly retryMs?: number;
}

/** A request the gateway has accepted: the deltas to send and the headers that go with them. */
export interface PreparedChat {
  readonly parsed: ParsedChatRequest;
  readonly context: GatewayContext;
  /** Cold: subscribing sends the upstream request. */
  readonly deltas: Observable<Delta>;
  /** `x-rxllm-ignored-params` when something was left out (values encoded for a header). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The default request body limit: 1 MiB. */
export { DEFAULT_MAX_BODY_BYTES } from './read-body.ts';

/** The gateway's routing and translation, shared by its handlers. @internal */
export class ChatCompletions {
  readonly routes: readonly GatewayRoute[];
  readonly config: ChatCompletionsConfig;
  private readonly clients = new Map<GatewayRoute, Promise<unknown>>();

  constructor(config: ChatCompletionsConfig) {
    this.config = config;
    if (config.routes !== undefined && config.routes.length > 0) this.routes = config.routes;
    else if (config.adapter !== undefined) {
      const route: { -readonly [K in keyof GatewayRoute]: GatewayRoute[K] } = { model: config.model ?? config.adapter.defaultModel, adapter: config.adapter };
      if (config.client !== undefined) route.client = config.client;
      this.routes = [route];
    } else throw new TypeError('chatCompletionsHandler needs an `adapter` (with `client` and `model`) or `routes`.');
  }

  /** The `GET /v1/models` list. */
  models(created: number): { object: 'list'; data: { id: string; object: 'model'; created: number; owned_by: string }[] } {
    return { object: 'list', data: this.routes.map((r) => ({ id: r.model, object: 'model' as const, created, owned_by: r.adapter.name })) };
  }

  /**
   * Reads a parsed JSON body: checks it, finds the route of its model, translates it and builds
   * the source with the operators.
   * @throws InvalidRequestError (400 for a bad body or what the provider cannot take, 404 `model_not_found`).
   */
  prepare(body: unknown): PreparedChat {
    const parsed = parseChatRequest(body);
    const route = this.routes.find((r) => r.model === parsed.model);
    if (route === undefined) {
      const served = this.routes.map((r) => `'${r.model}'`).join(', ');
      throw new InvalidRequestError(`The model '${parsed.model}' does not exist or you do not have access to it. This server serves ${served}; GET /v1/models lists them.`, {
        status: 404,
        param: 'model',
        code: 'model_not_found',
      });
    }
    const { adapter } = route;
    const upstreamModel = route.upstreamModel ?? route.model;
    let translation: Translation<unknown>;
    let extrasIgnored: string[] = [];
    try {
      if (adapter.paramsFromChatCompletionsBody !== undefined) translation = adapter.paramsFromChatCompletionsBody(parsed.body, upstreamModel);
      else {
        const refused = parsed.unserved[0];
        if (refused !== undefined) throw refused;
        translation = adapter.toParams(parsed.request, upstreamModel);
        extrasIgnored = Object.keys(parsed.extras);
      }
    } catch (error) {
      if (error instanceof UnsupportedRequestError) throw new InvalidRequestError(error.message, { param: bodyParam(error.param, parsed), code: 'invalid_value' });
      throw error;
    }
    const context: GatewayContext = { route, request: parsed.request, stream: parsed.stream };
    const stream = route.streamOnly === true || parsed.stream;
    const source = (streaming: boolean) => this.source(route, translation.params, streaming);
    let deltas = source(stream);
    const operators = this.config.operators ?? {};
    if (parsed.stream) {
      if (operators.idleTimeoutMs !== undefined) deltas = deltas.pipe(timeoutIdle(operators.idleTimeoutMs));
      if (operators.fallback) {
        // the provider's recognition, and the provider-neutral test (StreamingUnsupportedError, generic phrasing)
        const when = (error: unknown) => adapter.isStreamingUnsupported?.(error) === true || isStreamingUnsupported(error);
        deltas = deltas.pipe(fallbackToNonStreaming(() => source(route.streamOnly === true), { when }));
      }
    }
    if (operators.splitReasoning) deltas = deltas.pipe(splitReasoning());
    if (operators.pipe !== undefined) deltas = operators.pipe(deltas, context);
    if (this.config.signal !== undefined) deltas = deltas.pipe(endOnAbort(this.config.signal));
    const ignored = [...extrasIgnored, ...translation.ignored.map((i) => bodyParam(i.param, parsed))];
    const headers: Record<string, string> = ignored.length === 0 ? {} : { 'x-rxllm-ignored-params': headerValue([...new Set(ignored)].sort().join(', ')) };
    return { parsed, context, deltas, headers };
  }

  /** The route's source; the client is built on first use when the route has none. */
  private source(route: GatewayRoute, params: unknown, stream: boolean): Observable<Delta> {
    if (route.client !== undefined) return route.adapter.source(route.client, params, { stream });
    let client = this.clients.get(route);
    if (client === undefined) {
      const env = this.config.env ?? processEnv();
      client = route.adapter.createClient({ env, maxRetries: 0 }).then((c) => c.client);
      this.clients.set(route, client);
    }
    const pending = client;
    return lazySource(() => pending, (built) => route.adapter.source(built, params, { stream }));
  }
}

/** ChatRequest terms → the body's (`topP` → `top_p`, `messages[1]` → the body's index). */
const BODY_NAMES: Readonly<Record<string, string>> = {
  topP: 'top_p',
  maxTokens: 'max_completion_tokens',
  parallelToolCalls: 'parallel_tool_calls',
  toolChoice: 'tool_choice',
  responseFormat: 'response_format',
  reasoning: 'reasoning_effort',
  system: 'messages',
};

function bodyParam(param: string, parsed: ParsedChatRequest): string {
  const message = /^messages\[(\d+)\](.*)$/.exec(param);
  if (message !== null) return `messages[${parsed.bodyIndex[Number(message[1])] ?? message[1]}]${message[2]}`;
  return BODY_NAMES[param] ?? param;
}
