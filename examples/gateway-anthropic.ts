/**
 * The README's ten-line Node server: Claude behind the OpenAI Chat Completions API, with
 * rxllm/gateway. Run it with `ANTHROPIC_API_KEY=… node examples/gateway-anthropic.ts`, then point
 * any OpenAI client at http://127.0.0.1:8080/v1 (model `claude`). test/gateway.test.ts runs it
 * against the replay server (ANTHROPIC_BASE_URL) with the official openai SDK as client.
 */
import { createServer } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicAdapter } from '../src/providers/anthropic/index.ts';
import { nodeChatCompletionsHandler } from '../src/gateway/index.ts';

const claude = new Anthropic({ maxRetries: 0 }); // ANTHROPIC_API_KEY; retries are the OpenAI client's to make
const chat = nodeChatCompletionsHandler({ routes: [{ model: 'claude', upstreamModel: 'claude-sonnet-4-6', adapter: anthropicAdapter, client: claude }] });
export const server = createServer((req, res) => (req.url === '/v1/chat/completions' ? chat(req, res) : res.writeHead(404).end()));
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
