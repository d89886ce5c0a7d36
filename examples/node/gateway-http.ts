/**
 * The OpenAI-compatible gateway in your own node:http server: Claude behind `POST /v1/chat/completions`.
 * Run: `ANTHROPIC_API_KEY=… node examples/node/gateway-http.ts`, then point any OpenAI client at http://127.0.0.1:8080/v1.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createServer, type Server } from 'node:http';
import { adapterNamed, nodeChatCompletionsHandler } from '../../src/gateway/index.ts';

export function startGateway(port = 8080, anthropic = new Anthropic()): Server {
  const chat = nodeChatCompletionsHandler({ adapter: adapterNamed('anthropic'), client: anthropic }); // serves the adapter's default model
  return createServer((req, res) => (req.url === '/v1/chat/completions' ? chat(req, res) : res.writeHead(404).end())).listen(port, '127.0.0.1');
}

if (import.meta.main) startGateway();
