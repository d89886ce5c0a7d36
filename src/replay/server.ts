/**
 * A loopback HTTP server that replays recorded provider streams to the official SDKs, with
 * faults on demand. Node-only, internal: the `rxllm` CLI's offline default and the test suite's
 * wire server. Listens on 127.0.0.1 only.
 * @internal
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { codecOf, type WireEvent, type WireFormat } from './wire.ts';

/** A fault injected into a replayed stream. `afterEvents` counts the recorded events sent before it. */
export type Fault =
  /** Stop sending after N events and keep the connection open (the client must time out or abort). */
  | { readonly kind: 'stall'; readonly afterEvents: number }
  /** Destroy the connection after N events (no terminal event, no clean end of the body). */
  | { readonly kind: 'drop'; readonly afterEvents: number }
  /** Send a `data:` line that is not JSON after N events, then the rest of the stream. */
  | { readonly kind: 'malformed'; readonly afterEvents: number; readonly text?: string }
  /** Send the provider's in-stream error event after N events, then end the body (no terminal event). */
  | { readonly kind: 'error-event'; readonly afterEvents: number; readonly event?: WireEvent }
  /** Answer with an HTTP error in the provider's shape instead of a stream. */
  | { readonly kind: 'http'; readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> };

/** What the server answers one request with. */
export type Reply =
  /** A stream: recorded events (or pre-split byte-exact parts) in the format's wire encoding. */
  | {
      readonly kind?: 'stream';
      readonly format: WireFormat;
      readonly events?: readonly WireEvent[];
      /** Byte-exact recorded parts (one per event, see `splitBody`); used instead of `events` when set. */
      readonly parts?: readonly Uint8Array[];
      readonly fault?: Fault;
      /** How writes are cut: one per event (default), random byte boundaries, or all at once. */
      readonly chunking?: 'event' | 'random' | 'whole';
      /** Seed of the random chunking (deterministic per seed). */
      readonly seed?: number;
      /** Pause between events, in ms (0: as fast as the client reads). */
      readonly delayMs?: number;
    }
  /** A plain JSON response (non-streaming endpoints), or an HTTP error. */
  | { readonly kind: 'json'; readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string> };

/** One request the server received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The JSON body, or the raw text when it is not JSON. */
  readonly body: any;
}

/** Chooses the reply to a request; `undefined` gives 404. */
export type ReplyHandler = (request: ReceivedRequest) => Reply | undefined | Promise<Reply | undefined>;

/** A running replay server. */
export interface ReplayServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  /**
   * Every request received, in order, with its headers and body: only with `{ record: true }`
   * (tests that inspect requests). Without it this stays empty and nothing of a request outlives
   * its answer, so a long-running replay (`rxllm serve --provider replay`) keeps a flat heap.
   */
  readonly requests: ReceivedRequest[];
  /** How many requests were received (recorded or not). */
  received(): number;
  /** Stream replies by outcome: `ended` sent whole (or up to their fault), `aborted` closed by the client first. */
  streams(): { readonly ended: number; readonly aborted: number };
  /** Sets how the following requests are answered. */
  reply(handler: ReplyHandler | Reply): void;
  /** Connections open now. */
  openSockets(): number;
  /** Resolves once no connection is open, or rejects after `timeoutMs`. */
  waitForSocketsClosed(timeoutMs?: number): Promise<void>;
  /** Resolves once `n` requests have been received, or rejects after `timeoutMs`. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/** How the replay server listens. */
export interface ReplayServerOptions {
  /**
   * Speak HTTP/2 over cleartext (h2c with prior knowledge, node:http2's compatibility API)
   * instead of HTTP/1.1, as the Bedrock Runtime client does by default, also over `http://`.
   * A `drop` fault then destroys the HTTP/2 session (the TCP connection). Default false.
   */
  readonly http2?: boolean;
  /** Pending-connection queue length for `listen` (default Node's 511; the kernel caps it at `net.core.somaxconn`). */
  readonly backlog?: number;
  /**
   * Keep every request (method, path, headers, body) in `requests`, for tests that inspect what
   * was sent. Default false: nothing per request is kept past its answer.
   */
  readonly record?: boolean;
}

/** Starts a replay server on 127.0.0.1 at a free port (HTTP/1.1, or h2c with `{ http2: true }`). */
export async function startReplayServer(initial?: ReplyHandler | Reply, options: ReplayServerOptions = {}): Promise<ReplayServer> {
  let handler: ReplyHandler = toHandler(initial);
  const sockets = new Set<Socket>();
  const requests: ReceivedRequest[] = [];
  let received = 0;
  const outcomes = { ended: 0, aborted: 0 };
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };

  const onRequest = (req: IncomingMessage | Http2ServerRequest, response: Response) => {
    const res: ResponseWriter = response;
    void handle(req, response).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  };
  let server: Server | Http2Server;
  if (options.http2) {
    server = createHttp2Server(onRequest);
  } else {
    server = createServer(onRequest);
    server.keepAliveTimeout = 1_000;
  }
  server.on('connection', (socket) => {
    sockets.add(socket);
    notify();
    socket.on('close', () => {
      sockets.delete(socket);
      notify();
    });
  });

  async function handle(req: IncomingMessage | Http2ServerRequest, response: Response): Promise<void> {
    const res: ResponseWriter = response;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: any = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* keep the raw text */
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: ReceivedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body };
    received++;
    if (options.record === true) requests.push(request);
    notify();
    const reply = await handler(request);
    if (reply === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no replay for ${request.method} ${request.path}` } }));
      return;
    }
    if (reply.kind === 'json') {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
      return;
    }
    outcomes[await stream(reply, response)]++;
  }

  const url = await new Promise<string>((resolve) => {
    server.listen({ port: 0, host: '127.0.0.1', backlog: options.backlog }, () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });

  const waitFor = (ok: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (ok()) return resolve();
      const check = () => {
        if (!ok()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`replay server: ${what} not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
    });

  return {
    url,
    requests,
    received: () => received,
    streams: () => ({ ...outcomes }),
    reply(next) {
      handler = toHandler(next);
    },
    openSockets: () => sockets.size,
    waitForSocketsClosed: (timeoutMs = 2_000) => waitFor(() => sockets.size === 0, timeoutMs, `all sockets closed (${sockets.size} open)`),
    waitForRequests: (n, timeoutMs = 2_000) => waitFor(() => received >= n, timeoutMs, `${n} requests`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function toHandler(reply: ReplyHandler | Reply | undefined): ReplyHandler {
  if (typeof reply === 'function') return reply;
  if (reply !== undefined) return () => reply;
  return () => undefined;
}

/** An HTTP/1.1 response or an HTTP/2 one (node:http2's compatibility API). */
type Response = ServerResponse | Http2ServerResponse;

/** What `handle` and `stream` use of a {@link Response}: the part both APIs share. */
interface ResponseWriter {
  readonly headersSent: boolean;
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  end(text: string): unknown;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** Sends the status line and headers now (node:http2's compatibility response has `flushHeaders` too, untyped). */
function flushHeaders(res: Response): void {
  (res as { flushHeaders?: () => void }).flushHeaders?.();
}

/**
 * Drops the connection under `res`: the socket (HTTP/1.1), or the whole HTTP/2 session once the
 * stream's writes reached the socket (destroying the session at once would discard the frames
 * still queued in it, so the client would not even see the response headers).
 */
async function destroyConnection(res: Response): Promise<void> {
  if (!('stream' in res)) {
    // flush the events written so far first: destroy() alone discards the socket's write queue
    const socket = res.socket;
    if (socket && !socket.destroyed) await new Promise<void>((resolve) => socket.write(new Uint8Array(0), () => resolve()));
    socket?.destroy();
    return;
  }
  const { stream } = res;
  if (!stream.destroyed) await new Promise<void>((resolve) => stream.write(new Uint8Array(0), () => resolve()));
  stream.session?.destroy();
}

/** Writes a stream reply, applying its fault, chunking and pace; says whether it ended or the client closed it first. */
async function stream(reply: Extract<Reply, { format: WireFormat }>, response: Response): Promise<'ended' | 'aborted'> {
  const res: ResponseWriter = response;
  const { format, fault } = reply;
  const codec = codecOf(format);
  if (fault?.kind === 'http') {
    const shaped = codec.httpError(fault.status);
    res.writeHead(fault.status, { ...shaped.headers, ...fault.headers });
    res.end(JSON.stringify(fault.body ?? shaped.body));
    return 'ended';
  }
  await codec.ready?.();
  const parts: Uint8Array[] = reply.parts ? [...reply.parts] : (reply.events ?? []).map((e) => codec.encodeEvent(e));
  let tail: 'stall' | 'drop' | 'end' = 'end';
  if (fault) {
    const at = Math.min(fault.afterEvents, parts.length);
    if (fault.kind === 'stall' || fault.kind === 'drop') {
      parts.length = at;
      tail = fault.kind;
    } else if (fault.kind === 'malformed') {
      parts.splice(at, 0, codec.malformedEvent(fault.text));
    } else {
      parts.length = at;
      parts.push(codec.encodeEvent(fault.event ?? codec.errorEvent()));
    }
  }
  res.writeHead(200, { 'content-type': codec.contentType, 'cache-control': 'no-cache' });
  flushHeaders(response);
  const writes = cut(parts, reply.chunking ?? 'event', reply.seed ?? 1);
  const closed = new Promise<void>((resolve) => res.on('close', resolve));
  let open = true;
  void closed.then(() => (open = false));
  for (const chunk of writes) {
    if (!open) return 'aborted';
    if (reply.delayMs) await Promise.race([sleep(reply.delayMs), closed]);
    if (!open) return 'aborted';
    if (!res.write(chunk)) await Promise.race([new Promise<void>((r) => res.once('drain', r)), closed]);
  }
  if (tail === 'drop') {
    await destroyConnection(response);
    return 'ended';
  }
  if (tail === 'stall') {
    await closed;
    return 'aborted';
  }
  if (!open) return 'aborted';
  res.end();
  return 'ended';
}

/** Cuts the parts into writes: per event, at random byte boundaries (seeded), or one write. */
function cut(parts: readonly Uint8Array[], chunking: 'event' | 'random' | 'whole', seed: number): Uint8Array[] {
  if (chunking === 'event') return parts as Uint8Array[];
  const all = Buffer.concat(parts);
  if (chunking === 'whole') return [all];
  const out: Uint8Array[] = [];
  let s = seed >>> 0 || 1;
  for (let at = 0; at < all.length; ) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const size = 1 + (s % 64);
    out.push(all.subarray(at, at + size));
    at += size;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

