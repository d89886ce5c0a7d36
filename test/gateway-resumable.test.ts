/**
 * Resumable streams through `rxllm/gateway`: a streamed answer published to the store, answered
 * with `Rxllm-Stream-Id` and an `id:` per event; a client cut mid-answer resumes — on the same
 * instance (memory store) or on another instance sharing one real redis-server — with nothing
 * missed and nothing twice, from one provider request that was never aborted; cancel through the
 * other instance aborts the provider request; `fromSSE({ resume })` reassembles a cut answer.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeChatCompletionsHandler } from '../src/gateway/index.ts';
import { accumulate } from '../src/operators/accumulate.ts';
import { adapterNamed } from '../src/providers/adapters.ts';
import { startReplayServer, type ReplayServer } from '../src/replay/server.ts';
import { memoryStore, redisStore, resumable } from '../src/resumable/index.ts';
import type { ResumableStore } from '../src/resumable/store.ts';
import { fromSSE } from '../src/sse/fromSSE.ts';
import { loadCase, streamReply } from './support/fixtures.ts';
import { chunkText as textOf, readThenCut as cut, sseEventsOf as events } from './support/sse-events.ts';
import { type RedisServer, skipWithoutRedis, startRedisServer } from './support/redis-server.ts';

const skipRedis = skipWithoutRedis('test/gateway-resumable.test.ts');
const c = loadCase('openai-chat/text');
const body = (stream = true) => JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], stream });

let upstream: ReplayServer;
beforeAll(async () => {
  upstream = await startReplayServer(undefined, { record: true });
});
afterAll(() => upstream.close());

/** A gateway instance over `store`, on its own port. */
async function gateway(store: ResumableStore): Promise<{ base: string; close(): Promise<void> }> {
  const adapter = adapterNamed('openai')!;
  const { client } = await adapter.createClient({ env: {}, baseURL: upstream.url, maxRetries: 0 });
  const streams = resumable(store, { secret: 'shared-secret', heartbeatMs: 500 });
  const handle = nodeChatCompletionsHandler({ routes: [{ model: 'gpt-test', adapter, client }], resumable: { streams } });
  const server: Server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}




describe('resumable gateway on the memory store', () => {
  let g: Awaited<ReturnType<typeof gateway>>;
  beforeAll(async () => {
    g = await gateway(memoryStore());
  });
  afterAll(() => g.close());

  it('a cut answer resumes from Last-Event-ID: every event once, one provider request, not aborted', async () => {
    upstream.reply(streamReply(c, { delayMs: 10 }));
    const before = upstream.requests.length;
    const { id, seen } = await cut(`${g.base}/chat/completions`, body(), 5);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    const rest = await fetch(`${g.base}/chat/completions/${id}/stream`, { headers: { 'last-event-id': '5' } });
    expect(rest.status).toBe(200);
    const tail = events(await rest.text());
    expect(tail[0]!.id).toBe('6');
    expect(tail.at(-1)!.data).toBe('[DONE]');
    expect(textOf([...seen, ...tail])).toBe(c.expect.text);
    expect(upstream.requests.length - before).toBe(1);
    // after the end: at the cursor past the last event, 204; unknown ids 404
    const last = tail.filter((e) => e.id !== undefined).at(-1)!.id!;
    expect((await fetch(`${g.base}/chat/completions/${id}/stream?last_event_id=${last}`)).status).toBe(204);
    expect((await fetch(`${g.base}/chat/completions/${'0'.repeat(32)}/stream`)).status).toBe(404);
  });

  it('fromSSE({ resume }) reassembles an answer whose connection was cut, with one provider request', async () => {
    upstream.reply(streamReply(c, { delayMs: 5 }));
    const before = upstream.requests.length;
    let cut = false;
    const answer = await lastValueFrom(
      fromSSE(
        async (signal, resume) => {
          if (resume !== undefined) return fetch(`${g.base}/chat/completions/${resume.response.headers.get('rxllm-stream-id')}/stream`, { headers: { 'last-event-id': resume.lastEventId ?? '0' }, signal });
          const response = await fetch(`${g.base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(), signal });
          // deliver the first events, then drop the body as a lost Wi-Fi would
          const reader = response.body!.getReader();
          let sent = 0;
          const cutBody = new ReadableStream<Uint8Array>({
            async pull(controller) {
              const { done, value } = await reader.read();
              if (done || sent++ >= 4) {
                cut = true;
                void reader.cancel();
                controller.error(new TypeError('terminated'));
                return;
              }
              controller.enqueue(value);
            },
          });
          return new Response(cutBody, { headers: response.headers });
        },
        { resume: { delay: 10 } },
      ).pipe(accumulate()),
    );
    expect(cut).toBe(true);
    expect(answer.text).toBe(c.expect.text);
    expect(upstream.requests.length - before).toBe(1);
  });
});

describe.skipIf(skipRedis)('two gateway instances sharing one redis-server', () => {
  let redis: RedisServer;
  let a: Awaited<ReturnType<typeof gateway>>;
  let b: Awaited<ReturnType<typeof gateway>>;
  const clients: { destroy(): void }[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    const connect = async () => {
      const client = await createClient({ url: redis.url }).connect();
      clients.push(client);
      return client;
    };
    a = await gateway(redisStore({ client: await connect() }));
    b = await gateway(redisStore({ client: await connect() }));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const client of clients) client.destroy();
    await redis?.stop();
  });

  it('cut on A after event k, resumed on B from k: the recording exactly, one provider request', async () => {
    for (const k of [1, 7, 20]) {
      upstream.reply(streamReply(c, { delayMs: 5 }));
      const before = upstream.requests.length;
      const { id, seen } = await cut(`${a.base}/chat/completions`, body(), k);
      const rest = await fetch(`${b.base}/chat/completions/${id}/stream`, { headers: { 'last-event-id': String(k) } });
      expect(rest.status).toBe(200);
      const tail = events(await rest.text());
      expect(tail[0]!.id).toBe(String(k + 1));
      expect(textOf([...seen, ...tail])).toBe(c.expect.text);
      expect(upstream.requests.length - before).toBe(1);
    }
  });

  it('cancel through B aborts the provider request running on A', async () => {
    upstream.reply(streamReply(c, { delayMs: 200 }));
    const { id } = await cut(`${a.base}/chat/completions`, body(), 2);
    const t0 = performance.now();
    expect((await fetch(`${b.base}/chat/completions/${id}/cancel`, { method: 'POST' })).status).toBe(204);
    await upstream.waitForSocketsClosed(1_500);
    expect(performance.now() - t0).toBeLessThan(1_500);
    const after = events(await (await fetch(`${b.base}/chat/completions/${id}/stream`)).text());
    expect(after.at(-1)!.data).toBe('[DONE]');
    expect(JSON.parse(after.at(-2)!.data)).toMatchObject({ error: { code: 'cancelled' } });
  });
});
