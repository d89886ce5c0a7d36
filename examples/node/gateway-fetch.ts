/**
 * The OpenAI-compatible gateway as a Web-standard `fetch` handler (Deno, Bun, Cloudflare Workers,
 * Hono's `app.post('/v1/chat/completions', (c) => handler(c.req.raw))`): Gemini behind the OpenAI API.
 * `export default { fetch }` is what Deno (`deno serve`), Bun and Workers run.
 */
import { GoogleGenAI } from '@google/genai';
import { adapterNamed, chatCompletionsHandler } from '../../src/gateway/index.ts';

export function gatewayHandler(ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY })): (request: Request) => Promise<Response> {
  const chat = chatCompletionsHandler({ adapter: adapterNamed('google'), client: ai, model: 'gemini-2.5-flash' }); // the model clients name
  return (request) => (new URL(request.url).pathname === '/v1/chat/completions' ? chat(request) : Promise.resolve(new Response(null, { status: 404 })));
}

let handler: ((request: Request) => Promise<Response>) | undefined;
export default { fetch: (request: Request) => (handler ??= gatewayHandler())(request) };
