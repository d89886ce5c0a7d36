/**
 * retryStream (mode 'continue'), hedge and the gateway end to end: the real anthropic and openai
 * SDKs against the loopback replay server with its faults, and the openai SDK as the client of
 * the gateway's node handler. Proves the joined text, the prefill the server received, and that
 * the hedge's loser is aborted (the server sees its socket close).
 */
import Anthropic from '@anthropic-ai/sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../src/core/chat-request.ts';
import type { Delta } from '../src/core/delta.ts';
import { nodeChatCompletionsHandler } from '../src/gateway/node-handler.ts';
import { hedge } from '../src/operators/hedge.ts';
import { retryStream } from '../src/operators/retryStream.ts';
import { anthropicAdapter } from '../src/providers/anthropic/adapter.ts';
import { openaiAdapter } from '../src/providers/openai/adapter.ts';
import { type ReplayServer, type Reply, startReplayServer } from '../src/replay/server.ts';
import type { WireEvent } from '../src/replay/wire.ts';
import { continueFrom } from '../src/sources/continue-from.ts';
import { stream } from '../src/sources/stream.ts';
import { loadCase } from './support/fixtures.ts';
import { run } from './support/runs.ts';

const anthropicCase = loadCase('anthropic/text');
const openaiCase = loadCase('openai-chat/text');
const request: ChatRequest = { messages: [{ role: 'user', content: 'Hi, how are you?' }], maxTokens: 200 };

const servers: ReplayServer[] = [];
const httpServers: Server[] = [];
async function replay(): Promise<ReplayServer> {
  const s = await startReplayServer(undefined, { record: true });
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(httpServers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

type AnthropicEvent = { event?: string; data?: { type?: string; delta?: { type?: string; text?: string } } };

/** The text of recorded Anthropic events (from the wire, without rxllm). */
function anthropicText(events: readonly WireEvent[]): string {
  return (events as AnthropicEvent[]).map((e) => (e.data?.delta?.type === 'text_delta' ? e.data.delta.text! : '')).join('');
}

/** The first number of events whose text reaches `share` of the answer. */
function eventsFor(share: number): number {
  const total = anthropicText(anthropicCase.events).length;
  for (let n = 1; n <= anthropicCase.events.length; n++) if (anthropicText(anthropicCase.events.slice(0, n)).length >= share * total) return n;
  throw new Error('unreachable');
}

/**
 * A second replayed stream: the recording's message and block start (another message id), the
 * recorded text deltas after event `n` (the first one led by `repeat`), and the recorded end.
 */
function continuationEvents(n: number, repeat = ''): WireEvent[] {
  const events = anthropicCase.events as AnthropicEvent[];
  const start = structuredClone(events[0]!) as { data: { message: { id: string } } };
  start.data.message.id = 'msg_continuation';
  const blockStart = events.find((e) => e.event === 'content_block_start')!;
  const deltas = events.slice(n).filter((e) => e.data?.delta?.type === 'text_delta').map((e) => structuredClone(e));
  if (repeat !== '') deltas[0]!.data!.delta!.text = repeat + deltas[0]!.data!.delta!.text!;
  const end = events.slice(n).filter((e) => e.event !== 'content_block_delta' && e.event !== 'ping');
  return [start, blockStart, ...deltas, ...end] as WireEvent[];
}

function textOf(deltas: readonly Delta[]): string {
  return deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
}

describe("retryStream({ mode: 'continue' }) with continueFrom (anthropic SDK → replay server)", () => {
  const full = anthropicText(anthropicCase.events);

  for (const repeated of [false, true]) {
    it(`a drop after 40% of the answer gives one text: the recording's prefix plus the continuation${repeated ? ' (its repeat of the tail cut)' : ''}`, async () => {
      const s = await replay();
      const n = eventsFor(0.4);
      const prefix = anthropicText(anthropicCase.events.slice(0, n));
      expect(prefix.length).toBeGreaterThanOrEqual(0.4 * full.length);
      expect(prefix.length).toBeLessThan(full.length);
      const continuation = continuationEvents(n, repeated ? prefix.slice(-15) : '');
      s.reply((req) =>
        s.requests.indexOf(req) === 0
          ? { format: 'anthropic', events: anthropicCase.events, fault: { kind: 'drop', afterEvents: n } }
          : { format: 'anthropic', events: continuation },
      );
      const target = { adapter: anthropicAdapter, client: new Anthropic({ apiKey: 'test', baseURL: s.url, maxRetries: 0 }), model: 'claude-sonnet-4-6' };
      const { deltas, error, snapshot } = await run(
        stream(target, request).pipe(retryStream({ mode: 'continue', continueWith: continueFrom(target, request), delay: 10 })),
      );
      expect(error).toBeUndefined();
      expect(snapshot.text).toBe(full);
      expect(textOf(deltas)).toBe(prefix + anthropicText(continuation).slice(repeated ? 15 : 0));
      expect(deltas.some((d) => d.type === 'reset')).toBe(false);
      expect(deltas.filter((d) => d.type === 'metadata')).toStrictEqual([{ type: 'metadata', provider: 'anthropic', id: 'msg_01QC4g3HwBThD4BaNtBckFDJ', model: 'claude-sonnet-4-6-20250929' }]);
      expect(snapshot.finishReason).toBe('stop');
      expect(s.requests).toHaveLength(2);
      const [first, second] = s.requests;
      expect(first!.body.messages).toStrictEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi, how are you?' }] }]);
      expect(second!.body.messages).toStrictEqual([
        ...first!.body.messages,
        { role: 'assistant', content: [{ type: 'text', text: prefix.trimEnd() }] },
      ]);
    });
  }

  it("without prefill (openai) the continuation is asked for in a user turn after the text so far", async () => {
    const s = await replay();
    const events = openaiCase.events;
    s.reply((req) =>
      s.requests.indexOf(req) === 0 ? { format: 'openai-chat', events, fault: { kind: 'drop', afterEvents: 4 } } : { format: 'openai-chat', events },
    );
    const target = { adapter: openaiAdapter, client: new OpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1`, maxRetries: 0 }), model: 'gpt-4o' };
    const { error, snapshot } = await run(stream(target, request).pipe(retryStream({ mode: 'continue', continueWith: continueFrom(target, request), delay: 10 })));
    expect(error).toBeUndefined();
    const messages = s.requests[1]!.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toStrictEqual(['user', 'assistant', 'user']);
    const prefix = messages[1]!.content;
    expect(prefix.length).toBeGreaterThan(0);
    expect(openaiCase.expect.text.startsWith(prefix)).toBe(true);
    expect(messages[2]!.content).toContain('Continue exactly where you stopped');
    // the replayed continuation is the whole recorded answer again: its repeat of the prefix is cut
    expect(snapshot.text).toBe(prefix + openaiCase.expect.text.slice(overlapCut(prefix, openaiCase.expect.text)));
  });
});

/** How much of `text`'s start repeats `prefix`'s end (the cut continueFrom makes, with minOverlap 8). */
function overlapCut(prefix: string, text: string): number {
  for (let k = Math.min(prefix.length, text.length); k >= 8; k--) if (prefix.endsWith(text.slice(0, k))) return k;
  return 0;
}

describe('hedge across providers (openai SDK → two replay servers)', () => {
  it('a stalled and a healthy provider: the answer comes from the healthy one and the stalled request is aborted', async () => {
    const stalled = await replay();
    const healthy = await replay();
    const reply: Reply = { format: 'openai-chat', parts: openaiCase.parts! };
    stalled.reply({ ...reply, fault: { kind: 'stall', afterEvents: 1 } });
    healthy.reply(reply);
    const targets = [stalled, healthy].map((s) => ({ adapter: openaiAdapter, client: new OpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1`, maxRetries: 0 }), model: 'gpt-4o' }));
    const started = performance.now();
    const { deltas, error } = await run(hedge(targets, request, { delayMs: 50 }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(error).toBeUndefined();
    expect(textOf(deltas)).toBe(openaiCase.expect.text);
    expect(deltas.filter((d) => d.type === 'metadata')).toHaveLength(1);
    expect(stalled.requests).toHaveLength(1);
    expect(healthy.requests).toHaveLength(1);
    expect(healthy.requests[0]!.body.messages).toStrictEqual([{ role: 'user', content: 'Hi, how are you?' }]);
    await stalled.waitForSocketsClosed(200);
  });
});

describe('through the gateway (node handler) to the openai SDK as client', () => {
  async function gateway(config: Parameters<typeof nodeChatCompletionsHandler>[0]): Promise<OpenAI> {
    const server = createServer(nodeChatCompletionsHandler(config));
    httpServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  }

  async function streamedText(client: OpenAI, model: string): Promise<string> {
    const chunks = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi, how are you?' }], max_tokens: 200, stream: true });
    let text = '';
    for await (const chunk of chunks) text += chunk.choices[0]?.delta?.content ?? '';
    return text;
  }

  it('a hedged route answers from the healthy provider and aborts the stalled request', async () => {
    const stalled = await replay();
    const healthy = await replay();
    const reply: Reply = { format: 'openai-chat', parts: openaiCase.parts! };
    stalled.reply({ ...reply, fault: { kind: 'stall', afterEvents: 1 } });
    healthy.reply(reply);
    const [slow, good] = [stalled, healthy].map((s) => ({ adapter: openaiAdapter, client: new OpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1`, maxRetries: 0 }), model: 'gpt-4o' }));
    const client = await gateway({
      routes: [{ model: 'hedged', adapter: openaiAdapter, client: slow!.client }],
      operators: { pipe: (_deltas, context) => hedge([slow!, good!], context.request, { delayMs: 50 }) },
    });
    expect(await streamedText(client, 'hedged')).toBe(openaiCase.expect.text);
    expect(healthy.requests).toHaveLength(1);
    expect(stalled.requests).toHaveLength(1);
    await stalled.waitForSocketsClosed(200);
  });

  it("a route with retryStream({ mode: 'continue' }) joins an Anthropic answer dropped after 40% into one text", async () => {
    const s = await replay();
    const n = eventsFor(0.4);
    s.reply((req) =>
      s.requests.indexOf(req) === 0
        ? { format: 'anthropic', events: anthropicCase.events, fault: { kind: 'drop', afterEvents: n } }
        : { format: 'anthropic', events: continuationEvents(n) },
    );
    const target = { adapter: anthropicAdapter, client: new Anthropic({ apiKey: 'test', baseURL: s.url, maxRetries: 0 }), model: 'claude-sonnet-4-6' };
    const client = await gateway({
      routes: [{ model: 'claude', adapter: anthropicAdapter, client: target.client, upstreamModel: 'claude-sonnet-4-6' }],
      operators: { pipe: (deltas, context) => deltas.pipe(retryStream({ mode: 'continue', continueWith: continueFrom(target, context.request), delay: 10 })) },
    });
    expect(await streamedText(client, 'claude')).toBe(anthropicText(anthropicCase.events));
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.body.messages.at(-1)).toStrictEqual({ role: 'assistant', content: [{ type: 'text', text: anthropicText(anthropicCase.events.slice(0, n)).trimEnd() }] });
  });
});
