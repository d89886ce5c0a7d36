/**
 * `rxllm serve`'s HTTP server: any provider (or an embedded replay) behind OpenAI's
 * `POST /v1/chat/completions` and `GET /v1/models`.
 * @internal
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReplayServer } from '../../replay/server.ts';
import { CliError } from '../cli-error.ts';
import { adapterOf, clientFor, type ProviderName } from '../providers.ts';
import { defaultReplay, findReplay, startReplay } from '../replays.ts';
import type { GatewayOperators, GatewayRoute } from '../../gateway/chat-completions.ts';
import { nodeChatCompletionsHandler, sendJSON } from '../../gateway/node-handler.ts';
import { InvalidRequestError } from '../../gateway/invalid-request.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../../gateway/read-body.ts';

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
  /** A browser origin allowed to call the server (CORS), or `*` for any. Default: none. */
  readonly cors?: string | undefined;
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
    replay = await startReplay(entry, options.replayDir, options.speed ?? 1);
    const adapter = adapterOf(entry.provider);
    const { client } = await clientFor(adapter, env, replay.url);
    upstream = { model: options.model ?? entry.model, upstreamModel: entry.model, adapter, client, streamOnly: true };
    label = `replay ${entry.name}`;
  } else {
    const adapter = adapterOf(options.provider);
    // retries are the client's: one client request is one upstream request
    const { client } = await clientFor(adapter, env, options.upstreamURL, 0);
    upstream = { model: options.model ?? adapter.defaultModel, adapter, client };
    label = options.provider;
  }
  const served = upstream.model;

  const cors = corsHeaders(options.cors);
  const chat = nodeChatCompletionsHandler({
    routes: [upstream],
    operators: options,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    headers: cors,
    onError: (error: unknown) => options.log?.(`${upstream.adapter.name} request failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
  });
  const created = Math.floor(Date.now() / 1000);
  const model = { id: served, object: 'model', created, owned_by: upstream.adapter.name };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS' && options.cors !== undefined) {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'authorization, content-type', 'access-control-max-age': '600' });
      res.end();
      return;
    }
    if (path === '/v1/chat/completions') {
      if (method === 'POST') chat(req, res);
      else refuse(req, res, cors, 405, { allow: 'POST' });
    } else if (path === '/v1/models') {
      if (method === 'GET') sendJSON(res, 200, { object: 'list', data: [model] }, cors);
      else refuse(req, res, cors, 405, { allow: 'GET' });
    } else if (path.startsWith('/v1/models/') && method === 'GET') {
      const id = decodeURIComponent(path.slice('/v1/models/'.length)); // a bad escape throws: 400 below
      if (id === served) sendJSON(res, 200, model, cors);
      else sendJSON(res, 404, new InvalidRequestError(`The model '${id}' does not exist here; this server serves '${served}'.`, { param: 'model', code: 'model_not_found' }).toBody(), cors);
    } else {
      refuse(req, res, cors, 404, {});
    }
  };
  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      sendJSON(res, 400, new InvalidRequestError(`The request could not be read: ${(error as Error).message}.`).toBody(), cors);
    }
  });

  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await replay?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${options.port ?? 8080} on ${host} is in use; choose another with --port.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliError(`cannot listen on ${host}: no such local address (--host).`, 2);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    baseURL: `http://${shown}:${port}/v1`,
    provider: label,
    model: served,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // open streams end now: their 'close' unsubscribes, which aborts the provider requests
        server.closeAllConnections();
      }).then(() => replay?.close());
      return closing;
    },
  };
}

/** The CORS headers for an allowed origin (none without one). */
function corsHeaders(origin: string | undefined): Record<string, string> {
  if (origin === undefined) return {};
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'x-rxllm-ignored-params', ...(origin === '*' ? {} : { vary: 'origin' }) };
}

/** 404 (`Invalid URL (GET /x)`, as OpenAI answers) or 405, after reading the request. */
function refuse(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>, status: 404 | 405, extra: Record<string, string>): void {
  const message =
    status === 404
      ? `Invalid URL (${req.method} ${req.url}): rxllm serve answers POST /v1/chat/completions and GET /v1/models.`
      : `Method ${req.method} is not allowed on ${req.url}; use ${extra.allow}.`;
  req.resume();
  req.once('end', () => sendJSON(res, status, new InvalidRequestError(message, { status }).toBody(), { ...cors, ...extra }));
}
