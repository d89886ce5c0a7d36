/**
 * `fromWebHandler`: a Web `Request → Response` handler served on node:http.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/**
 * Serves a Web `(request: Request) => Promise<Response>` handler on node:http: the request body
 * streams in (not buffered here), the response body streams out with backpressure, and the
 * client closing the connection aborts `request.signal` (so an rxllm answer's upstream request
 * is aborted, as in the Node handlers).
 *
 * @param handler A Web handler (e.g. `chatCompletionsHandler(config)` of `rxllm/gateway`).
 * @return `(req, res) => void` for `http.createServer`.
 */
export function fromWebHandler(handler: (request: Request) => Promise<Response>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const method = req.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
      method,
      headers,
      signal: controller.signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
    } as RequestInit);
    handler(request).then(
      async (response) => {
        if (res.destroyed) return;
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.flushHeaders();
        if (response.body === null) {
          res.end();
          return;
        }
        const reader = response.body.getReader();
        res.once('close', () => void reader.cancel().catch(() => {}));
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            if (!res.write(value)) await new Promise((resolve) => {
              res.once('drain', resolve);
              res.once('close', resolve);
            });
            if (res.destroyed) return;
          }
          res.end();
        } catch {
          res.destroy();
        }
      },
      () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'The server failed.', type: 'server_error', param: null, code: 'internal_error' } }));
      },
    );
  };
}
