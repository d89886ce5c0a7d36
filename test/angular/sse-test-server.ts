/**
 * A small OpenAI-shaped SSE server for the rxllm/angular tests: answers per the last user prompt
 * (`slow`, `fail`, `drop`, `500`, anything else: a short answer), records every request body and
 * header, and whether each connection closed before the answer ended (an aborted request).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly body: { messages: { role: string; content: unknown }[]; model: string; stream: boolean };
  readonly headers: IncomingMessage['headers'];
  /** Resolves with true when the client closed the connection before the answer ended, false when it ended normally. */
  readonly aborted: Promise<boolean>;
}

export interface SseTestServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

export async function startSseTestServer(origin?: string): Promise<SseTestServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    if (origin !== undefined) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-headers', 'content-type, authorization');
      if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    }
    let raw = '';
    for await (const part of req) raw += part;
    const body = JSON.parse(raw) as SeenRequest['body'];
    let ended = false;
    const aborted = new Promise<boolean>((resolve) => res.on('close', () => resolve(!ended)));
    requests.push({ body, headers: req.headers, aborted });
    const prompt = String(body.messages.at(-1)?.content ?? '');
    if (prompt === '500') {
      ended = true;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'the model is overloaded', type: 'server_error', code: 'overloaded' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const words = prompt === 'slow' ? Array.from({ length: 40 }, (_, i) => `w${i} `) : ['Hello', ', ', 'world', '.'];
    const pause = prompt === 'slow' ? 50 : 5;
    res.write(chunk({ role: 'assistant', content: '' }));
    for (const [i, word] of words.entries()) {
      if (res.destroyed) return;
      if (i === 2 && prompt === 'fail') {
        ended = true;
        return void res.end(`event: error\ndata: ${JSON.stringify({ error: { message: 'upstream failed', code: 'upstream_error' } })}\n\ndata: [DONE]\n\n`);
      }
      if (i === 2 && prompt === 'drop') {
        ended = true;
        return void res.destroy();
      }
      // split each event across two writes: the client must reassemble
      const event = chunk({ content: word });
      res.write(event.slice(0, 10));
      await new Promise((r) => setTimeout(r, 1));
      res.write(event.slice(10));
      await new Promise((r) => setTimeout(r, pause));
    }
    res.write(chunk({}, 'stop'));
    res.write(`data: ${JSON.stringify({ id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [], usage: { prompt_tokens: 5, completion_tokens: words.length, total_tokens: 5 + words.length } })}\n\n`);
    ended = true;
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
