/**
 * An AG-UI agent on node:http: an AG-UI client (CopilotKit, `@ag-ui/client`'s `HttpAgent`) POSTs a
 * `RunAgentInput`; the answer streams back as AG-UI events (`toAgUiEvents`), one per SSE `data:`
 * line; the client going away aborts the model request.
 * Run: `OPENAI_API_KEY=… node examples/node/ag-ui-server.ts` (OPENAI_BASE_URL for any compatible server).
 */
import { createServer, type Server } from 'node:http';
import OpenAI from 'openai';
import { toAgUiEvents } from '../../src/ag-ui/index.ts';
import { fromOpenAI } from '../../src/providers/openai/index.ts';

export function startAgent(port = 8000, openai = new OpenAI(), model = process.env.MODEL ?? 'gpt-5-mini'): Server {
  return createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const input = JSON.parse(body) as { threadId: string; runId: string; messages: { role: string; content?: string }[] };
    const messages = input.messages.filter((m) => m.role === 'user' || m.role === 'assistant').map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content ?? '' }));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const run = fromOpenAI(openai, { model, messages })
      .pipe(toAgUiEvents({ threadId: input.threadId, runId: input.runId }))
      .subscribe({ next: (event) => res.write(`data: ${JSON.stringify(event)}\n\n`), complete: () => res.end() });
    res.on('close', () => run.unsubscribe());
  }).listen(port, '127.0.0.1');
}

if (import.meta.main) startAgent();
