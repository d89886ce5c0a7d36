/**
 * `rxllm serve`'s HTTP server: any provider (or an embedded replay) behind OpenAI's
 * `POST /v1/chat/completions` and `GET /v1/models`, with `GET /health`, `GET /metrics`, a JSON
 * access log, the gateway's front door (Host, Origin, bearer key, content type) and a graceful
 * shutdown.
 * @internal
 */
import { subscribe as subscribeChannel, unsubscribe as unsubscribeChannel } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { ReplayServer } from '../../replay/server.ts';
import { CliError } from '../cli-error.ts';
import { adapterOf, clientFor, type ProviderName } from '../providers.ts';
import { defaultReplay, findReplay, startReplay } from '../replays.ts';
import type { GatewayContext, GatewayOperators, GatewayRoute } from '../../gateway/chat-completions.ts';
import { nodeChatCompletionsHandler, refuseUnread, sendJSON } from '../../gateway/node-handler.ts';
import { InvalidRequestError } from '../../gateway/invalid-request.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../gateway/read-body.ts';
import { nodeGuardedRequest, RequestGuard } from '../../gateway/request-guard.ts';
import { type AccessLogLine, currentRequest, observeRequest, ServeMetrics } from './observe.ts';
import { FAULT_HEADER, parseReplayFault, type ReplayFaultSpec } from './replay-fault.ts';

/** How to serve. */
export interface ServeOptions extends Omit<GatewayOperators, 'pipe'> {
  /** A real provider, or `replay` (an embedded recorded stream, offline). */
  readonly provider: ProviderName | 'replay';
  /** The model requests go to and name (default: the provider's default; for a replay, the recording's). */
  readonly model?: string | undefined;
  /** The replay (`--replay`, default `openai-text`); with `provider: 'replay'` only. */
  readonly replay?: string | undefined;
  /** Replay pace: 1 realistic, 2 twice as fast, 0 no pauses. Default 1. */
  readonly speed?: number | undefined;
  /** The package's `replay/` folder; required with `provider: 'replay'`. */
  readonly replayDir?: string | undefined;
  /** The address to listen on. Default `127.0.0.1` (this machine only). */
  readonly host?: string | undefined;
  /** The port; 0 picks a free one. Default 8080. */
  readonly port?: number | undefined;
  /** The largest request body, in bytes (larger: 413). Default {@link DEFAULT_MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number | undefined;
  /** Browser origins allowed to call the server (CORS), or `*` for any. Default: none. */
  readonly cors?: string | readonly string[] | undefined;
  /** The bearer key clients must send (`Authorization: Bearer KEY`). Default: none (loopback only). */
  readonly apiKey?: string | undefined;
  /** `Host` names accepted besides loopback names and the listening address (`*`: any). */
  readonly allowedHosts?: readonly string[] | undefined;
  /** How long open answers may run on after a shutdown began, in ms, before they are ended. Default 10 000. */
  readonly graceMs?: number | undefined;
  /** Faults every replayed answer gets (`--fault`); replay only. Per request: the `x-rxllm-fault` header. */
  readonly fault?: ReplayFaultSpec | undefined;
  /** Put the request (messages, parameters) in the access log. Default false: never. */
  readonly logBodies?: boolean | undefined;
  /**
   * `--resumable`: `memory` or a Redis URL. Streamed answers are published there and resumable
   * by id on any instance sharing the store (`GET /v1/chat/completions/{id}/stream`, `POST
   * …/{id}/cancel`); the owner is the request's `Authorization` header, and the instances share
   * `RXLLM_RESUMABLE_SECRET` (else the API key).
   */
  readonly resumable?: string | undefined;
  /**
   * `--otel`: every request recorded by `tapTelemetry` on the global OpenTelemetry tracer and
   * meter (`@opentelemetry/api`, an optional peer). Exporters are the registered SDK's, configured
   * by the standard `OTEL_*` variables (e.g. `node --import @opentelemetry/auto-instrumentations-node/register`);
   * with no SDK registered the API is a no-op.
   */
  readonly otel?: boolean | undefined;
  /** Receives one access-log line per request. Default: none. */
  readonly accessLog?: ((line: AccessLogLine) => void) | undefined;
  /** Where provider keys and endpoints are read. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /**
   * Send the provider SDK's requests to this loopback server (a replay server) with placeholder
   * credentials and no retries, instead of the provider. For tests and demos.
   */
  readonly upstreamURL?: string | undefined;
  /** Receives one line per failed request. Default: nothing is logged. */
  readonly log?: ((line: string) => void) | undefined;
}

/** A running server. */
export interface ServeHandle {
  /** The OpenAI base URL clients use: `http://127.0.0.1:8080/v1`. */
  readonly baseURL: string;
  /** What answers: `anthropic`, or `replay <name>` for an embedded replay. */
  readonly provider: string;
  /** The model id requests name. */
  readonly model: string;
  /** Stops accepting requests, closes every connection (aborting provider requests) and the replay; resolves when done. */
  close(): Promise<void>;
  /**
   * Graceful shutdown: stops accepting, lets open answers finish for `graceMs` (default the
   * option's), then ends each one left with an OpenAI-shaped error (`server_shutting_down`, and
   * `[DONE]` on a stream), aborting its provider request; closes the replay. Resolves with the
   * number of answers that had to be ended.
   */
  shutdown(graceMs?: number): Promise<number>;
}

/**
 * Starts `rxllm serve`: an HTTP server on `host:port` answering
 * - `POST /v1/chat/completions` (see `chatCompletionsHandler`: streaming and non-streaming,
 *   OpenAI-shaped 400 / 413 errors, client disconnect aborts the provider request);
 * - `GET /v1/models` and `GET /v1/models/{id}`: the one served model;
 * - `OPTIONS` preflights when `cors` is set; anything else `404` (`405` for a wrong method), with
 *   an OpenAI-shaped error body.
 *
 * With `provider: 'replay'` a loopback replay server plays the recording through its provider's
 * SDK; the recording is a stream, so a non-streaming request is answered from the collected stream.
 *
 * @throws CliError for a missing key or SDK, an unknown replay, or a port in use (with what to do).
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const env = options.env ?? process.env;
  let replay: ReplayServer | undefined;
  let upstream: GatewayRoute;
  let label: string;
  if (options.provider === 'replay') {
    const name = options.replay ?? defaultReplay;
    const entry = findReplay(name);
    if (entry === undefined) throw new CliError(`unknown replay '${name}' (rxllm serve --replay list lists them).`, 2);
    if (options.replayDir === undefined) throw new TypeError('startServe: replayDir is required with provider replay.');
    replay = await startReplay(entry, options.replayDir, options.speed ?? 1, { fault: options.fault, header: FAULT_HEADER });
    const adapter = adapterOf(entry.provider);
    const { client } = await clientFor(adapter, env, replay.url);
    upstream = { model: options.model ?? entry.model, upstreamModel: entry.model, adapter, client, streamOnly: true };
    label = `replay ${entry.name}`;
  } else {
    if (options.fault !== undefined) throw new CliError('--fault breaks a replay on purpose; it does not apply to a real provider.', 2);
    const adapter = adapterOf(options.provider);
    // retries are the client's: one client request is one upstream request
    const { client } = await clientFor(adapter, env, options.upstreamURL, 0);
    upstream = { model: options.model ?? adapter.defaultModel, adapter, client };
    label = options.provider;
  }
  const served = upstream.model;
  const host = options.host ?? '127.0.0.1';
  const cors = options.cors === undefined ? undefined : typeof options.cors === 'string' ? [options.cors] : options.cors;
  const guard = new RequestGuard({ apiKey: options.apiKey, allowedHosts: options.allowedHosts, listenHosts: listenHosts(host), cors });
  const metrics = await ServeMetrics.create({ provider: label, model: served });
  const shutdown = new AbortController();
  let draining = false;

  const telemetry = options.otel === true ? await otelOperator(upstream.adapter.name) : undefined;
  const pipe: GatewayOperators['pipe'] = (deltas, context: GatewayContext) => {
    const record = currentRequest.getStore();
    if (record !== undefined) {
      record.model = context.route.model;
      record.stream = context.stream;
      if (options.logBodies === true) record.request = context.request;
    }
    const observed = metrics.observe(deltas, context);
    return telemetry === undefined ? observed : observed.pipe(telemetry(context));
  };
  const resumableStreams = options.resumable === undefined ? undefined : await openResumable(options.resumable, env, options.apiKey);
  const chat = nodeChatCompletionsHandler({
    ...(resumableStreams === undefined ? {} : { resumable: { streams: resumableStreams.streams, owner: (request: Request) => request.headers.get('authorization') ?? '' } }),
    routes: [upstream],
    operators: { splitReasoning: options.splitReasoning, idleTimeoutMs: options.idleTimeoutMs, fallback: options.fallback, pipe },
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    signal: shutdown.signal,
    onError: (error: unknown) => options.log?.(`${upstream.adapter.name} request failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
  });
  const created = Math.floor(Date.now() / 1000);
  const model = { id: served, object: 'model', created, owned_by: upstream.adapter.name };

  const route = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const method = req.method ?? 'GET';
    const view = nodeGuardedRequest(req);
    if (method === 'OPTIONS') {
      const answer = guard.preflight(view);
      if (answer.error !== undefined) refuseUnread(req, res, answer.error, {});
      else {
        res.writeHead(answer.status, answer.headers);
        res.end();
      }
      return;
    }
    const headers = guard.corsHeaders(view);
    const open = path === '/health' || path === '/metrics';
    const refused = guard.check(view, { authenticate: !open });
    if (refused !== undefined) return refuseUnread(req, res, refused, headers);
    if (draining) {
      res.shouldKeepAlive = false;
      return refuseUnread(req, res, new InvalidRequestError('The server is shutting down; send the request again.', { status: 503, code: 'server_shutting_down' }), headers);
    }
    if (path === '/health' && method === 'GET') {
      sendJSON(res, 200, { status: 'ok', provider: label, upstream: upstream.adapter.name, model: served, open_requests: active.size - 1 }, { ...headers, 'cache-control': 'no-store' });
    } else if (path === '/metrics' && method === 'GET') {
      metrics.scrape().then(
        ({ text, contentType }) => {
          if (res.headersSent || res.destroyed) return;
          res.writeHead(200, { ...headers, 'content-type': contentType });
          res.end(text);
        },
        () => sendJSON(res, 500, { error: { message: 'The metrics could not be collected.', type: 'server_error', param: null, code: 'internal_error' } }, headers),
      );
    } else if (path === '/v1/chat/completions') {
      if (method !== 'POST') return refuse(req, res, headers, 405, { allow: 'POST' });
      const badBody = guard.checkBody(view);
      if (badBody !== undefined) return refuseUnread(req, res, badBody, headers);
      const fault = req.headers[FAULT_HEADER];
      if (fault !== undefined) {
        const refusedFault = faultRefusal(fault, replay !== undefined);
        if (refusedFault !== undefined) return refuseUnread(req, res, refusedFault, headers);
        const record = currentRequest.getStore();
        if (record !== undefined) record.fault = String(fault);
      }
      if (Object.keys(headers).length > 0) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      chat(req, res);
    } else if (resumableStreams !== undefined && /^\/v1\/chat\/completions\/[^/]+\/(stream|cancel)$/.test(path)) {
      if (Object.keys(headers).length > 0) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      chat(req, res);
    } else if (path === '/v1/models') {
      if (method === 'GET') sendJSON(res, 200, { object: 'list', data: [model] }, headers);
      else refuse(req, res, headers, 405, { allow: 'GET' });
    } else if (path.startsWith('/v1/models/') && method === 'GET') {
      const id = decodeURIComponent(path.slice('/v1/models/'.length)); // a bad escape throws: 400 below
      if (id === served) sendJSON(res, 200, model, headers);
      else sendJSON(res, 404, new InvalidRequestError(`The model '${id}' does not exist here; this server serves '${served}'.`, { param: 'model', code: 'model_not_found' }).toBody(), headers);
    } else {
      refuse(req, res, headers, 404, {});
    }
  };

  const active = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    active.add(res);
    res.once('close', () => {
      active.delete(res);
      if (active.size === 0) idle?.();
    });
    if (draining) res.shouldKeepAlive = false;
    let path = '/';
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    } catch {
      /* answered as an unknown route */
    }
    observeRequest(req, res, path, { metrics, log: options.accessLog, provider: label }, () => {
      try {
        route(req, res, path);
      } catch (error) {
        sendJSON(res, 400, new InvalidRequestError(`The request could not be read: ${(error as Error).message}.`).toBody(), {});
      }
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 5 * 60_000;

  // the per-request fault header travels to the embedded replay with the provider SDK's request:
  // with fetch (undici) …
  const onUndiciRequest = (message: unknown) => {
    const fault = currentRequest.getStore()?.fault;
    const request = (message as { request?: { origin?: unknown; addHeader?: (name: string, value: string) => unknown } }).request;
    if (fault === undefined || replay === undefined || request?.addHeader === undefined || String(request.origin) !== replay.url) return;
    request.addHeader(FAULT_HEADER, fault);
  };
  // … and with node:http (the Bedrock SDK's handler), before the request's headers are sent
  const onHttpRequest = (message: unknown) => {
    const fault = currentRequest.getStore()?.fault;
    const request = (message as { request?: { getHeader?: (name: string) => unknown; setHeader?: (name: string, value: string) => unknown; headersSent?: boolean } }).request;
    if (fault === undefined || replay === undefined || request?.setHeader === undefined || request.headersSent === true) return;
    if (`http://${String(request.getHeader?.('host'))}` === replay.url) request.setHeader(FAULT_HEADER, fault);
  };
  const unsubscribeFaults = () => {
    unsubscribeChannel('undici:request:create', onUndiciRequest);
    unsubscribeChannel('http.client.request.created', onHttpRequest);
  };
  if (replay !== undefined) {
    subscribeChannel('undici:request:create', onUndiciRequest);
    subscribeChannel('http.client.request.created', onHttpRequest);
  }

  let idle: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (replay !== undefined) unsubscribeFaults();
    await replay?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${options.port ?? 8080} on ${host} is in use; choose another with --port.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`cannot listen on ${host}: no such local address (--host).`, 2);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      shutdown.abort();
      server.close(() => resolve());
      // open streams end now: their 'close' unsubscribes, which aborts the provider requests
      server.closeAllConnections();
    }).then(async () => {
      if (replay !== undefined) unsubscribeFaults();
      await replay?.close();
      resumableStreams?.close();
    });
    return closing;
  };
  let stopping: Promise<number> | undefined;
  return {
    baseURL: `http://${shown}:${port}/v1`,
    provider: label,
    model: served,
    close,
    shutdown(graceMs = options.graceMs ?? 10_000) {
      stopping ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const allDone = new Promise<void>((resolve) => {
          idle = resolve;
          if (active.size === 0) resolve();
        });
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), graceMs)));
        const outcome = await Promise.race([allDone.then(() => 'done' as const), graceOver]);
        clearTimeout(timer);
        const ended = outcome === 'grace' ? active.size : 0;
        if (outcome === 'grace') {
          // each remaining answer ends with server_shutting_down (and [DONE]); its upstream is aborted
          shutdown.abort();
          let flushTimer: NodeJS.Timeout | undefined;
          await Promise.race([allDone, new Promise<void>((resolve) => (flushTimer = setTimeout(resolve, 2_000)))]);
          clearTimeout(flushTimer);
        }
        server.closeAllConnections();
        await closed;
        await close();
        return ended;
      })();
      return stopping;
    },
  };
}

/** The addresses a `Host` header may name for a server listening on `host` (every interface for a wildcard). */
function listenHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return [host];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.push(i.address);
  return out;
}

/** 400 for an `x-rxllm-fault` header that is malformed or sent to a real provider. */
function faultRefusal(value: string | string[], isReplay: boolean): InvalidRequestError | undefined {
  if (!isReplay) return new InvalidRequestError(`The ${FAULT_HEADER} header breaks a replayed answer on purpose; this server answers from a real provider.`, { param: FAULT_HEADER, code: 'invalid_value' });
  try {
    parseReplayFault(Array.isArray(value) ? value.join(',') : value);
    return undefined;
  } catch (error) {
    return new InvalidRequestError(`Invalid ${FAULT_HEADER} header: ${(error as Error).message}`, { param: FAULT_HEADER, code: 'invalid_value' });
  }
}

/** 404 (`Invalid URL (GET /x)`, as OpenAI answers) or 405, after reading the request. */
function refuse(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>, status: 404 | 405, extra: Record<string, string>): void {
  const message =
    status === 404
      ? `Invalid URL (${req.method} ${req.url}): rxllm serve answers POST /v1/chat/completions and GET /v1/models.`
      : `Method ${req.method} is not allowed on ${req.url}; use ${extra.allow}.`;
  refuseUnread(req, res, new InvalidRequestError(message, { status }), { ...cors, ...extra });
}

/** The store of `--resumable`: in memory, or on Redis through the `redis` client (an optional peer). */
async function openResumable(spec: string, env: NodeJS.ProcessEnv, apiKey: string | undefined): Promise<{ streams: import('../../resumable/resumable.ts').Resumable; close(): void }> {
  const { memoryStore, redisStore, resumable } = await import('../../resumable/index.ts');
  const secret = env.RXLLM_RESUMABLE_SECRET || apiKey;
  if (spec === 'memory') return { streams: resumable(memoryStore(), secret === undefined ? {} : { secret }), close() {} };
  let redis: typeof import('redis');
  try {
    redis = await import('redis');
  } catch {
    throw new CliError('--resumable redis://… needs the redis package: npm install redis');
  }
  if (secret === undefined) throw new CliError('--resumable redis://… needs a secret shared by every instance: set RXLLM_RESUMABLE_SECRET (or --api-key).', 2);
  const client = redis.createClient({ url: spec });
  client.on('error', () => {}); // reconnects on its own; commands fail meanwhile
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(`cannot reach Redis at ${spec} (${(error as Error).message}); start it or fix --resumable.`);
  }
  return { streams: resumable(redisStore({ client }), { secret }), close: () => client.destroy() };
}

/** `--otel`: `tapTelemetry` on the global OpenTelemetry tracer and meter, per request. */
async function otelOperator(provider: string): Promise<(context: GatewayContext) => import('rxjs').MonoTypeOperatorFunction<import('../../core/delta.ts').Delta>> {
  let api: typeof import('@opentelemetry/api');
  try {
    api = await import('@opentelemetry/api');
  } catch {
    throw new CliError('--otel needs the @opentelemetry/api package (and an SDK registered, e.g. with node --import): npm install @opentelemetry/api');
  }
  const { tapTelemetry } = await import('../../operators/tapTelemetry.ts');
  const tracer = api.trace.getTracer('rxllm-serve');
  const meter = api.metrics.getMeter('rxllm-serve');
  return (context) => tapTelemetry({ tracer, meter, provider, model: context.route.upstreamModel ?? context.route.model, request: context.request });
}
