/**
 * The proxy process of the gateway scenario (`bench/gateway-proxy.ts`), in front of the load
 * server's `/shape-in-body` OpenAI endpoint, one of:
 * - `gateway`: the library gateway, `nodeChatCompletionsHandler` (`rxllm/gateway`) over the
 *   openai adapter, its client built by `openaiAdapter.createClient` at the load server with
 *   `maxRetries: 0`: every request parsed, translated, streamed through `fromOpenAI` and written
 *   back as `chat.completion.chunk` events;
 * - `passthrough`: node:http piping the request body to the load server and its SSE body back to
 *   the client, byte for byte, no parsing: the floor for any gateway.
 *
 * Run: `node bench/gateway-server.ts <gateway|passthrough> <load server origin>`; prints
 * `{"url":"http://127.0.0.1:<port>/v1/chat/completions"}` on stdout once listening; stops on
 * SIGTERM (closing cleanly, so `--cpu-prof` writes its profile).
 */
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { nodeChatCompletionsHandler } from '../src/gateway/node-handler.ts';
import { openaiAdapter } from '../src/providers/openai/adapter.ts';
import { API_KEY, OPENAI_MODEL } from './clients/client.ts';
import { SHAPE_IN_BODY_PATH } from './wire.ts';

/** The proxies this process can be. */
export type ProxyKind = 'gateway' | 'passthrough';

const ENDPOINT = '/v1/chat/completions';
const [kind, origin] = process.argv.slice(2);
if ((kind !== 'gateway' && kind !== 'passthrough') || origin === undefined) {
  throw new Error('usage: node bench/gateway-server.ts <gateway|passthrough> <load server origin>');
}

async function handler(): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  if (kind === 'gateway') {
    const { client } = await openaiAdapter.createClient({ env: { OPENAI_API_KEY: API_KEY }, baseURL: `${origin}${SHAPE_IN_BODY_PATH}`, maxRetries: 0 });
    return nodeChatCompletionsHandler({ adapter: openaiAdapter, client, model: OPENAI_MODEL });
  }
  const upstream = `${origin}${SHAPE_IN_BODY_PATH}${ENDPOINT}`;
  const agent = new Agent({ keepAlive: true });
  return (req, res) => {
    const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: req.headers.authorization ?? '' };
    if (req.headers['content-length'] !== undefined) headers['content-length'] = req.headers['content-length'];
    const forward = request(upstream, { method: 'POST', headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
    });
    forward.once('error', () => res.destroy());
    res.once('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  };
}

const handle = await handler();
const server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, (req, res) => {
  if (req.method === 'POST' && req.url === ENDPOINT) handle(req, res);
  else res.writeHead(404).end();
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}${ENDPOINT}` })}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
